"""`jamliquor conformance erasure PATH`: encode each case's data and compare every chunk; recover
the data from several chunk subsets (data-only, parity-only, mixed)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

from ...erasure import data_shards, encode, reconstruct
from ...spec import TINY, ChainSpec, spec_of_path
from .. import CaseResult, case_files, guarded


def _check(path: Path, spec: ChainSpec) -> str | None:
    case = json.loads(path.read_text())
    data = bytes.fromhex(case["data"].removeprefix("0x"))
    want = [bytes.fromhex(s.removeprefix("0x")) for s in case["shards"]]
    got = encode(data, spec)
    if len(got) != len(want):
        return f"{len(got)} chunks, want {len(want)}"
    bad = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), None)
    if bad is not None:
        return f"chunk {bad}: got 0x{got[bad].hex()[:32]}, want 0x{want[bad].hex()[:32]}"
    kd, n = data_shards(spec), spec.validators_count
    subsets = {
        "parity only": list(range(n - kd, n)),
        "random": random.Random(len(data)).sample(range(n), kd),
        "data only": list(range(kd)),
    }
    for label, indices in subsets.items():
        if reconstruct({i: want[i] for i in indices}, spec, len(data)) != data:
            return f"recovery from {label} chunks differs"
    return None


def run(path: Path, spec: ChainSpec | None) -> Iterator[CaseResult]:
    root = path if path.is_dir() else path.parent
    for file in case_files(path, ".json"):
        chain = spec or spec_of_path(file) or TINY
        yield guarded(str(file.relative_to(root)), lambda file=file, chain=chain: _check(file, chain))
