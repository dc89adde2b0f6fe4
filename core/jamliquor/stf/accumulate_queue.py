"""Accumulation history and queuing, GP §12.1 (accumulation.tex) and the ϑ'/ξ' update of §12.3.

These functions decide *which* work-reports accumulate in a block and how the ready queue ϑ
and accumulated history ξ move on; running the reports' service code is the job of the
accumulation invocation (which needs the PVM plugin). They are pure and PVM-free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..spec import ChainSpec
from ..types import ReadyRecord, WorkReport


def package_hash(report: WorkReport) -> bytes:
    return report.package_spec.hash


def package_hashes(reports: Iterable[WorkReport]) -> set[bytes]:
    """GP eq. (12.9) P: the work-package hashes of a set of reports."""
    return {r.package_spec.hash for r in reports}


def dependencies(report: WorkReport) -> ReadyRecord:
    """GP eq. (12.5) D(r): a report with its prerequisites and segment-root-lookup packages."""
    deps = list(report.context.prerequisites)
    for item in report.segment_root_lookup:
        if item.work_package_hash not in deps:
            deps.append(item.work_package_hash)
    return ReadyRecord(report, tuple(deps))


def edit_queue(queue: Iterable[ReadyRecord], accumulated: set[bytes]) -> list[ReadyRecord]:
    """GP eq. (12.7) E: drop records whose package is in `accumulated` and strike those from dependencies."""
    out = []
    for record in queue:
        if package_hash(record.report) in accumulated:
            continue
        deps = record.dependencies
        if any(d in accumulated for d in deps):
            record = ReadyRecord(record.report, tuple(d for d in deps if d not in accumulated))
        out.append(record)
    return out


def accumulation_priority(queue: Sequence[ReadyRecord]) -> list[WorkReport]:
    """GP eq. (12.8) Q: repeatedly take the reports with no outstanding dependencies."""
    result: list[WorkReport] = []
    queue = list(queue)
    while True:
        ready = [record.report for record in queue if not record.dependencies]
        if not ready:
            return result
        result += ready
        queue = edit_queue(queue, package_hashes(ready))


def split_available(available: Sequence[WorkReport], accumulated_union: set[bytes]) -> tuple[list[WorkReport], list[ReadyRecord]]:
    """GP eq. (12.4)/(12.5): W! (no dependencies: accumulate now) and W^Q (queued, edited by ξ)."""
    immediate = [r for r in available if not r.context.prerequisites and not r.segment_root_lookup]
    queued = [dependencies(r) for r in available if r.context.prerequisites or r.segment_root_lookup]
    return immediate, edit_queue(queued, accumulated_union)


def accumulatable(
    spec: ChainSpec, slot: int, available: Sequence[WorkReport], ready: Sequence[Sequence[ReadyRecord]], accumulated: Sequence[Sequence[bytes]]
) -> tuple[list[WorkReport], list[ReadyRecord]]:
    """GP eq. (12.10)/(12.11): W* = W! ⌢ Q(q) for the block at `slot`; also returns W^Q."""
    accumulated_union = set().union(*map(set, accumulated))
    immediate, queued = split_available(available, accumulated_union)
    m = slot % spec.epoch_length
    rotated = [record for group in (*ready[m:], *ready[:m]) for record in group]
    q = edit_queue(rotated + queued, package_hashes(immediate))
    return immediate + accumulation_priority(q), queued


def next_queues(
    spec: ChainSpec,
    prior_slot: int,
    slot: int,
    ready: Sequence[Sequence[ReadyRecord]],
    accumulated: Sequence[Sequence[bytes]],
    queued: Sequence[ReadyRecord],
    accumulated_now: Sequence[WorkReport],
) -> tuple[tuple[tuple[ReadyRecord, ...], ...], tuple[tuple[bytes, ...], ...]]:
    """GP eq. (12.24)–(12.26): shift ξ, record the packages accumulated now, and rebuild ϑ'."""
    E = spec.epoch_length
    just = package_hashes(accumulated_now)
    new_accumulated = (*(tuple(a) for a in accumulated[1:]), tuple(sorted(just)))
    m = slot % E
    new_ready: list[tuple[ReadyRecord, ...]] = [()] * E
    for i in range(E):
        index = (m - i) % E
        if i == 0:
            group = edit_queue(queued, just)
        elif i < slot - prior_slot:
            group = []
        else:
            group = edit_queue(ready[index], just)
        new_ready[index] = tuple(group)
    return tuple(new_ready), new_accumulated
