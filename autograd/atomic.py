"""Writing a file atomically: a crash mid-write never destroys the previous file.

The bytes go to a temporary file in the same folder (so that the final rename stays on one file
system), which is flushed to disk and then renamed over the target with ``os.replace``, an atomic
operation on POSIX and Windows. On any failure the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path


def write_atomically(path: str | Path, data: bytes) -> None:
    """Replace ``path`` by a file holding ``data``, all at once or not at all.

    The new file keeps the permissions of the one it replaces; a first file gets the usual ones
    (0666 less the umask), as ``open`` would give it.
    """
    target = Path(path)
    temporary = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
    try:
        old_mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        old_mode = None
    # 0o666 is what open() asks for; os.open applies the umask to it.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        if old_mode is not None:
            os.chmod(descriptor, old_mode)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
