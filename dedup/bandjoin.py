"""The LSH band join as SQL text: documents sharing a bucket in some band become candidates.

One text for every SQL engine that finds candidates: DuckDB (the persistent index,
:mod:`dedup.store`) and Spark SQL (:mod:`dedup.spark`). It uses only what both dialects read
(``WITH``, ``JOIN … USING``, ``GROUP BY``, ``DISTINCT``). Band tables have the columns
``(kind, band, bucket, doc)``; ``kind`` tells the word-shingle bands (0) from the salient-term
bands (1), which :func:`dedup.index.confirmed` treats differently. A bucket holding more than
:data:`dedup.index.MAX_BUCKET` documents, both sides counted once, is boilerplate and skipped,
as the in-memory index does.
"""

from __future__ import annotations

from dedup.index import MAX_BUCKET

SHINGLES, SALIENT = 0, 1  # the ``kind`` column


def band_join(
    left: str, right: str, *, left_doc: str = "doc", before: str = "", condition: str = "", shared: bool = False
) -> str:
    """SQL returning ``(kind, <left_doc>, doc)``, each row once: a ``left`` document and a
    ``right`` one sharing ``(kind, band, bucket)`` in a bucket of at most ``MAX_BUCKET``
    (``shared``: and a fourth column, ``shared``, the number of bands of that kind they share).

    ``left`` and ``right`` name tables, views or common table expressions (``before`` defines
    more of those, comma-separated, ahead of the join's own). Joined with itself (``left ==
    right``), a table's bucket sizes count its rows once; otherwise they count both sides.
    ``condition`` further restricts the pairs, for example ``l.doc < r.doc`` for each unordered
    pair of a self-join once.
    """
    members = f"SELECT kind, band, bucket FROM {left}"
    if right != left:
        members += f" UNION ALL SELECT kind, band, bucket FROM {right}"
    where = f"s.n <= {int(MAX_BUCKET)}" + (f" AND {condition}" if condition else "")
    columns = f"l.kind, l.{left_doc}, r.doc"
    return f"""
        WITH {before + ", " if before else ""}sizes AS (
            SELECT kind, band, bucket, count(*) AS n FROM ({members}) m GROUP BY kind, band, bucket
        )
        SELECT {columns + ", count(*) AS shared" if shared else "DISTINCT " + columns}
        FROM {left} l
        JOIN {right} r ON l.kind = r.kind AND l.band = r.band AND l.bucket = r.bucket
        JOIN sizes s ON s.kind = l.kind AND s.band = l.band AND s.bucket = l.bucket
        WHERE {where}
        {"GROUP BY " + columns if shared else ""}
    """
