"""Suites not covered elsewhere (shuffle; codec's .bin against .json) and the exit status of
`jamliquor conformance`: 0 when every case passes, 1 when any fails, 2 when it cannot run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from jamliquor.conformance import run_suite

JAMLIQUOR = Path(sys.executable).parent / "jamliquor"


def test_shuffle_suite(vectors: Path) -> None:
    lines: list[str] = []
    passed, failed = run_suite("shuffle", vectors / "shuffle", emit=lines.append)
    assert failed == 0 and passed >= 8, lines


@pytest.mark.parametrize("spec", ["tiny", "full"])
def test_codec_suite_compares_binary_with_json(vectors: Path, spec: str) -> None:
    lines: list[str] = []
    passed, failed = run_suite("codec", vectors / "codec" / spec, emit=lines.append)
    assert (passed, failed) == (15, 0), lines


def _exit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(JAMLIQUOR), "conformance", *args], capture_output=True, text=True, timeout=300)


def test_conformance_exit_status(vectors: Path, tmp_path: Path) -> None:
    ok = _exit("codec", str(vectors / "codec" / "tiny"))
    assert ok.returncode == 0 and ok.stdout.strip().endswith("15 passed, 0 failed")
    stale = _exit("trie", str(vectors / "trie"))
    assert stale.returncode == 1 and stale.stdout.strip().endswith("1 passed, 10 failed")
    assert _exit("codec", str(tmp_path / "missing")).returncode == 2
