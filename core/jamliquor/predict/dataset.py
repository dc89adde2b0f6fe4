"""Labelled import-cost samples: import a trace block by block and record features and costs.

For each block: its features (`features.block_features`, computed before the import), the CPU
time of importing it and computing the posterior state root in calibration units of this device,
and the peak Python heap the import allocates (tracemalloc, MiB). The time label pairs each of
`repeats` imports of the block (on the same, immutable, prior state; a first import warms the
caches as the node's previous block would have) with a calibration run just before it and takes
the median ratio: CPU time rather than wall-clock time, and paired ratios, keep the labels usable
on a machine shared with other work (`paired_units`).
Used by the training script (`plugins/jamliquor-ai/training/`) and `jamliquor ai evaluate`.
"""

from __future__ import annotations

import csv
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs

from ..block import BlockError
from ..errors import JamLiquorError
from ..importer import import_block
from ..spec import TINY, ChainSpec
from ..state import ChainState
from ..stf import StateError
from ..vectors.traces import load_genesis, load_step, step_files
from . import calibration
from .features import FEATURE_NAMES, block_features

_MIB = 1024 * 1024


class TraceDirError(JamLiquorError):
    """A path that is not a trace directory, or a trace whose blocks do not reproduce its roots."""


@attrs.frozen
class Sample:
    category: str  # the trace directory's name
    step: str  # the step file's name
    features: tuple[float, ...]
    units: float  # import CPU time in calibration units of the measuring device
    peak_mib: float  # peak Python heap allocated by the import
    seconds: float  # the same import CPU time, in seconds
    unit_seconds: float  # the calibration unit it was divided by


def trace_blocks(trace_dir: Path, spec: ChainSpec = TINY) -> tuple[ChainState, list[Path]]:
    """The genesis state and step files of a trace directory (a typed error if it is not one)."""
    steps = step_files(trace_dir) if trace_dir.is_dir() else []
    if not (trace_dir / "genesis.bin").exists() or not steps:
        raise TraceDirError(f"{trace_dir} is not a trace directory (genesis.bin and numbered steps)")
    genesis = load_genesis(trace_dir / "genesis.bin", spec)
    return ChainState.from_keyvals(((kv.key, kv.value) for kv in genesis.state.keyvals), spec), steps


def timed_import(state: ChainState, block, host=None) -> tuple[ChainState, float]:
    """Import `block` and compute the posterior root; return (posterior, CPU seconds)."""
    start = time.process_time()
    post = import_block(state, block, host=host)
    post.root()
    return post, time.process_time() - start


def peak_import_mib(state: ChainState, block, host=None) -> float:
    """Peak Python heap the import of `block` allocates, in MiB (tracemalloc; slows that run)."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        import_block(state, block, host=host).root()
        return (tracemalloc.get_traced_memory()[1] - base) / _MIB
    finally:
        tracemalloc.stop()


def paired_units(state: ChainState, block, repeats: int, host=None) -> tuple[float, float]:
    """(units, seconds): each of `repeats` imports of `block` right after one calibration run, the
    median of the ratios. A pair runs within some 20 ms, so both halves mostly meet the same
    contention on a shared machine, and the median drops the pairs that did not."""
    pairs = []
    for _ in range(repeats):
        unit = calibration.timed_workload()
        seconds = timed_import(state, block, host)[1]
        pairs.append((seconds / unit, seconds))
    pairs.sort()
    return pairs[len(pairs) // 2]


def trace_samples(trace_dir: Path, repeats: int = 5, memory: bool = True, host=None,
                  progress: Callable[[str], None] | None = None, limit: int | None = None) -> Iterator[Sample]:
    """One `Sample` per accepted block of the trace at `trace_dir` (the first `limit` steps), in order."""
    state, steps = trace_blocks(trace_dir)
    steps = steps[:limit] if limit is not None else steps
    calibration.workload()  # warm
    for path in steps:
        step = load_step(path, state.spec)
        features = block_features(state, step.block)
        try:
            post, _ = timed_import(state, step.block, host)
        except (BlockError, StateError):
            if step.post_state.state_root != step.pre_state.state_root:
                raise TraceDirError(f"{trace_dir.name}/{path.name}: block rejected, but the trace accepts it") from None
            continue  # a block the trace expects to fail: no cost sample
        if post.root() != step.post_state.state_root:
            raise TraceDirError(f"{trace_dir.name}/{path.name}: state root differs from the trace")
        units, seconds = paired_units(state, step.block, repeats, host)
        peak = peak_import_mib(state, step.block, host) if memory else 0.0
        if progress:
            progress(path.name)
        yield Sample(trace_dir.name, path.name, features, units, peak, seconds, seconds / units)
        state = post


CSV_COLUMNS = ("category", "step", *FEATURE_NAMES, "units", "peak_mib", "seconds", "unit_seconds")


def write_csv(samples: Iterator[Sample], path: Path) -> int:
    """Write samples as CSV (header `CSV_COLUMNS`); return how many."""
    count = 0
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for s in samples:
            writer.writerow((s.category, s.step, *s.features, s.units, s.peak_mib, s.seconds, s.unit_seconds))
            count += 1
    return count


def read_csv(path: Path) -> list[Sample]:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and tuple(rows[0]) != CSV_COLUMNS:
        raise TraceDirError(f"{path}: columns {tuple(rows[0])} differ from {CSV_COLUMNS}; regenerate the dataset")
    return [Sample(r["category"], r["step"], tuple(float(r[n]) for n in FEATURE_NAMES), float(r["units"]),
                   float(r["peak_mib"]), float(r["seconds"]), float(r["unit_seconds"])) for r in rows]
