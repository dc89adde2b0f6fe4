"""`jamliquor bench stf`: mean milliseconds of each subsystem's transition per full-spec vector case.

Decoding is excluded: each case is decoded once, then only `transition` is timed (the first,
cold run included, so per-key-set caches such as ring contexts count once per case set).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator

from ..spec import FULL
from ..stf import StateError
from ..vectors import default_root
from ..vectors.stf import case_paths, load_case

SUBSYSTEMS = ("safrole", "disputes", "assurances", "reports", "history", "authorizations", "preimages", "statistics")


def run(quick: bool) -> Iterator[tuple[str, float, str]]:
    root = default_root() / "stf"
    for name in SUBSYSTEMS:
        try:
            module = importlib.import_module(f"jamliquor.stf.{name}")
        except ImportError:
            continue
        paths = case_paths(root / name / "full")
        if quick:
            paths = paths[:2]
        cases = [load_case(module.TestCase, p, FULL) for p in paths]
        if not cases:
            continue
        start = time.perf_counter()
        for case in cases:
            try:
                module.transition(FULL, case.pre_state, case.input)
            except StateError:
                pass
        yield f"{name} (full, {len(cases)} cases): mean per case", (time.perf_counter() - start) * 1000 / len(cases), "ms"
