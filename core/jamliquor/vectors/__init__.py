"""Containers of the official test vectors (not protocol types): traces and per-STF cases."""

import os
from pathlib import Path


def default_root() -> Path:
    """The unpacked official vector tree: `$JAM_TEST_VECTORS`, else `./.jam-vectors`."""
    return Path(os.environ.get("JAM_TEST_VECTORS") or Path.cwd() / ".jam-vectors")
