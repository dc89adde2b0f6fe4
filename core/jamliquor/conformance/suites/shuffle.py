"""`jamliquor conformance shuffle PATH`: GP appendix F shuffles of `shuffle/shuffle_tests.json`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ...crypto.shuffle import shuffle
from ...spec import ChainSpec
from .. import CaseResult, case_files, guarded


def _check(case: dict) -> str | None:
    got = shuffle(list(range(case["input"])), bytes.fromhex(case["entropy"].removeprefix("0x")))
    if got != case["output"]:
        first = next((i for i, (a, b) in enumerate(zip(got, case["output"])) if a != b), min(len(got), len(case["output"])))
        return f"output[{first}]: got {got[first:first + 1]}, want {case['output'][first:first + 1]}"
    return None


def run(path: Path, spec: ChainSpec | None) -> Iterator[CaseResult]:
    for file in case_files(path, ".json"):
        for i, case in enumerate(json.loads(file.read_text())):
            yield guarded(f"{file.name}[{i}] (n={case['input']})", lambda case=case: _check(case))
