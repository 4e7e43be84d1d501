"""The production virtual environment: ``requirements.txt`` alone, nothing of
``requirements-dev.txt`` (which once hid that kombu's Redis transport needs
``packaging``). Cached under ``var/prod-venv/<key>``, the key being a hash of
``requirements.txt`` and the Python version, so a second run takes no time
and any change of a pin builds a new one (older ones are removed)."""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

COMPLETE = ".requirements-installed"


def key(base: Path) -> str:
    digest = hashlib.sha256((base / "requirements.txt").read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


def ensure(base: Path, log=print) -> tuple[Path, bool]:
    """The venv's directory, built if missing; and whether it was built now.
    A lock keeps two runs from building the same one at once."""
    root = base / "var" / "prod-venv"
    root.mkdir(parents=True, exist_ok=True)
    target = root / key(base)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / COMPLETE).exists():
            return target, False
        started = time.monotonic()
        shutil.rmtree(target, ignore_errors=True)  # a build that was interrupted
        log(f"building the production venv from requirements.txt alone: {target}")
        # A venv is not relocatable (its scripts name their interpreter), so it
        # is built in place; the marker file says it is complete.
        pip = [str(target / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
        for command in (
            [sys.executable, "-m", "venv", str(target)],
            [*pip, "install", "-r", str(base / "requirements.txt")],
            [*pip, "check"],
        ):
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            if result.returncode:
                raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
        (target / COMPLETE).write_text(f"built in {time.monotonic() - started:.0f} s\n")
        for old in root.iterdir():
            if old.is_dir() and old != target:
                shutil.rmtree(old, ignore_errors=True)
        log(f"production venv built in {time.monotonic() - started:.0f} s")
        return target, True


if __name__ == "__main__":  # scripts/prod_smoke/venv.py: print the path, building it if needed
    print(ensure(Path(__file__).resolve().parents[2], log=lambda m: print(m, file=sys.stderr))[0])
