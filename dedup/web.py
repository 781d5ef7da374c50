"""Web pages and web archives as articles (the ``web`` extra: trafilatura and warcio).

A page's article is what trafilatura keeps of it: the main text, without navigation, cookie
banners, footers, comments and other boilerplate, with the title, the date (found by htmldate),
the site and the canonical URL. In a WARC file each successful HTML response is one article,
id ``<file id>#<target URI>``, its url the target URI; other records (requests, images,
redirects, revisits, metadata) are not articles and are passed over, as folders pass over
files of other kinds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import BinaryIO

import trafilatura
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from dedup.model import Article, Problem
from dedup.read import ARCHIVE_SUFFIXES

__all__ = ["page", "read", "read_warc"]

HTML_TYPES = ("text/html", "application/xhtml+xml")

# A page without an article is reported as a Problem; trafilatura's own log lines would only
# repeat it on stderr (with no handler, Python prints a library's warnings).
for _name in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_name).addHandler(logging.NullHandler())


def read(stream: BinaryIO, path: str, article_id: str) -> Iterator[Article | Problem]:
    """The articles of a page or a web archive, by the suffix of ``path``."""
    if path.lower().endswith(ARCHIVE_SUFFIXES):
        yield from read_warc(stream, path, article_id)
    else:
        yield page(stream.read(), article_id, path)


def page(html: bytes | str, article_id: str, origin: str, *, url: str | None = None) -> Article | Problem:
    """The article in one HTML page; ``url`` (where it was fetched from) helps find its date."""
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    text = doc.text if doc is not None else None
    if not text or not text.strip():
        return Problem(origin, "no article text found in the page")
    return Article(
        id=article_id,
        text=text,
        origin=origin,
        title=doc.title or None,
        date=doc.date or None,
        source=doc.sitename or doc.hostname or None,
        url=url or doc.url or None,
    )


def read_warc(stream: BinaryIO, path: str, article_id: str) -> Iterator[Article | Problem]:
    """One article per successful HTML response in a WARC (or gzipped WARC) file."""
    found = 0
    try:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            content_type = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
            if content_type not in HTML_TYPES or not record.http_headers.get_statuscode().startswith("2"):
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI") or f"record {found + 1}"
            found += 1
            article = page(record.content_stream().read(), f"{article_id}#{uri}", path, url=uri)
            yield Problem(f"{path}#{uri}", article.message) if isinstance(article, Problem) else article
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as err:
        yield Problem(path, f"not a readable WARC file: {str(err).strip() or type(err).__name__}")
        return
    if not found:
        yield Problem(path, "no HTML responses found in the archive")
