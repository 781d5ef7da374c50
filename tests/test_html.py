"""The HTML pages of ``dedup compare`` and ``dedup scan``, opened in a real browser.

Debian's ``chromium`` driven by Playwright's Python package (``executable_path``: no browser
download). ``DEDUP_UPDATE_SCREENSHOT=1`` also rewrites the README's screenshots
``docs/compare-001-002.png`` and ``docs/scan-seeds.png``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.api import compare, scan
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
SCAN_SCREENSHOT = ROOT / "docs" / "scan-seeds.png"
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


def _scan_file(tmp_path: Path, paths: list[str], **options) -> tuple[Path, object]:
    result = scan(read_paths(paths).articles)
    path = tmp_path / "scan.html"
    path.write_text(html_report.render_scan(result, **options), encoding="utf-8")
    return path, result


# Every in-page link leads to an element, and no two elements share an id.
_LINKS = """() => {
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  const broken = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
    .filter(h => !h.startsWith('#') || !document.getElementById(decodeURIComponent(h.slice(1))));
  return {ids: ids.length, unique: new Set(ids).size, broken, links: document.querySelectorAll('a[href]').length};
}"""


def _assert_links_resolve(page: Page) -> None:
    links = page.page.evaluate(_LINKS)
    assert links["links"] > 0 and links["broken"] == []
    assert links["ids"] == links["unique"]


def _follow(page: Page, link, target: str) -> None:
    """Click a link; the location becomes its target and the target comes into view."""
    link.click()
    page.page.wait_for_function("t => location.hash === t", arg=target)
    page.page.wait_for_function(f"t => ({_IN_VIEW})(document.getElementById(t.slice(1)))", arg=target)


def _assert_inert(page: Page, markup: list[str]) -> None:
    """Hostile text ran nothing, loaded nothing, and shows as text."""
    p = page.page
    p.wait_for_timeout(300)  # give an onerror or a script every chance to fire
    assert page.dialogs == []
    assert p.locator("img").count() == 0
    assert p.locator("script").count() == 0
    assert p.locator("a[href^='javascript:']").count() == 0
    assert p.evaluate(
        "[...document.querySelectorAll('*')].every(e => ![...e.attributes].some(a => a.name.startsWith('on')))"
    )
    text = p.locator("main").inner_text()
    for piece in markup:
        assert piece in text
    assert page.errors == [] and page.requests == [page.url]


HOSTILE_MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">cliquez ici</a>',
    "</style><script>alert(2)</script><style>",
]


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
    # bidirectional controls are shown, not obeyed: the override cannot reorder "0051"
    assert "\u202e" not in page and "\u2067" not in page
    assert "[U+202E]" in page and "[U+2067]" in page and "[U+2069]" in page


# --- in the browser ---------------------------------------------------------------------


@needs_chromium
@pytest.mark.parametrize(("a", "b"), [("001", "002"), ("000", "001")])
def test_one_grid_row_per_pair_and_unaligned_sentence(browser, tmp_path, seed_articles, a, b):
    path, c = _page_file(tmp_path, a, b, seed_articles)
    page = Page(browser, path)
    al = c.alignment
    rows = page.page.locator(".diff > .row.pair, .diff > .row.only-a, .diff > .row.only-b")
    assert rows.count() == len(al.pairs) + len(al.only_a) + len(al.only_b)
    assert page.page.locator(".diff > .row.pair").count() == len(al.pairs)
    # a moved pair also leaves one marker row where B tells it
    assert page.page.locator(".diff > .row.moved-from").count() == sum(p.moved for p in al.pairs)
    # every sentence of each side is shown exactly once
    for side, analysis in (("a", c.a), ("b", c.b)):
        numbers = page.page.evaluate(
            f"[...document.querySelectorAll('.diff > .row:not(.moved-from) > .cell.{side} > .num')]"
            ".flatMap(n => n.textContent.slice(1).split('+').map(Number))"
        )
        assert sorted(numbers) == list(range(1, len(analysis.sentences) + 1))
    # every unaligned sentence faces a visible gap
    gaps = page.page.locator(".cell.gap")
    assert gaps.count() == len(al.only_a) + len(al.only_b)
    assert all(gaps.nth(i).is_visible() for i in range(min(gaps.count(), 5)))
    # the two cells of a row stay level however long the sentences
    boxes = page.page.evaluate(
        "[...document.querySelectorAll('.diff > .row:not(.head):not(.moved-from)')].map(r => "
        "[...r.querySelectorAll(':scope > .cell')].map(c => Math.round(c.getBoundingClientRect().top)))"
    )
    assert all(len(cells) == 2 and cells[0] == cells[1] for cells in boxes)
    assert page.errors == []
    assert page.requests == [page.url]
    assert page.page.evaluate("document.documentElement.lang") == "fr"
    _assert_links_resolve(page)
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
    _assert_inert(page, HOSTILE_MARKUP)
    p = page.page
    assert p.locator(".diff", has_text="<script>alert(1)</script>").first.is_visible()
    assert p.get_by_text("[U+202E]0051 [U+202C]").first.is_visible()
    # the quote with markup inside is a highlighted fact, still as text
    assert p.locator("mark.k-quote", has_text="<img src=x").count() >= 1
    page.context.close()


@needs_chromium
def test_moved_pair_and_its_place_in_b_link_both_ways(browser, tmp_path, seed_articles):
    path, c = _page_file(tmp_path, "001", "002", seed_articles)
    moved = [n for n, pair in enumerate(c.alignment.pairs) if pair.moved]
    assert moved  # seeds 001/002 have one (README)
    page = Page(browser, path)
    p = page.page
    for n in moved:
        pair = p.locator(f"#pair-{n}")
        assert "moved" in pair.get_attribute("class") + pair.locator(".badge").inner_text()
        marker = p.locator(f"#moved-{n}")
        # the marker stands where B tells the sentence: right after B's previous sentence
        shown = "+".join(str(j + 1) for j in c.alignment.pairs[n].b)
        assert marker.locator(".num").inner_text() == f"B{shown}"
        _follow(page, pair.locator("a.badge"), f"#moved-{n}")
        _follow(page, marker.locator("a"), f"#pair-{n}")
    assert page.errors == [] and page.requests == [page.url]
    page.context.close()


@needs_chromium
def test_long_fact_lists_fold_and_open_when_a_fact_is_followed(browser, tmp_path, seed_articles):
    path, c = _page_file(tmp_path, "001", "002", seed_articles)
    assert len(c.divergences.only_a) > html_report.FOLD_AFTER
    page = Page(browser, path)
    p = page.page
    section = p.locator("section.only-a")
    assert section.locator(":scope > ul > li").count() == html_report.FOLD_AFTER
    folded = section.locator("details li")
    assert folded.count() == len(c.divergences.only_a) - html_report.FOLD_AFTER
    assert not folded.first.is_visible()
    # a highlighted fact whose entry is folded: following its link opens the fold
    entry = folded.first.get_attribute("id")
    mark = p.locator(f".diff a[href='#{entry}']").first
    _follow(page, mark, f"#{entry}")
    assert folded.first.is_visible()
    assert section.locator("details").evaluate("d => d.open")
    # printed, every folded fact is on paper
    page.context.close()
    page = Page(browser, path)
    page.page.emulate_media(media="print")
    assert page.page.locator("section.only-a details li").first.is_visible()
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


# --- the scan page ----------------------------------------------------------------------


def test_scan_cli_writes_one_page_and_leaves_text_and_json_alone(tmp_path):
    out = tmp_path / "report.html"
    run = [sys.executable, "-m", "dedup", "scan", str(ROOT / "seeds")]
    proc = subprocess.run([*run, "--format", "html", "-o", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page
    assert f'content="{html_report.CSP}"' in page
    assert "<script" not in page and "http://" not in page and "https://" not in page
    # the same run as JSON: one table row and one comparison per pair, clusters alike
    report = json.loads(subprocess.run([*run, "--format", "json"], capture_output=True, text=True).stdout)
    assert page.count('<tr id="row-') == len(report["pairs"])
    assert page.count('<section class="comparison"') == len(report["pairs"])
    assert page.count('<tr id="cluster-') == len(report["clusters"])
    text = subprocess.run(run, capture_output=True, text=True).stdout
    assert text.startswith("5 articles read") and "<" not in text


def test_scan_page_caps_the_comparisons_with_a_note(tmp_path):
    path, result = _scan_file(tmp_path, [str(ROOT / "seeds")], limit=2)
    assert len(result.pairs) > 2
    page = path.read_text(encoding="utf-8")
    assert page.count('<section class="comparison"') == 2
    assert "The side-by-side comparisons of the first 2 pairs" in page
    assert page.count("not on this page") == len(result.pairs) - 2
    assert 'href="#pair-3"' not in page


def test_scan_comparisons_carry_the_scan_verdicts(tmp_path):
    """Each embedded comparison weighs terms by the batch, as the scan did, so it agrees with the table."""
    path, result = _scan_file(tmp_path, [str(ROOT / "seeds")])
    page = path.read_text(encoding="utf-8")
    for n, pair in enumerate(result.pairs, 1):
        section = page.split(f'<section class="comparison" id="pair-{n}"', 1)[1].split("</section>\n</section>", 1)[0]
        head = section.split('<span class="relation">', 1)[1]
        assert head.startswith(f"{pair.relation.label}</span> score <b>{pair.score:.2f}</b>")


@needs_chromium
def test_scan_page_links_each_pair_to_its_comparison(browser, tmp_path):
    path, result = _scan_file(tmp_path, [str(ROOT / "seeds")])
    page = Page(browser, path)
    p = page.page
    assert p.evaluate("document.documentElement.lang") == "fr"
    assert p.locator("#pairs ~ table.list tbody tr").count() == len(result.pairs)
    _assert_links_resolve(page)  # ids of the comparisons never collide
    for n, pair in enumerate(result.pairs, 1):
        row = p.locator(f"#row-{n}")
        assert row.locator("td").nth(1).inner_text() == pair.a and row.locator("td").nth(2).inner_text() == pair.b
        assert row.locator(".relation").inner_text().lower() == pair.relation.label
        _follow(page, row.locator("a", has_text="compare"), f"#pair-{n}")
        section = p.locator(f"#pair-{n}")
        heading = section.locator("h3").first.inner_text()
        assert pair.a in heading and pair.b in heading
        _follow(page, section.locator(".back a"), f"#row-{n}")
    # a cluster's joining pair opens the same comparison
    joined = p.locator("#cluster-1 a").first
    _follow(page, joined, joined.get_attribute("href"))
    # inside a comparison, a fact still leads to its span
    fact = p.locator("#pair-1 section.only-b li a").first
    _follow(page, fact, fact.get_attribute("href"))
    assert page.errors == [] and page.requests == [page.url]
    page.context.close()


@needs_chromium
def test_hostile_articles_in_a_scan_execute_nothing(browser, tmp_path):
    """Hostile text, and hostile ids, titles and sources, inside a scan page."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt"):
        shutil.copy(HOSTILE / name, folder / name)
    shutil.copy(HOSTILE / "a.txt", folder / "<img src=x onerror=alert(3)>.txt")
    record = {
        "id": "<script>alert(4)</script>",
        "title": "</title><script>alert(5)</script>",
        "source": '"><img src=x onerror=alert(6)>',
        "text": (HOSTILE / "b.txt").read_text(encoding="utf-8"),
    }
    (folder / "records.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    path, result = _scan_file(tmp_path, [str(folder)])
    assert len(result.pairs) >= 3  # the copies pair up, so their comparisons are on the page
    page = Page(browser, path)
    _assert_inert(page, [*HOSTILE_MARKUP, "<img src=x onerror=alert(3)>.txt", "<script>alert(4)</script>"])
    p = page.page
    assert p.title().startswith("dedup scan")
    assert p.locator("dd", has_text="</title><script>alert(5)</script>").count() >= 1
    assert p.locator("dd", has_text='"><img src=x onerror=alert(6)>').count() >= 1
    page.context.close()


@needs_chromium
def test_scan_page_screenshots_light_and_dark(browser, tmp_path):
    path, _ = _scan_file(tmp_path, [str(ROOT / "seeds")])
    backgrounds = {}
    for scheme in ("light", "dark"):
        page = Page(browser, path, color_scheme=scheme)
        p = page.page
        backgrounds[scheme] = p.evaluate("getComputedStyle(document.body).backgroundColor")
        assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        out = tmp_path / f"scan-seeds-{scheme}.png"
        p.screenshot(path=str(out), full_page=True)
        assert out.stat().st_size > 10_000
        if scheme == "light" and os.environ.get("DEDUP_UPDATE_SCREENSHOT") == "1":
            p.screenshot(path=str(SCAN_SCREENSHOT), clip={"x": 0, "y": 0, "width": 1280, "height": 900}, full_page=True)
        page.context.close()
    assert backgrounds["light"] != backgrounds["dark"]
