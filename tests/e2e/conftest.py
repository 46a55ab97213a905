"""Browser fixtures: the report of the shipped catalog on the shared snapshot, built once per session, and
headless Chromium (Debian ``chromium``) driven by Playwright, with every request that leaves the machine
recorded and refused."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip without ``/usr/bin/chromium``, but fail under ``CI=true`` (the CI script installs it)."""
    if CHROMIUM.is_file():
        return
    message = f"{CHROMIUM} not found (Debian package 'chromium')"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def real_site(prices_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``dealstudy report`` of the shipped catalog on the shared price snapshot (built once per session)."""
    from dealstudy.data import open_sources
    from dealstudy.pipeline.report import build_report

    out = tmp_path_factory.mktemp("real-site") / "report"
    build_report(REPO / "events", open_sources(prices=prices_dir), out_dir=out, bootstrap_reps=199)
    return out


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Pages:
    """Opens pages of a site at a given viewport; records requests leaving ``file://`` and page errors."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.outside: list[str] = []
        self.errors: list[str] = []
        self._contexts: list[Any] = []

    def open(self, path: Path, width: int, height: int = 900) -> Any:
        context = self.browser.new_context(viewport={"width": width, "height": height})
        self._contexts.append(context)

        def route(r: Any) -> None:
            if r.request.url.startswith("file://"):
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.goto(path.as_uri(), wait_until="load")
        return page

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@pytest.fixture
def pages(chromium: Any) -> Iterator[Pages]:
    opened = Pages(chromium)
    try:
        yield opened
    finally:
        opened.close()
