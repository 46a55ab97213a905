"""The report in a real browser: headless Chromium (Debian ``chromium``) driven by Playwright.

Opens the built site from disk (``file://``) and checks: no console errors, no request leaves the machine,
clicking a column header sorts the table, the filter hides rows, and a screenshot is produced. Without
``/usr/bin/chromium`` the test skips locally but fails under ``CI=true`` (the CI script installs it).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dealstudy.report import build_context, publish, render_figures, render_site
from fixtures.report_sample import sample_report_data

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = sample_report_data()
    context = build_context(data, render_figures(data))
    return publish(tmp_path_factory.mktemp("browser") / "report", lambda tmp: render_site(context, tmp))


@pytest.fixture
def browser(chromium: Any) -> Iterator[tuple[Any, list[str], list[str]]]:
    """A fresh Chromium context of the session's browser; yields (context, requests seen, errors)."""
    requests: list[str] = []
    errors: list[str] = []
    context = chromium.new_context(viewport={"width": 1280, "height": 900})

    def route(r: Any) -> None:
        requests.append(r.request.url)
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    context.on("request", lambda request: requests.append(request.url))
    try:
        yield context, requests, errors
    finally:
        context.close()


#: Collects Content-Security-Policy violations into ``window.__csp`` (injected before any page script).
CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at line ' + e.lineNumber));
"""


def _open(context: Any, url: str, errors: list[str]) -> Any:
    page = context.new_page()
    page.add_init_script(CSP_LISTENER)
    page.on(
        "console",
        lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.goto(url, wait_until="load")
    policy = page.get_attribute("meta[http-equiv='Content-Security-Policy']", "content")
    script_src = next(rule.strip() for rule in policy.split(";") if rule.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "'sha256-" in script_src  # the site's own scripts run by their hashes
    return page


def _csp_violations(page: Any) -> list[str]:
    violations: list[str] = page.evaluate("window.__csp")
    return violations


def _column(page: Any, index: int) -> list[str]:
    return page.eval_on_selector_all(
        "#deal-table > tbody > tr:not(.legs-row)",
        f"rows => rows.filter(r => !r.hidden).map(r => r.cells[{index}].getAttribute('data-sort'))",
    )


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_site_in_chromium(site: Path, browser: tuple[Any, list[str], list[str]], tmp_path: Path) -> None:
    context, requests, errors = browser
    page = _open(context, (site / "index.html").as_uri(), errors)
    assert page.title().startswith("Findings")
    headers = page.eval_on_selector_all("#deal-table thead th", "hs => hs.map(h => h.textContent.trim())")
    column = next(i for i, h in enumerate(headers) if h.startswith("Headline"))

    page.click(f"#deal-table thead th:nth-child({column + 1}) button")
    ascending = _column(page, column)
    numbers = [float(v) for v in ascending if v]
    assert numbers == sorted(numbers)
    assert len(numbers) >= 3
    assert all(v for v in ascending[: len(numbers)])  # missing values sort last
    assert page.get_attribute(f"#deal-table thead th:nth-child({column + 1})", "aria-sort") == "ascending"

    page.click(f"#deal-table thead th:nth-child({column + 1}) button")
    descending = [float(v) for v in _column(page, column) if v]
    assert descending == sorted(numbers, reverse=True)

    # a deal's securities fold behind a button and stay under their deal whatever the order
    assert page.locator("#deal-table tr.legs-row:not([hidden])").count() == 0
    first = page.locator("#deal-table > tbody > tr:not(.legs-row)").first
    deal = first.get_attribute("data-deal")
    first.locator("button.legs-toggle").click()
    assert first.locator("button.legs-toggle").get_attribute("aria-expanded") == "true"
    following = "(id) => document.querySelector(`tr[data-deal='${id}']`).nextElementSibling"
    assert page.evaluate(f"id => ({following})(id).getAttribute('data-legs-of')", deal) == deal
    assert page.locator(f"#legs-{deal}").is_visible()
    page.click(f"#deal-table thead th:nth-child({column + 1}) button")  # sorted again
    assert page.evaluate(f"id => ({following})(id).getAttribute('data-legs-of')", deal) == deal
    assert page.locator(f"#legs-{deal}").is_visible()

    main_rows = "#deal-table > tbody > tr:not(.legs-row)"
    total = page.locator(main_rows).count()
    page.fill("[data-for='deal-table'] input[type=search]", "ALPH")
    shown = page.locator(f"{main_rows}:not([hidden])").count()
    assert 0 < shown < total
    hidden_deals = page.eval_on_selector_all(f"{main_rows}[hidden]", "rs => rs.map(r => r.dataset.deal)")
    if deal in hidden_deals:  # a filtered-out deal takes its open securities with it
        assert not page.locator(f"#legs-{deal}").is_visible()
    assert "Showing" in page.inner_text("[data-for='deal-table'] output")
    page.fill("[data-for='deal-table'] input[type=search]", "")
    assert _csp_violations(page) == []  # sorting and filtering ran, and nothing was refused

    shot = tmp_path / "index.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    width, height = _png_size(shot)
    assert width >= 1000
    assert height > 2000  # the whole page, figures included

    for other in ("regressions.html", "methods.html", "deals/alpha-cloud-300b.html"):
        other_page = _open(context, (site / other).as_uri(), errors)
        assert other_page.locator("svg, table").count() > 0
        assert _csp_violations(other_page) == []
        other_page.close()
    phone = _open(context, (site / "index.html").as_uri(), errors)
    phone.set_viewport_size({"width": 390, "height": 844})
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1  # wide tables scroll inside their box; the page itself does not

    assert errors == []
    assert requests
    assert all(url.startswith("file://") for url in requests), [
        u for u in requests if not u.startswith("file://")
    ]
