"""The build's cache: the key of its inputs, its manifest, and its Oxigraph store on disk.

`build` writes the dataset (named graphs included) to out/store-<key>/, where
<key> begins the loader's input key, points the link out/store at it, and
names it in out/build.json, which is written last. A reader opens the store
only when build.json's key is the key of its own inputs, so it never answers
from stale data; a store that no manifest names (a build that was stopped) is
never opened, and the next build removes it. Each build's store has a
directory of its own, so a query that has the previous one open keeps reading
it while a build replaces it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from .. import resources
from ..errors import InputError
from ..text import display_path
from ..vocab import DATA_BASE
from .sources import Source, default_data, discover

#: The file, beside the build's outputs, that records which inputs they were built from.
MANIFEST = "build.json"


def input_key(paths: list[Path] | None = None, *, base: str | None = None, only: str | None = None,
              found: tuple[list[Source], list[Path]] | None = None, built: dict | None = None) -> str:
    """A digest of everything a built graph depends on: the package, the ontology
    and shapes, every file of every source (or every RDF file), `base` and `only`.

    Two loads with the same key give the same dataset; a cache keyed on it can
    never answer from stale data. `built`, a build's manifest, spares reading
    every file: when each input still has the size, modification time and inode
    that build recorded (its stamp), the key it recorded is the key, as `make`
    and git's index trust a file's stat.
    """
    inputs, prologue = _inputs(paths, base, only, found)
    recorded = (built or {}).get("inputs")
    if isinstance(recorded, dict) and recorded.get("stamp") == input_stamp(inputs, prologue):
        return str(recorded.get("key"))
    return _content_key(inputs, prologue)


def _content_key(inputs: list[tuple[Path, bytes]], prologue: bytes) -> str:
    digest = hashlib.sha256(prologue)
    for path, shown in inputs:
        digest.update(shown)
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


def input_stamp(inputs: list[tuple[Path, bytes]], prologue: bytes) -> str:
    """A digest of each input's path, size, modification time and inode: what changes when a file is written."""
    digest = hashlib.sha256(prologue)
    for path, shown in inputs:
        try:
            found = os.stat(path)
        except OSError:
            digest.update(shown + b"unreadable")
        else:
            digest.update(shown + f"{found.st_size}\0{found.st_mtime_ns}\0{found.st_ino}\0".encode())
    return digest.hexdigest()


def recorded_inputs(paths: list[Path] | None = None, *, base: str | None = None) -> dict:
    """What a build records of its inputs: their key and their stamp.

    Stamped before read, and both before the build loads them: a file written
    meanwhile then fails to match the build later, never the other way round.
    """
    inputs, prologue = _inputs(paths, base, None, None)
    stamp = input_stamp(inputs, prologue)
    return {"key": _content_key(inputs, prologue), "stamp": stamp}


def _inputs(paths, base, only, found) -> tuple[list[tuple[Path, bytes]], bytes]:
    """Each input file with the path the key names it by, and what the key starts with."""
    # lazy: the package's version, read only when a key is made
    from .. import __version__

    

    sources, files = found or discover(paths or default_data())
    # Each folder resolved once and names joined as text: a thousand sources hold thousands of files.
    groups = [(resources.ontology_file().parent, [resources.ontology_file(), resources.shapes_file()]),
              (resources.checks_dir(), sorted(resources.checks_dir().glob("*.rq"))),
              *((source.folder, [*source.files, *source.texts]) for source in sources),
              *((path.parent, [path]) for path in files)]
    named = []
    for folder, paths in groups:
        real = os.path.realpath(folder)
        named += [(path, f"{real}/{path.name}\0".encode("utf-8")) for path in paths]
    return named, f"{__version__}\0{base or DATA_BASE}\0{only or ''}\0".encode()


def read_manifest(out_dir: Path) -> dict:
    """The manifest of the build in `out_dir`, or {} when there is none (or it is unreadable)."""
    try:
        return json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
STORE_PREFIX = "store-"


def store_directory(out_dir: Path, key: str) -> Path:
    return out_dir / f"{STORE_PREFIX}{key.replace(':', '-')[:32]}"


#: Quads handed to Oxigraph's bulk loader at a time.
BULK_SLICE = 100_000


def write_store(out_dir: Path, key: str, quads: list) -> Path:
    """The store for `key` under `out_dir`, written unless the current build already has it."""
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    target = store_directory(out_dir, key)
    if read_manifest(out_dir).get("store") == target.name and target.is_dir():
        return target  # the same inputs: the same store, already complete
    shutil.rmtree(target, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    store = pyoxigraph.Store(str(target))
    try:
        # Oxigraph's bulk loader holds what it is given in memory until it writes it out:
        # in slices, a thousand sources take 100 MB more instead of 600 MB, for 10% more time.
        for start in range(0, len(quads), BULK_SLICE):
            store.bulk_extend(quads[start:start + BULK_SLICE])
        store.flush()
    except BaseException:
        del store
        shutil.rmtree(target, ignore_errors=True)
        raise
    del store  # closes the database: readers open it read-only
    return target


#: A link_store to the current build's store, for people and for tools that open a store by path.
STORE_LINK = "store"


def link_store(out_dir: Path, target: Path) -> Path:
    """Point out/store at `target`, replacing any earlier link_store in one rename."""
    path = out_dir / STORE_LINK
    if path.exists() and not path.is_symlink():
        raise InputError(f"{display_path(path)}: in the way of the link_store to the build's store; move it elsewhere")
    temporary = tempfile.mktemp(dir=out_dir, prefix=".store.", suffix=".link")
    os.symlink(target.name, temporary)
    os.replace(temporary, path)
    return path


def remove_other_stores(out_dir: Path, keep: Path) -> None:
    """Every store of an earlier or stopped build, once the manifest names `keep`."""
    for old in out_dir.glob(f"{STORE_PREFIX}*"):
        if old.is_dir() and old != keep:
            shutil.rmtree(old, ignore_errors=True)


def matching_store(out_dir: Path, key: str) -> Path | None:
    """The build's store when it was built from exactly the inputs whose key is `key`."""
    manifest = read_manifest(out_dir)
    name = manifest.get("store")
    if manifest.get("key") != key or not isinstance(name, str) or not name.startswith(STORE_PREFIX) or "/" in name:
        return None
    found = out_dir / name
    return found if found.is_dir() else None


def open_store(path: Path):
    # lazy: Oxigraph loads when quads are first made, not with the module
    import pyoxigraph

    return pyoxigraph.Store.read_only(str(path))
