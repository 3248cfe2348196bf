"""Text for people and from files: paths shown short, files read whole and checked, data made visible.

Every stage reads user files and prints what came from them, so these live
at the base: a path relative to the working directory, a regular file read
as UTF-8 (a device, a FIFO or a directory refused before it is read), and
data text with its invisible characters shown.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from pathlib import Path

from .errors import InputError


def display_path(path: Path) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        relative = str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)
    return relative if relative != "." else str(path)


def regular_file(path: Path, *, what: str = "give a regular file") -> Path:
    """`path` when it names a regular file (through any symlinks), else InputError.

    A device, a FIFO or a directory is refused before it is read: /dev/zero
    would be read until memory runs out, a FIFO would block forever.
    """
    shown = display_path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(f"{shown}: no such file; {what}") from None
    except OSError as exc:  # a symlink loop, a permission, a name too long
        raise InputError(f"{shown}: cannot read ({exc.strerror}); {what}") from None
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise InputError(f"{shown}: {kind}; {what}")
    return path


def read_text(path: Path, *, limit: int | None = None) -> str:
    """The file's text as UTF-8; past `limit` bytes, refused unread."""
    regular_file(path, what="check the path")
    if limit is not None and path.stat().st_size > limit:
        raise InputError(f"{display_path(path)}: {path.stat().st_size:,} bytes, more than the {limit:,} a query may have")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{display_path(path)}: no such file; check the path") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{display_path(path)}: not UTF-8 (byte {exc.start}); save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise InputError(f"{display_path(path)}: cannot read ({exc.strerror})") from None


def visible(text: str) -> str:
    """`text` with control and format characters (terminal escapes, bidi overrides) shown as \\uXXXX."""
    if text.isprintable():  # no Cc, Cf or Cs among them: the common case, at C speed (serve logs every request)
        return text

    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf", "Cs") else c for c in text)
