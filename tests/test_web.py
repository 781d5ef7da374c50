"""Web pages (.html, through trafilatura) and web archives (.warc, .warc.gz, through warcio)."""

import html
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dedup.read import read_paths, split_date_prefix
from tests.conftest import ROOT, SEEDS

pytest.importorskip("trafilatura")
warcio = pytest.importorskip("warcio")
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

SEED = {path.name[:3]: path for path in SEEDS.glob("*.txt")}
BOILERPLATE = [
    "Nous utilisons des cookies pour mesurer l'audience",  # cookie banner
    "Accepter et fermer",
    "Économie",  # navigation
    "Mentions légales",  # footer
    "Abonnez-vous à notre lettre",
]


def _paragraphs(key):
    _, body = split_date_prefix(SEED[key].read_text(encoding="utf-8"))
    return [p.strip() for p in body.split("\n") if p.strip()]


def _page(key, title, published="2026-01-06"):
    """A news page around a seed's text: cookie banner, navigation, related links, footer."""
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in _paragraphs(key))
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{title} | Le Quotidien</title>
<meta property="og:site_name" content="Le Quotidien">
<link rel="canonical" href="https://quotidien.example/monde/{key}">
<meta property="article:published_time" content="{published}T18:00:00+01:00"></head>
<body>
<div id="cookie-banner" class="cookie-consent"><p>Nous utilisons des cookies pour mesurer l'audience et
personnaliser les publicités.</p><button>Accepter et fermer</button></div>
<header><nav><ul><li><a href="/">Accueil</a></li><li><a href="/monde">Monde</a></li>
<li><a href="/economie">Économie</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article><h1>{title}</h1>
{paragraphs}
</article>
<aside><h2>À lire aussi</h2><ul><li><a href="/a">Les marchés en baisse</a></li></ul></aside></main>
<footer><p>© 2026 Le Quotidien. Mentions légales. Abonnez-vous à notre lettre d'information.</p></footer>
</body></html>""".encode()


def _dedup(*args, cwd=None, code=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = ["-c", code] if code else ["-m", "dedup"]
    proc = subprocess.run([sys.executable, *argv, *args], capture_output=True, text=True, check=False, cwd=cwd, env=env)
    assert "Traceback" not in proc.stderr
    return proc


def test_a_page_is_its_main_text_title_and_date(tmp_path):
    (tmp_path / "page.html").write_bytes(_page("001", "La coalition des volontaires à Paris"))
    [article] = read_paths([tmp_path]).articles
    assert article.id == "page.html" and article.origin == str(tmp_path / "page.html")
    for paragraph in _paragraphs("001"):
        assert paragraph in article.text
    for noise in BOILERPLATE:
        assert noise not in article.text
    assert article.title == "La coalition des volontaires à Paris"
    assert article.date == "2026-01-06"
    assert (article.source, article.url) == ("Le Quotidien", "https://quotidien.example/monde/001")


def test_a_page_and_a_text_file_are_judged_alike(tmp_path):
    (tmp_path / "001.htm").write_bytes(_page("001", "La coalition des volontaires à Paris"))
    (tmp_path / "002.txt").write_bytes(SEED["002"].read_bytes())
    report = json.loads(_dedup("scan", str(tmp_path), "--format", "json").stdout)
    assert [c["members"] for c in report["clusters"]] == [["001.htm", "002.txt"]]
    assert report["pairs"][0]["relation"] == "rewrite"


def _record(writer, uri, payload, content_type="text/html; charset=utf-8", status="200 OK", kind="response"):
    headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(uri, kind, payload=io.BytesIO(payload), http_headers=headers))


def _archive(path, gzip):
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        _record(writer, "https://quotidien.example/monde/001", _page("001", "Sommet à Paris"))
        _record(writer, "https://quotidien.example/logo.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
        _record(writer, "https://quotidien.example/old", b"", status="301 Moved Permanently")
        _record(writer, "https://autre.example/2025/09/sommet", _page("003", "Le sommet de septembre", "2025-09-04"))
        request = writer.create_warc_record(
            "https://autre.example/", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")
        )
        writer.write_record(request)


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_each_html_response_of_an_archive_is_an_article(tmp_path, name):
    _archive(tmp_path / name, gzip=name.endswith(".gz"))
    articles = read_paths([tmp_path]).articles
    assert [a.id for a in articles] == [
        f"{name}#https://quotidien.example/monde/001",
        f"{name}#https://autre.example/2025/09/sommet",
    ]
    first, second = articles
    assert first.url == "https://quotidien.example/monde/001" and first.origin == str(tmp_path / name)
    assert _paragraphs("003")[0] in second.text and "Mentions légales" not in second.text
    assert (first.date, second.date) == ("2026-01-06", "2025-09-04")


def test_an_archive_is_checked_against_an_index(tmp_path):
    _archive(tmp_path / "crawl.warc.gz", gzip=True)
    index = str(tmp_path / "index.duckdb")
    assert _dedup("index", "add", "crawl.warc.gz", "--index", index, cwd=tmp_path).returncode == 0
    new = tmp_path / "new"
    new.mkdir()
    (new / "002.txt").write_bytes(SEED["002"].read_bytes())
    proc = _dedup("check", str(new), "--index", index, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    match = json.loads(proc.stdout)["findings"][0]["matches"][0]
    assert (match["id"], match["relation"]) == ("crawl.warc.gz#https://quotidien.example/monde/001", "rewrite")


def test_bad_pages_and_archives_are_one_line_or_counted_warnings(tmp_path):
    (tmp_path / "empty.html").write_text("<html><body><img src='photo.jpg'></body></html>")  # a photo page
    (tmp_path / "broken.warc.gz").write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    (tmp_path / "images.warc").write_bytes(b"")
    (tmp_path / "ok.html").write_bytes(_page("004", "Le sommet"))
    for name, message in [
        ("empty.html", "no article text found in the page"),
        ("broken.warc.gz", "not a readable WARC file"),
        ("images.warc", "no HTML responses found in the archive"),
    ]:
        proc = _dedup("scan", str(tmp_path / name))
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1
        assert f"{tmp_path / name}: {message}" in proc.stderr, proc.stderr
    skipping = _dedup("scan", str(tmp_path), "--skip-bad", "--format", "json")
    assert skipping.returncode == 0 and skipping.stderr.count("warning: skipped") == 3
    summary = json.loads(skipping.stdout)["summary"]
    assert (summary["articles_read"], summary["articles_skipped"]) == (1, 3)


def test_without_the_web_extra_a_clear_error(tmp_path):
    (tmp_path / "page.html").write_bytes(_page("001", "Sommet"))
    # What an installation without trafilatura sees: the import fails.
    code = "import sys; sys.modules['trafilatura'] = None; sys.argv[0] = 'dedup'; from dedup.cli import run; run()"
    proc = _dedup("scan", str(tmp_path / "page.html"), code=code)
    assert proc.returncode == 2
    assert proc.stderr == (
        f"error: {tmp_path / 'page.html'}: reading web pages needs the web extra: "
        "pip install 'dedup[web]' (trafilatura is missing)\n"
    )


def test_the_page_text_is_never_markup(tmp_path):
    hostile = _page("001", "Sommet").replace(b"<article>", b"<article><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")
    (tmp_path / "page.html").write_bytes(hostile)
    [article] = read_paths([tmp_path / "page.html"]).articles
    assert "<script>alert(1)</script>" in article.text  # the page's text, as text: reports escape it
    assert Path(article.id).name == "page.html"
