"""GP §12.1 queueing: W*, ϑ' and ξ' against every accumulate vector (all reports there accumulate)."""

from __future__ import annotations

from pathlib import Path

from jamliquor.conformance.diff import first_difference
from jamliquor.spec import FULL, TINY
from jamliquor.stf.accumulate_queue import accumulatable, accumulation_priority, edit_queue, next_queues
from jamliquor.stf.accumulate_types import TestCase
from jamliquor.types import ReadyRecord
from jamliquor.vectors.stf import case_paths, load_case


def test_queues_match_every_accumulate_vector(vectors: Path) -> None:
    paths = case_paths(vectors / "stf" / "accumulate")
    assert len(paths) >= 60
    for path in paths:
        spec = TINY if "tiny" in path.parts else FULL
        case = load_case(TestCase, path, spec)
        pre = case.pre_state
        wstar, queued = accumulatable(spec, case.input.slot, case.input.reports, pre.ready_queue, pre.accumulated)
        ready, accumulated = next_queues(spec, pre.slot, case.input.slot, pre.ready_queue, pre.accumulated, queued, wstar)
        diff = first_difference(ready, case.post_state.ready_queue, "ready_queue") or first_difference(
            accumulated, case.post_state.accumulated, "accumulated"
        )
        assert diff is None, f"{path.name}: {diff}"


def test_priority_unlocks_chains() -> None:
    class R:  # minimal stand-in with the attributes the queue functions read
        def __init__(self, h: bytes) -> None:
            self.package_spec = type("S", (), {"hash": h})()

    a, b, c = R(b"a"), R(b"b"), R(b"c")
    queue = [ReadyRecord.__new__(ReadyRecord) for _ in range(3)]
    for rec, (rep, deps) in zip(queue, [(c, (b"b",)), (b, (b"a",)), (a, ())]):
        object.__setattr__(rec, "report", rep)
        object.__setattr__(rec, "dependencies", deps)
    assert accumulation_priority(queue) == [a, b, c]
    assert [r.report for r in edit_queue(queue, {b"a"})] == [c, b]
