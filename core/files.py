"""Files that readers see whole or not at all.

The master key and the development CA are created by whichever process starts first; a
process starting beside it must never read a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_whole(path: Path, data: bytes, *, mode: int = 0o600, exclusive: bool = False) -> bool:
    """Write ``data`` beside ``path`` and move it into place in one step, with ``mode``.

    ``exclusive``: never replace an existing file; returns False when one was already there
    (another process won) and the caller should read that one.
    """
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode)
        if exclusive:
            try:
                os.link(temporary, path)  # fails, unlike a rename, when path exists
            except FileExistsError:
                return False
        else:
            os.replace(temporary, path)
        return True
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)
