"""The HTML report in a real headless Chromium: renders cleanly, images load, nothing injects.

Needs Debian's chromium (``apt-get install -y chromium``) and the ``playwright`` Python package,
which drives it through ``executable_path`` (no ``playwright install``: no browser download).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_report_corpus import HOSTILE_COMPANY, HOSTILE_TITLE, synthetic_corpus

from analyzer.report import build_report

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--metrics-recording-only",
]


@pytest.fixture(scope="module")
def page_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if CHROMIUM is None:
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    out = tmp_path_factory.mktemp("browser") / "report"
    postings, annotations, tags = synthetic_corpus()
    build_report(out, postings, annotations, tags)
    return out / "index.html"


@pytest.fixture(scope="module")
def loaded(page_report: Path) -> dict[str, object]:
    """Open the report once; collect console messages, page errors, requests and page state."""
    from playwright.sync_api import sync_playwright

    messages: list[tuple[str, str]] = []
    requests: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: messages.append((m.type, m.text)))
            page.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_report.as_uri(), wait_until="load")
            state = page.evaluate(
                """() => ({
                    images: [...document.images].map(i => ({complete: i.complete,
                                                            width: i.naturalWidth})),
                    pwned: window.__pwned === undefined ? null : window.__pwned,
                    scripts: document.scripts.length,
                    handlers: [...document.querySelectorAll('*')].filter(
                        e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
                    text: document.body.innerText,
                    headline: document.getElementById('headline').innerText,
                })"""
            )
        finally:
            browser.close()
    return {"messages": messages, "requests": requests, **state}


def test_report_renders_without_console_errors(loaded: dict[str, object]) -> None:
    """Chromium logs no console error or page error while loading the report."""
    errors = [m for m in loaded["messages"] if m[0] in ("error", "pageerror")]  # type: ignore[union-attr]
    assert errors == []


def test_every_image_loads(loaded: dict[str, object]) -> None:
    """All five charts decode in the browser (naturalWidth > 0)."""
    images = loaded["images"]
    assert len(images) == 5  # type: ignore[arg-type]
    assert all(i["complete"] and i["width"] > 0 for i in images)  # type: ignore[union-attr]


def test_report_fetches_nothing_from_outside(loaded: dict[str, object]) -> None:
    """The page is self-contained: the only request is the file itself (images are data URIs)."""
    outside = [u for u in loaded["requests"] if not u.startswith(("file:", "data:"))]  # type: ignore[union-attr]
    assert outside == []


def test_hostile_postings_cannot_inject(loaded: dict[str, object]) -> None:
    """A company `<script>` and a title `<img onerror>` stay text: no flag set, no handler, no
    script element; the strings are visible as typed."""
    assert loaded["pwned"] is None
    assert loaded["scripts"] == 0
    assert loaded["handlers"] == 0
    assert HOSTILE_COMPANY in loaded["text"]  # type: ignore[operator]
    assert HOSTILE_TITLE in loaded["text"]  # type: ignore[operator]


def test_headline_answers_the_question(loaded: dict[str, object]) -> None:
    """The first thing on the page is the answer to the three-quarters question."""
    headline = str(loaded["headline"])
    assert headline.startswith("Do nearly three-quarters of backend")
    assert "periods with enough postings" in headline
