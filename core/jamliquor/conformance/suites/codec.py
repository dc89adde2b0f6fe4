"""`jamliquor conformance codec PATH`: decode each `.bin`, compare with its `.json`, re-encode byte-identically."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from ... import types as T
from ...codec import CodecError, decode, encode, from_json
from ...spec import TINY, ChainSpec, spec_of_path
from .. import CaseResult, case_files, guarded
from ..diff import first_difference

# Case file stem (without a trailing _N) → descriptor, per the codec vectors' README.
CASE_TYPES = {
    "assurances_extrinsic": T.ASSURANCES_EXTRINSIC,
    "block": T.Block,
    "disputes_extrinsic": T.DisputesExtrinsic,
    "extrinsic": T.Extrinsic,
    "guarantees_extrinsic": T.GUARANTEES_EXTRINSIC,
    "header": T.Header,
    "preimages_extrinsic": T.PREIMAGES_EXTRINSIC,
    "refine_context": T.RefineContext,
    "tickets_extrinsic": T.TICKETS_EXTRINSIC,
    "work_item": T.WorkItem,
    "work_package": T.WorkPackage,
    "work_report": T.WorkReport,
    "work_result": T.WorkResult,
}


def _check(bin_path: Path, spec: ChainSpec) -> str | None:
    kind = re.sub(r"_\d+$", "", bin_path.stem)
    desc = CASE_TYPES.get(kind)
    if desc is None:
        return f"unknown codec case type {kind!r}"
    data = bin_path.read_bytes()
    try:
        value = decode(desc, data, spec)
    except CodecError as exc:
        return f"decode: {exc}"
    json_path = bin_path.with_suffix(".json")
    if json_path.exists():
        want = from_json(desc, json.loads(json_path.read_text()), spec)
        diff = first_difference(value, want)
        if diff:
            return f"decoded value differs from JSON: {diff}"
    again = encode(value, spec, desc)
    if again != data:
        first = next((i for i, (a, b) in enumerate(zip(again, data)) if a != b), min(len(again), len(data)))
        return f"re-encoding differs at byte {first} (got {len(again)} bytes, want {len(data)})"
    return None


def run(path: Path, spec: ChainSpec | None) -> Iterator[CaseResult]:
    for bin_path in case_files(path, ".bin"):
        chain = spec or spec_of_path(bin_path) or TINY
        yield guarded(str(bin_path.relative_to(path) if path.is_dir() else bin_path.name), lambda: _check(bin_path, chain))
