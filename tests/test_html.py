"""The side-by-side HTML page of ``dedup compare``, opened in a real browser.

Debian's ``chromium`` driven by Playwright's Python package (``executable_path``: no browser
download). ``DEDUP_UPDATE_SCREENSHOT=1`` also rewrites the README's screenshot
``docs/compare-001-002.png``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.api import compare
from dedup.cli import app
from dedup.read import read_paths
from dedup.reports import html as html_report

from .conftest import ROOT

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE = ROOT / "fixtures" / "hostile"
SCREENSHOT = ROOT / "docs" / "compare-001-002.png"
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Page:
    """A page opened from file://, with everything it asked for and complained about."""

    def __init__(self, browser, path: Path, color_scheme: str = "light"):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=color_scheme)
        self.page = self.context.new_page()
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def on_dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", on_dialog)
        self.page.goto(self.url)
        self.page.wait_for_load_state("load")


def _page_file(tmp_path: Path, a: str, b: str, seed_articles) -> tuple[Path, object]:
    comparison = compare(seed_articles[a], seed_articles[b])
    path = tmp_path / f"compare-{a}-{b}.html"
    path.write_text(html_report.render(comparison), encoding="utf-8")
    return path, comparison


def _hostile():
    return read_paths([str(HOSTILE / "a.txt"), str(HOSTILE / "b.txt")]).articles


# --- without a browser ------------------------------------------------------------------


def test_cli_writes_the_page(tmp_path):
    out = tmp_path / "page.html"
    seeds = sorted(str(p) for p in (ROOT / "seeds").glob("00[12]_*.txt"))
    result = CliRunner().invoke(app, ["compare", *seeds, "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in page
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    assert f'<meta http-equiv="Content-Security-Policy" content="{csp}">' in page
    assert "<script" not in page and "http://" not in page and "https://" not in page


def test_hostile_text_is_escaped_in_the_source():
    page = html_report.render(compare(*_hostile()))
    assert "<script" not in page and "<img" not in page and "</style>" in page  # the page's own, once
    assert page.count("</style>") == 1
    assert "&lt;script&gt;" in page and "&lt;/style&gt;" in page
    assert 'href="javascript:' not in page


# --- in the browser ---------------------------------------------------------------------


@needs_chromium
@pytest.mark.parametrize(("a", "b"), [("001", "002"), ("000", "001")])
def test_one_grid_row_per_pair_and_unaligned_sentence(browser, tmp_path, seed_articles, a, b):
    path, c = _page_file(tmp_path, a, b, seed_articles)
    page = Page(browser, path)
    al = c.alignment
    rows = page.page.locator(".diff > .row:not(.head)")
    assert rows.count() == len(al.pairs) + len(al.only_a) + len(al.only_b)
    assert page.page.locator(".diff > .row.pair").count() == len(al.pairs)
    # every unaligned sentence faces a visible gap
    gaps = page.page.locator(".cell.gap")
    assert gaps.count() == len(al.only_a) + len(al.only_b)
    assert all(gaps.nth(i).is_visible() for i in range(min(gaps.count(), 5)))
    # the two cells of a row stay level however long the sentences
    boxes = page.page.evaluate(
        "[...document.querySelectorAll('.diff > .row:not(.head)')].map(r => "
        "[...r.querySelectorAll(':scope > .cell')].map(c => Math.round(c.getBoundingClientRect().top)))"
    )
    assert all(len(cells) == 2 and cells[0] == cells[1] for cells in boxes)
    assert page.errors == []
    assert page.requests == [page.url]
    assert page.page.evaluate("document.documentElement.lang") == "fr"
    page.context.close()


@needs_chromium
def test_meloni_is_only_in_b_and_links_both_ways(browser, tmp_path, seed_articles):
    path, _ = _page_file(tmp_path, "001", "002", seed_articles)
    page = Page(browser, path)
    p = page.page
    entry = p.locator("section.only-b li", has_text="Giorgia Meloni")
    assert entry.count() == 1
    link = entry.locator("a").first
    target = link.get_attribute("href")
    assert target and target.startswith("#b-f")
    span = p.locator(target)
    assert span.evaluate("e => e.tagName") == "MARK"
    assert "k-entity" in span.get_attribute("class")
    assert span.inner_text() == "Giorgia Meloni"
    assert span.evaluate("e => !!e.closest('.cell.b')")  # on the B side
    assert p.locator("section.only-a li", has_text="Giorgia Meloni").count() == 0
    # the span is not yet on screen; clicking the fact brings it into view
    assert not span.evaluate(_IN_VIEW)
    link.click()
    p.wait_for_function(f"location.hash === '{target}'")
    p.wait_for_function(f"({_IN_VIEW})(document.querySelector('{target}'))")
    # and the span links back to its panel entry
    back = span.locator("a").get_attribute("href")
    assert back == f"#{entry.get_attribute('id')}"
    span.locator("a").click()
    p.wait_for_function(f"({_IN_VIEW})(document.querySelector('{back}'))")
    assert page.errors == [] and page.requests == [page.url]
    page.context.close()


_IN_VIEW = (
    "e => { const r = e.getBoundingClientRect();"
    " return r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth; }"
)


@needs_chromium
def test_word_edits_are_marked_for_screen_readers(browser, tmp_path, seed_articles):
    path, _ = _page_file(tmp_path, "001", "002", seed_articles)
    page = Page(browser, path)
    p = page.page
    assert p.locator(".cell.a del").count() > 0 and p.locator(".cell.b ins").count() > 0
    assert p.locator(".cell.a del").first.locator(".sr").inner_text() == "deleted:"
    assert p.locator(".cell.b ins").first.locator(".sr").inner_text() == "inserted:"
    assert p.locator(".row.pair .badge", has_text="moved").count() >= 1
    page.context.close()


@needs_chromium
def test_hostile_text_executes_nothing(browser, tmp_path):
    c = compare(*_hostile())
    assert c.divergences.conflicts and any(g.kind == "quote" for g in c.divergences.shared)
    path = tmp_path / "hostile.html"
    path.write_text(html_report.render(c), encoding="utf-8")
    page = Page(browser, path)
    p = page.page
    p.wait_for_timeout(300)  # give an onerror or a script every chance to fire
    assert page.dialogs == []
    assert p.locator("img").count() == 0
    assert p.locator("script").count() == 0
    assert p.locator("a[href^='javascript:']").count() == 0
    text = p.locator(".diff").inner_text()
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert '<a href="javascript:alert(1)">cliquez ici</a>' in text
    assert "</style><script>alert(2)</script><style>" in text
    assert p.locator(".diff", has_text="<script>alert(1)</script>").first.is_visible()
    # the quote with markup inside is a highlighted fact, still as text
    assert p.locator("mark.k-quote", has_text="<img src=x").count() >= 1
    assert page.errors == [] and page.requests == [page.url]
    page.context.close()


@needs_chromium
def test_screenshots_light_and_dark(browser, tmp_path, seed_articles):
    path, _ = _page_file(tmp_path, "001", "002", seed_articles)
    shots = {}
    for scheme in ("light", "dark"):
        page = Page(browser, path, color_scheme=scheme)
        p = page.page
        background = p.evaluate("getComputedStyle(document.body).backgroundColor")
        shots[scheme] = background
        assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways overflow
        out = tmp_path / f"compare-001-002-{scheme}.png"
        p.screenshot(path=str(out), full_page=True)
        assert out.stat().st_size > 10_000
        if scheme == "light" and os.environ.get("DEDUP_UPDATE_SCREENSHOT") == "1":
            SCREENSHOT.parent.mkdir(exist_ok=True)
            p.screenshot(path=str(SCREENSHOT), clip={"x": 0, "y": 0, "width": 1280, "height": 1500}, full_page=True)
        page.context.close()
    assert shots["light"] != shots["dark"]


@needs_chromium
def test_print_keeps_everything(browser, tmp_path, seed_articles):
    path, _ = _page_file(tmp_path, "001", "002", seed_articles)
    page = Page(browser, path)
    page.page.emulate_media(media="print")
    assert page.page.locator(".facts section").first.evaluate("e => getComputedStyle(e).maxHeight") == "none"
    pdf = page.page.pdf()
    assert pdf.startswith(b"%PDF")
    page.context.close()
