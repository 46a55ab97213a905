"""CSP without 'unsafe-inline' (issue 14, item 7): inline scripts run by their SHA-256 hashes, computed at
render time from the scripts' exact text (the browser check is tests/e2e/test_browser_report.py)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from dealstudy.report import build_context, publish, render_figures, render_site
from dealstudy.report.csp import with_script_hashes
from fixtures.report_sample import sample_report_data

META = (
    '<meta http-equiv="Content-Security-Policy" '
    "content=\"default-src 'none'; script-src 'none'; img-src data:\">"
)


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _policy(html: str) -> str:
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def test_every_inline_script_gets_its_hash_and_nothing_else() -> None:
    first, second = "\nlet a = 1;\n", "document.title = 'x';"
    html = f"<head>{META}</head><script>{first}</script><script type='module'>{second}</script>"
    html += '<script src="x.js"></script>'  # external: not hashed (and default-src 'none' refuses it)
    policy = _policy(with_script_hashes(html))
    assert policy == f"default-src 'none'; script-src {_sha(first)} {_sha(second)}; img-src data:"


def test_a_page_without_scripts_allows_none() -> None:
    assert "script-src 'none'" in _policy(with_script_hashes(f"<head>{META}</head><p>text</p>"))


def test_site_pages_allow_exactly_their_own_scripts(tmp_path: Path) -> None:
    data = sample_report_data()
    context = build_context(data, render_figures(data))
    site = publish(tmp_path / "report", lambda folder: render_site(context, folder))
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 4
    for page in pages:
        html = page.read_text(encoding="utf-8")
        script_src = next(r.strip() for r in _policy(html).split(";") if r.strip().startswith("script-src"))
        bodies = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
        assert bodies, page.name
        assert "unsafe-inline" not in script_src
        assert script_src == "script-src " + " ".join(dict.fromkeys(_sha(b) for b in bodies)), page.name
