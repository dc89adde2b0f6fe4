"""Shared fixtures: where the official JAM v0.7.2 test vectors and `../shared` material are.

`JAM_TEST_VECTORS` points at an unpacked tree (see ../shared/tools/unpack-vectors); the
default is `.jam-vectors/` at the repository root, unpacked on demand from ../shared.

Reference material that is missing makes a test *fail* under CI (`CI` set) or whenever
`../shared` exists (a broken checkout must not pass by skipping); only a bare clone elsewhere
skips, and pytest reports each skip with its reason (`-rs`).
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


def require(path: Path | None, what: str) -> Path:
    """`path` if it exists; otherwise fail (CI, or ../shared present) or skip (a bare clone)."""
    if path is not None and path.exists():
        return path
    message = f"{what} not available ({path})"
    if os.environ.get("CI") or SHARED.exists():
        pytest.fail(message + ": required under CI and whenever ../shared exists")
    pytest.skip(message)


@pytest.fixture(scope="session")
def vectors() -> Path:
    return require(vectors_root(), "JAM test vectors (set JAM_TEST_VECTORS)")


@pytest.fixture(scope="session")
def shared() -> Path:
    return require(SHARED, "../shared reference material")
