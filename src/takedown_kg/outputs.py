"""Writing a set of files so that a reader sees the whole old set or the whole new one.

Every file is first written to a temporary name beside its target. Only when
all of them are written, and every target is known to be a regular file or a
new path, are they renamed into place; if a rename fails even then, the ones
already renamed are put back. Temporary files are removed on every path out,
an interrupt included. Devices, FIFOs and directories are never written to:
`-o /dev/null` would otherwise replace the device node with a file.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Callable

from .errors import InputError
from .text import display_path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def check_target(target: Path) -> None:
    """Raise InputError unless `target` is a regular file or a path that does not exist yet."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"{display_path(target)}: cannot write ({exc.strerror}); choose another path") from None
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise InputError(f"{display_path(target)}: {kind}; give the path of a file to write (or - for standard output)")


def write_atomically(files: dict[Path, bytes | Callable[[], bytes]]) -> list[Path]:
    """Write every file to a temporary name, then rename them all into place.

    A file's content may be a function that makes it: it is called when that
    file's turn comes, so only one output is held in memory at a time (at a
    thousand sources the exports together are over half a gigabyte).
    If anything fails, no target is left changed and no temporary file is left.
    """
    for target in files:
        check_target(target)
    staged: list[tuple[str, Path]] = []
    try:
        for target, content in files.items():
            staged.append((_stage(target, content() if callable(content) else content), target))
        _rename_all(staged)
        staged.clear()
    finally:
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)
    return list(files)


def _stage(target: Path, content: bytes) -> str:
    shown = display_path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"{shown}: cannot write ({exc.strerror}); choose another path") from None
    try:
        # mkstemp creates files readable by the owner only; outputs are for sharing.
        os.chmod(temporary, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"{shown}: cannot write ({exc.strerror}); the previous file is unchanged") from None
        raise
    return temporary


def _rename_all(staged: list[tuple[str, Path]]) -> None:
    """Rename each temporary file onto its target; on a failure, restore the targets already replaced."""
    backups: list[tuple[Path, str | None, bool]] = []
    try:
        for temporary, target in staged:
            backups.append((target, _keep_old(target), target.exists()))
            try:
                os.replace(temporary, target)
            except OSError as exc:
                raise InputError(
                    f"{display_path(target)}: cannot write ({exc.strerror}); the previous outputs are unchanged"
                ) from None
    except BaseException:
        for target, backup, existed in reversed(backups):
            if backup is not None:
                os.replace(backup, target)
            elif not existed:
                target.unlink(missing_ok=True)
        backups.clear()
        raise
    finally:
        for _, backup, _ in backups:
            if backup is not None:
                Path(backup).unlink(missing_ok=True)


def _keep_old(target: Path) -> str | None:
    """A second name for the current target (a hard link), so it can be put back."""
    if not target.exists():
        return None
    backup = tempfile.mktemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old")
    try:
        os.link(target, backup)
    except OSError:
        return None  # a file system without hard links: no way back, but the set was checked first
    return backup
