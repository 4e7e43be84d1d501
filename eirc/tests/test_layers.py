"""The layers of docs/architecture.md are enforced: ``lint-imports`` keeps
them on the real tree and refuses a back-import, naming its chain; the size
check refuses a module over 600 lines."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PACKAGES = ("eirc", "accounts", "meters", "billing", "payments", "documents", "demo")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.slow


def copy_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for name in PACKAGES:
        shutil.copytree(BASE_DIR / name, tree / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(BASE_DIR / "pyproject.toml", tree / "pyproject.toml")
    return tree


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_real_tree_keeps_every_layer_contract(tmp_path):
    result = lint_imports(copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_back_import_from_billing_to_documents_is_refused_with_its_chain(tmp_path):
    tree = copy_tree(tmp_path)
    ledger = tree / "billing" / "ledger.py"
    ledger.write_text(ledger.read_text() + "\nfrom documents.tasks import receipts_issue_task  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert "billing is not allowed to import documents" in result.stdout
    assert "billing.ledger -> documents.tasks" in result.stdout


def test_a_services_module_importing_its_tasks_is_refused(tmp_path):
    tree = copy_tree(tmp_path)
    services = tree / "payments" / "services.py"
    services.write_text(services.read_text() + "\nfrom payments.tasks import webhook_process  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert "payments.services -> payments.tasks" in result.stdout


def test_a_module_over_600_lines_fails_the_size_check(tmp_path):
    check = BASE_DIR / "scripts" / "check-module-size"
    ok = subprocess.run([str(check)], capture_output=True, text=True, timeout=60, check=False)
    assert ok.returncode == 0, ok.stderr
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(check, repo / "scripts" / "check-module-size")
    (repo / "big.py").write_text("x = 1\n" * 601)
    (repo / "small.py").write_text("x = 1\n" * 600)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    result = subprocess.run(
        [str(repo / "scripts" / "check-module-size")], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    assert "big.py: 601 lines" in result.stderr
    assert "small.py" not in result.stderr
