"""axe-core in the browser tests: the npm package pinned in
``eirc/tests/a11y/package.json`` (exact version, ``package-lock.json`` with
its integrity hash), installed by ``make test``'s set-up (``npm ci``) or, if
missing, here on first use — never fetched from a CDN at run time. Playwright
injects the local file into the page (the context bypasses the CSP for that
one script) and runs it there."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

A11Y_DIR = Path(__file__).resolve().parent / "a11y"
AXE_JS = A11Y_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pinned_version() -> str:
    return json.loads((A11Y_DIR / "package.json").read_text())["dependencies"]["axe-core"]


def ensure_axe() -> Path:
    """The pinned axe-core, installed from the lockfile if it is not yet
    (``npm ci``, offline first: a warm npm cache needs no network)."""
    installed = A11Y_DIR / "node_modules" / "axe-core" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != pinned_version():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "npm is needed to install axe-core for the browser tests (scripts/ensure-debian-packages test)"
            )
        subprocess.run(
            [npm, "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=A11Y_DIR,
            check=True,
            timeout=300,
        )
    version = json.loads(installed.read_text())["version"]
    assert version == pinned_version(), f"axe-core {version} installed, {pinned_version()} pinned"
    return AXE_JS


def axe_violations(page) -> list[dict]:
    """axe-core's violations of WCAG 2.1 A and AA on the page as it is now:
    ``[{"id", "impact", "nodes": [selector, …], "help"}]``. The page has axe
    from the context's init script (:func:`prepare_context`) or gets it here."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
            }));
        }""",
        WCAG_21_AA,
    )


# What a phone-sized page must hold to besides axe: nothing wider than the
# screen, chart text of at least 12 px, tap targets of at least 44 px.
LAYOUT_PROBE = """(check) => {
    const out = {scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
                 smallText: [], smallTargets: []};
    for (const text of document.querySelectorAll('svg text')) {
        const svg = text.ownerSVGElement;
        if (!svg || svg.getClientRects().length === 0 || !svg.checkVisibility()) continue;
        const m = text.getScreenCTM();
        const px = parseFloat(getComputedStyle(text).fontSize) * Math.hypot(m.a, m.b);
        if (px < 12) out.smallText.push(`${text.textContent} ${px.toFixed(1)}px`);
    }
    if (check.targets) {
        const selector = 'main .btn, main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main select';
        for (const el of document.querySelectorAll(selector)) {
            const box = el.getBoundingClientRect();
            if (box.width === 0 || !el.checkVisibility()) continue;
            if (box.height < 44 - 0.5) out.smallTargets.push(`${el.tagName.toLowerCase()} «${(el.textContent || el.name || '').trim().slice(0, 30)}» ${box.height.toFixed(0)}px`);
        }
    }
    return out;
}"""


def prepare_context(context, serve_static: bool = True) -> None:
    """Every page of ``context`` gets axe-core before its own scripts and —
    with ``serve_static`` — its ``/static/`` files straight from the
    staticfiles finders (the files the test server would send), so that
    hundreds of page views do not queue on the test server for the same CSS
    and scripts."""
    context.add_init_script(path=str(ensure_axe()))
    if not serve_static:
        return
    from django.contrib.staticfiles import finders

    def serve(route):
        path = route.request.url.split("/static/", 1)[1].split("?", 1)[0]
        found = finders.find(path)
        if found:
            route.fulfill(path=found)
        else:
            route.continue_()

    context.route("**/static/**", serve)
