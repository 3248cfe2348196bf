"""The sources on disk: one folder per report, found from what --data names.

`--data` means the same for every command: a source folder (it has a
source.ttl), a corpus folder (its subfolders are sources), or RDF files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .. import resources
from ..errors import InputError, UsageError
from ..text import display_path
from ..vocab import PREFIXES

SOURCE_FILE = "source.ttl"


@dataclass(frozen=True)
class Source:
    """One source of the corpus, as found on disk."""

    slug: str
    folder: Path
    #: source.ttl first, then the other Turtle files in name order.
    files: tuple[Path, ...]
    texts: tuple[Path, ...]


def default_data() -> list[Path]:
    return [resources.sources_dir()]


def discover(paths: list[Path]) -> tuple[list[Source], list[Path]]:
    """The sources and the plain RDF files that `paths` name (see the module's doc)."""
    sources: list[Source] = []
    files: list[Path] = []
    # Files of a source folder given one by one belong to that source (its base, its graph).
    parts: dict[Path, list[Path]] = {}
    for path in paths:
        shown = display_path(path)
        if path.is_file() and (path.parent / SOURCE_FILE).is_file() and path.suffix == ".ttl":
            parts.setdefault(path.parent, []).append(path)
        elif path.is_dir():
            if (path / SOURCE_FILE).is_file():
                sources.append(_source(path))
                continue
            # A corpus folder holds source folders; the project's data folder holds the corpus in sources/.
            corpus = path / "sources" if (path / "sources").is_dir() else path
            found = _source_folders(corpus)
            if not found:
                raise InputError(f"{shown}: no {SOURCE_FILE} in it or in its folders; "
                                 "--data takes a source folder, a corpus folder or RDF files")
            sources += [_source(sub, names) for sub, names in found]
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            raise InputError(f"{shown}: no such file or folder; --data takes a source folder, a corpus folder or RDF files")
    for folder, given in parts.items():
        whole = _source(folder)
        chosen = tuple(p for p in whole.files if any(p.samefile(g) for g in given))
        sources.append(Source(whole.slug, folder, chosen, whole.texts))
    seen: dict[str, Path] = {}
    for source in sources:
        if source.slug in seen:
            raise InputError(f"{display_path(source.folder)}: a second source named {source.slug!r} "
                             f"(the first is {display_path(seen[source.slug])}); give each source folder its own name")
        seen[source.slug] = source.folder
    return sources, files


def _source_folders(corpus: Path) -> list[tuple[Path, list[str]]]:
    """The folders of `corpus` holding a source.ttl, by name, each with its sorted listing.

    One listing per folder, read once for both questions: at a thousand sources
    the stat calls and pathlib's glob took most of a cold query's own time.
    """
    found = []
    with os.scandir(corpus) as entries:
        folders = sorted(entry.name for entry in entries if entry.is_dir())
    for name in folders:
        names = sorted(os.listdir(corpus / name))
        if SOURCE_FILE in names and os.path.isfile(os.path.join(corpus, name, SOURCE_FILE)):
            found.append((corpus / name, names))
    return found


def valid_slug(slug: str) -> bool:
    """A source's name: letters, digits, - and _, starting with a letter, not a vocabulary prefix."""
    return slug[:1].isalpha() and all(c.isalnum() or c in "-_" for c in slug) and slug not in PREFIXES


def _source(folder: Path, names: list[str] | None = None) -> Source:
    slug = folder.name
    if not valid_slug(slug):
        raise InputError(f"{display_path(folder)}: a source folder is named with letters, digits, - and _, "
                         f"starting with a letter, and not as a vocabulary prefix ({', '.join(PREFIXES)})")
    names = sorted(os.listdir(folder)) if names is None else names
    turtle = [folder / name for name in names if name.endswith(".ttl") and name != SOURCE_FILE]
    return Source(slug, folder, (folder / SOURCE_FILE, *turtle),
                  tuple(folder / name for name in names if name.endswith(".txt")))


def no_source(slug: str, sources: list[Source]):
    # lazy: needed only to suggest a name in an error
    import difflib

    slugs = [s.slug for s in sources]
    close = difflib.get_close_matches(slug, slugs, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else f"the sources are: {', '.join(slugs)}"
    raise UsageError(f"no source {slug!r}; {hint}")
