"""Text for people and from files: paths shown short, files read whole and checked, data made visible.

Every stage reads user files and prints what came from them, so these live
at the base: a path relative to the working directory, a regular file read
as UTF-8 (a device, a FIFO or a directory refused before it is read), data
text with its invisible characters shown, the columns a string takes in a
terminal and text folded to them, and counts with their nouns.
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


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: combining marks and isolates take none, wide characters two."""
    return sum(
        0 if unicodedata.combining(ch) or unicodedata.category(ch) == "Cf"
        else 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        for ch in text
    )


def fold(text: str, width: int, *, break_words: bool = False) -> list[str]:
    """`text` in lines of at most `width` columns, broken at spaces.

    A word longer than `width` stands whole on a line of its own (an address
    stays one piece, to copy or click), or is cut where it must be with
    `break_words`.
    """
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and display_width(line) + 1 + display_width(word) <= width:
            line += " " + word
            continue
        if line:
            lines.append(line)
        while break_words and display_width(word) > width:
            cut = _cut(word, width)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    return [*lines, line] if line or not lines else lines


def _cut(word: str, width: int) -> int:
    """How many characters of `word` fill `width` columns (at least one)."""
    used = 0
    for index, ch in enumerate(word):
        used += display_width(ch)
        if used > width:
            return max(index, 1)
    return len(word)


def isolated(text: str) -> str:
    """Right-to-left text isolated (U+2068 ... U+2069), so a bidi terminal does not reorder the columns around it."""
    if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text):
        return "\u2068" + text + "\u2069"
    return text


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """"1 fact", "2 facts", "2,158 triples": the number with thousands separators and its noun agreeing."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def triple_count(triples: int, statements: int, graphs: int) -> str:
    """"2,158 triples (2,160 statements in 12 graphs)": the words of every command that counts a dataset.

    A triple that two graphs hold is one triple of the union and a statement in each graph, so
    the union's count and the graphs' added up differ; both are said where they do.
    """
    where = f"in {counted(graphs, 'graph')}"
    if statements == triples:
        return f"{counted(triples, 'triple')} {where}"
    return f"{counted(triples, 'triple')} ({counted(statements, 'statement')} {where})"
