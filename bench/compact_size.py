"""What would bring a compact index to ≤ 300 bytes an article, and what it would cost.

    python bench/compact_size.py --work /tmp/dedup-bench-index

Reads (never writes) ``compact.duckdb`` and ``new.jsonl`` that ``bench/index_speed.py`` left in
``--work``. Each variant copies the index's tables into a scratch DuckDB file with narrower
columns (buckets cut to their top bits, the salient sketch to fewer bits a row) and reports
the file's bytes per article. Then, for each variant, the check batch's candidates found as
``Store.candidates`` finds them, on the narrowed columns: per new article before and after
the cap (chance collisions add candidates), and how many rewrites keep their source among
their ``MAX_CANDIDATES`` strongest (what verification then sees).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from functools import cache
from pathlib import Path

import duckdb
import numpy as np

try:
    import bench.synthetic  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dedup.bandjoin import SHINGLES, band_join
from dedup.fingerprint import Fingerprint, Settings, fingerprint
from dedup.index import MAX_CANDIDATES, confirmed, pair_keys, salient_sketch, strength, strongest
from dedup.model import Article
from dedup.normalise import analyse_all
from dedup.read import read_paths
from dedup.store import _bands_of

# name -> (bucket bits of shingle bands, of salient bands, sketch bits a row)
VARIANTS = {
    "as built": (32, 32, 8),
    "salient buckets 16 bits": (32, 16, 8),
    "all buckets 24 bits": (24, 24, 8),
    "shingle buckets 24 bits, salient 16": (24, 16, 8),
    "all buckets 24 bits, sketch 4 bits": (24, 24, 4),
    "all buckets 16 bits": (16, 16, 8),
    "all buckets 16 bits, sketch 4 bits": (16, 16, 4),
}


def _bucket(bits: tuple[int, int], of: str = "") -> str:
    """SQL of the top bits of a ``bands`` row's bucket (``of``: the table's alias and a dot)."""
    shingle, salient = bits
    return f"CASE WHEN {of}kind = {SHINGLES} THEN {of}bucket >> {32 - shingle} ELSE {of}bucket >> {32 - salient} END"


def size(index: Path, bits: tuple[int, int], sketch_bits: int) -> float:
    """Bytes per article of the index's tables copied with narrower buckets and sketches."""
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder) / "variant.duckdb"
        con = duckdb.connect(str(scratch))
        con.execute(f"ATTACH '{index}' AS src (READ_ONLY)")
        bucket_type = "USMALLINT" if max(bits) <= 16 else "UINTEGER"
        con.execute(
            f"CREATE TABLE bands AS SELECT kind, band, CAST({_bucket(bits)} AS {bucket_type}) AS bucket, doc "
            "FROM src.bands ORDER BY kind, band, doc"
        )
        con.execute("CREATE TABLE terms AS SELECT * FROM src.terms")
        con.execute("CREATE TABLE meta AS SELECT * FROM src.meta")
        articles = con.execute("SELECT * EXCLUDE (salient) FROM src.articles ORDER BY doc").fetchnumpy()
        sketches = con.execute("SELECT salient FROM src.articles ORDER BY doc").fetchnumpy()["salient"]
        con.register("kept", articles)
        con.execute("CREATE TABLE articles AS SELECT * FROM kept")
        # Keep the lowest sketch_bits of each row, packed: 8 // sketch_bits rows a byte.
        rows = np.frombuffer(b"".join(s or b"\0" * 64 for s in sketches), dtype=np.uint8).reshape(len(sketches), -1)
        low = rows & np.uint8(2**sketch_bits - 1)
        per_byte = 8 // sketch_bits
        packed = sum(low[:, k::per_byte] << np.uint8(k * sketch_bits) for k in range(per_byte)).astype(np.uint8)
        con.register("sketches", {"salient": np.asarray([r.tobytes() for r in packed], dtype=object)})
        con.execute("CREATE TABLE sketch AS SELECT salient FROM sketches")
        con.execute("CHECKPOINT")
        count = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
        con.close()
        return scratch.stat().st_size / count


@cache
def _batch(path: Path) -> tuple[list[Article], list[Fingerprint]]:
    articles = read_paths([path]).articles
    return articles, [fingerprint(a) for a in analyse_all(articles)]


def candidates(index: Path, batch: Path, bits: tuple[int, int], sketch_bits: int) -> str:
    """The check batch's indexed candidates with narrowed buckets and sketches, found as
    ``Store.candidates`` finds them (the same band join, confirmation, rating and cap): per
    new article before and after the cap, and the rewrites whose source is among the kept."""
    settings = Settings()
    articles, fps = _batch(batch)
    con = duckdb.connect()
    con.execute(f"ATTACH '{index}' AS src (READ_ONLY)")
    new_rows = _bands_of(fps, range(len(fps)))
    con.register("new_rows", {**new_rows, "pos": new_rows.pop("doc")})
    con.execute(f"CREATE TEMP TABLE new_bands AS SELECT kind, band, {_bucket(bits)} AS bucket, pos FROM new_rows")
    narrow = _bucket(bits, "b.")
    con.execute(
        f"CREATE TEMP TABLE old_bands AS SELECT b.kind, b.band, {narrow} AS bucket, b.doc FROM src.bands b "
        f"SEMI JOIN new_bands n ON b.kind = n.kind AND b.band = n.band AND {narrow} = n.bucket"
    )
    rows = con.execute(band_join("new_bands", "old_bands", left_doc="pos", shared=True)).fetchnumpy()
    docs = {i: d for d, i in con.execute("SELECT doc, id FROM src.articles").fetchall()}
    held = con.execute("SELECT doc, salient FROM src.articles WHERE salient IS NOT NULL").fetchall()
    old = np.zeros((max(docs.values()) + 1, settings.salient_num_perm), dtype=np.uint8)
    old[[d for d, _ in held]] = np.frombuffer(b"".join(s for _, s in held), dtype=np.uint8).reshape(len(held), -1)
    new = np.stack([salient_sketch(fp.salient_values) for fp in fps])
    mask, chance = np.uint8(2**sketch_bits - 1), 2.0**-sketch_bits

    def estimates(positions: np.ndarray, held_docs: np.ndarray) -> np.ndarray:
        agree = ((new[positions] & mask) == (old[held_docs] & mask)).mean(axis=1)
        return np.clip((agree - chance) / (1 - chance), 0.0, None)

    shingles = rows["kind"] == SHINGLES
    shingle_keys = pair_keys(rows["pos"][shingles], rows["doc"][shingles])
    order = np.argsort(shingle_keys)
    shingle_keys, shared = shingle_keys[order], rows["shared"][shingles][order]
    salient_keys = pair_keys(rows["pos"][~shingles], rows["doc"][~shingles])
    keys = confirmed(shingle_keys, salient_keys, estimates, settings.salient_min_jaccard)
    kept = strongest(keys, strength(keys, shingle_keys, shared, estimates, settings), MAX_CANDIDATES, first_only=True)
    sources = {
        n: docs[a.id.removeprefix("rewrite-of-")] for n, a in enumerate(articles) if a.id.startswith("rewrite-of-")
    }
    found = np.isin(pair_keys(np.array(list(sources)), np.array(list(sources.values()))), kept).sum()
    return (
        f"{len(keys) / len(articles):.1f} candidates a new article ({len(shingle_keys) / len(articles):.1f} by "
        f"shingle bands), {len(kept) / len(articles):.1f} after the cap; rewrites' sources kept {found}/{len(sources)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/dedup-bench-index"))
    args = parser.parse_args()
    index, batch = args.work / "compact.duckdb", args.work / "new.jsonl"
    for name, (shingle, salient, sketch) in VARIANTS.items():
        print(f"{name}: {size(index, (shingle, salient), sketch):.0f} bytes/article", flush=True)
    for name, (shingle, salient, sketch) in VARIANTS.items():
        print(f"{name}: {candidates(index, batch, (shingle, salient), sketch)}", flush=True)


if __name__ == "__main__":
    main()
