"""Writing reports: to stdout, or to a file replaced atomically only when the run succeeds."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def write_text(text: str, path: Path | None) -> None:
    """Write ``text`` to ``path`` (temp file + rename, so a reader never sees half a report),
    or to stdout when ``path`` is None."""
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    if path.exists() and not path.is_file():
        raise OSError(f"{path}: exists and is not a regular file; not overwriting it")
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
