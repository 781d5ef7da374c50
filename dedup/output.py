"""Writing reports: to stdout, or to a file replaced atomically only when the run succeeds."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path


def check_output_path(path: Path) -> None:
    """Raise OSError when ``path`` exists and is not a regular file (a folder, FIFO or device such as
    /dev/null): a report never replaces one. Callers check before the work, and write_text again."""
    try:
        mode = path.stat().st_mode  # follows symlinks: a link to a report is written through
    except FileNotFoundError:
        return
    except OSError as err:
        raise OSError(f"{path}: cannot write: {(err.strerror or str(err)).lower()}") from None
    if not stat.S_ISREG(mode):
        raise OSError(f"{path}: exists and is not a regular file; not overwriting it")


def write_text(text: str | Iterable[str], path: Path | None) -> None:
    """Write ``text`` (a string, or one in pieces) to ``path`` (temp file + rename, so a reader
    never sees half a report), or to stdout when ``path`` is None.

    The temp file sits in the target's folder (rename is atomic only within one file system); a
    symlink is followed so the link survives; the report gets the mode a plain ``open`` would give.
    """
    pieces = [text] if isinstance(text, str) else text
    if path is None:
        sys.stdout.writelines(pieces)
        sys.stdout.flush()
        return
    check_output_path(path)
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise OSError(f"{path}: cannot write: {(err.strerror or str(err)).lower()}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.writelines(pieces)
            fh.flush()
            os.fchmod(fh.fileno(), mode)  # mkstemp makes 0600
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)  # the only way to read it is to set it
    os.umask(current)
    return current
