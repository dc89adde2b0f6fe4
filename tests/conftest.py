"""Shared fixtures: where the official JAM v0.7.2 test vectors are.

`JAM_TEST_VECTORS` points at an unpacked tree (see ../shared/tools/unpack-vectors); the
default is `.jam-vectors/` at the repository root, unpacked on demand from ../shared.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def vectors_root() -> Path | None:
    env = os.environ.get("JAM_TEST_VECTORS")
    root = Path(env) if env else REPO / ".jam-vectors"
    if not (root / ".unpacked").exists() and not env and (SHARED / "tools" / "unpack-vectors").exists():
        subprocess.run([str(SHARED / "tools" / "unpack-vectors"), str(root)], check=True, capture_output=True)
    return root if root.exists() else None


@pytest.fixture(scope="session")
def vectors() -> Path:
    root = vectors_root()
    if root is None:
        pytest.skip("JAM test vectors not available (set JAM_TEST_VECTORS)")
    return root
