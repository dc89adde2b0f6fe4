"""Fixtures for the jamliquor-ai tests: model files, a short trace, isolated model directories."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
REPO = HERE.parents[2]


@pytest.fixture(scope="session")
def traces() -> Path:
    """The official traces (unpacked from ../shared on demand, like the kernel's tests)."""
    env = os.environ.get("JAM_TEST_VECTORS")
    root = Path(env) if env else REPO / ".jam-vectors"
    unpack = REPO.parent / "shared" / "tools" / "unpack-vectors"
    if not (root / ".unpacked").exists() and not env and unpack.exists():
        subprocess.run([str(unpack), str(root)], check=True, capture_output=True)
    if not (root / "traces").exists():
        pytest.fail(f"official traces not found under {root} (set JAM_TEST_VECTORS)")
    return root / "traces"


@pytest.fixture
def short_trace(traces: Path, tmp_path: Path) -> Path:
    """The first 8 blocks of the storage_light trace (reports, assurances, accumulation)."""
    src, dst = traces / "storage_light", tmp_path / "storage_light"
    dst.mkdir()
    shutil.copy(src / "genesis.bin", dst)
    for step in sorted(p for p in src.glob("*.bin") if p.stem.isdigit())[:8]:
        shutil.copy(step, dst)
    return dst


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data_dir for this test (installed models go to <data_dir>/models)."""
    d = tmp_path / "data"
    monkeypatch.setenv("JAMLIQUOR_DATA_DIR", str(d))
    return d
