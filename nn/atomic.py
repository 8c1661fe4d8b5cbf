"""Writing a file atomically: a crash mid-write never destroys the previous file.

The bytes go to a temporary file in the same folder (so that the final rename stays on one file
system), which is flushed to disk and then renamed over the target with ``os.replace``, an atomic
operation on POSIX and Windows. On any failure the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: str | Path, data: bytes) -> None:
    """Replace ``path`` by a file holding ``data``, all at once or not at all."""
    target = Path(path)
    descriptor, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
