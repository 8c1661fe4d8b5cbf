"""Writing files atomically: a crash mid-write never destroys the previous file.

The bytes go to a temporary file in the same folder (so that the final rename stays on one file
system), which is flushed to disk and then renamed over the target with ``os.replace``, an atomic
operation on POSIX and Windows. On any failure the temporary file is removed.

A process killed mid-write (``kill -9``, a power cut) cannot remove its temporary file, so the
next write of the same file does: it removes every ``.NAME.<16 hex digits>.tmp`` beside it that no
process is writing. A writer holds a lock on its temporary file (``flock``) from the moment it
makes it until it is renamed, and the system releases the lock of a process however it dies, so a
temporary file nobody can lock is one a living writer is still writing. (Windows has no
``flock``: there, leftovers stay.)
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

if sys.platform != "win32":
    import fcntl


def write_atomically(path: str | Path, data: bytes) -> None:
    """Replace ``path`` by a file holding ``data``, all at once or not at all.

    The new file keeps the permissions of the one it replaces; a first file gets the usual ones
    (0666 less the umask), as ``open`` would give it.
    """
    write_all_atomically({Path(path): data})


def write_all_atomically(files: Mapping[Path, bytes]) -> None:
    """Write several files, each as :func:`write_atomically` does, and either all of them or,
    when anything goes wrong while writing, none: every file is written in full to its
    temporary file first, and only then are they renamed into place, one after the other."""
    staged: list[tuple[int, Path, Path]] = []
    try:
        for target, data in files.items():
            descriptor, temporary = _stage(target, data)
            staged.append((descriptor, temporary, target))
        for _, temporary, target in staged:
            os.replace(temporary, target)
        for folder in {target.parent for _, _, target in staged}:
            _sync_folder(folder)
    except BaseException:
        for _, temporary, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
    finally:
        for descriptor, _, _ in staged:
            os.close(descriptor)


def _stage(target: Path, data: bytes) -> tuple[int, Path]:
    """Write ``data`` to a new locked temporary file beside ``target``; return its descriptor
    (still open, so still locked) and its path."""
    remove_leftovers(target)
    try:
        old_mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        old_mode = None
    while True:
        temporary = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
        # 0o666 is what open() asks for; os.open applies the umask to it.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        _lock(descriptor, wait=True)
        if _is_at(descriptor, temporary):
            break
        # Another writer's clean-up removed it between its creation and the lock: again.
        os.close(descriptor)
    try:
        if old_mode is not None:
            os.chmod(descriptor, old_mode)
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    except BaseException:
        os.close(descriptor)
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return descriptor, temporary


def remove_leftovers(target: str | Path) -> list[Path]:
    """Remove the temporary files that killed writes of ``target`` left beside it (those no
    living process is writing); return them."""
    target = Path(target)
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[0-9a-f]{{16}}\.tmp")
    removed = []
    with contextlib.suppress(OSError):
        names = os.listdir(target.parent)
        for name in filter(pattern.fullmatch, names):
            leftover = target.parent / name
            try:
                descriptor = os.open(leftover, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            except OSError:
                continue
            try:
                if _lock(descriptor, wait=False) and _is_at(descriptor, leftover):
                    os.unlink(leftover)
                    removed.append(leftover)
            except OSError:
                pass
            finally:
                os.close(descriptor)
    return removed


def _lock(descriptor: int, *, wait: bool) -> bool:
    """Take the exclusive lock of an open file; without ``wait``, only when it is free.
    Whether it was taken (never, on Windows, when not waiting)."""
    if sys.platform == "win32":
        return wait
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def _is_at(descriptor: int, path: Path) -> bool:
    """Whether the open file is still the one at ``path`` (not removed or replaced since)."""
    try:
        here = os.stat(path)
    except FileNotFoundError:
        return False
    return os.path.samestat(os.fstat(descriptor), here)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk, so that a rename survives a power cut (POSIX only)."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):  # some file systems cannot sync a folder: no matter
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
