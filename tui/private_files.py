"""Files only the person may read: folders 0700, files 0600, written atomically, no symlink followed."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

FILE_MODE, DIR_MODE = 0o600, 0o700


def private_dir(folder: Path) -> None:
    """Create `folder` as 0700 (its parents with the usual modes), or narrow it to 0700."""
    folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if folder.is_symlink():
        raise OSError(f"{folder} is a symlink")
    if folder.stat().st_mode & 0o777 != DIR_MODE:
        folder.chmod(DIR_MODE)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step (a reader sees the old file or the new one, never half),
    as a 0600 file; a symlink at `path` is replaced, not followed."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
