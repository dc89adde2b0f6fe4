"""Every official binary vector (codec, STF tiny+full, traces) decodes and re-encodes byte-identically."""

from __future__ import annotations

from pathlib import Path

import pytest
from jamliquor.codec import decode, encode
from jamliquor.conformance.suites.codec import CASE_TYPES
from jamliquor.spec import FULL, TINY
from jamliquor.stf import accumulate_types
from jamliquor.stf.slices import TEST_CASES
from jamliquor.vectors.traces import Genesis, TraceStep, step_files

STF_CONTAINERS = {"accumulate": accumulate_types.TestCase, **TEST_CASES}


def _roundtrip(desc: object, path: Path, spec: object) -> None:
    data = path.read_bytes()
    assert encode(decode(desc, data, spec), spec, desc) == data, path


@pytest.mark.parametrize("spec", [TINY, FULL], ids=lambda s: s.name)
def test_codec_binaries(vectors: Path, spec) -> None:
    files = sorted((vectors / "codec" / spec.name).glob("*.bin"))
    assert files
    for path in files:
        _roundtrip(CASE_TYPES[path.stem.rstrip("0123456789").rstrip("_")], path, spec)


@pytest.mark.parametrize("name", sorted(STF_CONTAINERS))
def test_stf_binaries(vectors: Path, name: str) -> None:
    TestCase = STF_CONTAINERS[name]
    count = 0
    for spec in (TINY, FULL):
        for path in sorted((vectors / "stf" / name / spec.name).glob("*.bin")):
            _roundtrip(TestCase, path, spec)
            count += 1
    assert count > 0


def test_trace_binaries(vectors: Path) -> None:
    dirs = sorted(d for d in (vectors / "traces").iterdir() if (d / "genesis.bin").exists())
    assert len(dirs) >= 6
    for d in dirs:
        _roundtrip(Genesis, d / "genesis.bin", TINY)
        for path in step_files(d):
            _roundtrip(TraceStep, path, TINY)
