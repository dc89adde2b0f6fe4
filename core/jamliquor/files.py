"""Writing files that hold secrets or state which must survive a crash."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, data: bytes, sync_dir: bool = False) -> None:
    """Write `data` to `path` readable by the owner only (0600, whatever mode an older file had),
    replacing it atomically: a crash leaves the old content or the new, never a mix. With
    `sync_dir` the directory is synced too, so the replacement itself survives a power loss."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    if sync_dir:
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
