"""`jamliquor import PATH`: import a trace directory from its genesis, block after block."""

from __future__ import annotations

import resource
import statistics
import time
from pathlib import Path

import typer

from ..block import BlockError
from ..codec import CodecError
from ..importer import StageTimer, import_block
from ..spec import get_spec
from ..state import ChainState
from ..stf import StateError
from ..vectors.traces import load_genesis, load_step, step_files
from .errors import UsageError


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _load(loader, path: Path, spec):
    """Decode one trace file; a malformed one is named in the error."""
    try:
        return loader(path, spec)
    except CodecError as exc:
        raise UsageError(f"{path}: not a {spec.name}-spec trace file: {exc}") from exc


def import_trace(
    path: Path = typer.Argument(..., help="A trace directory (genesis.bin and numbered steps)."),
    profile: bool = typer.Option(False, "--profile", help="Also print time per STF stage."),
    spec_name: str = typer.Option("tiny", "--spec", help="Chain spec of the trace: tiny | full."),
) -> None:
    """Import every block of a trace from its genesis; print per-block timings and peak RSS."""
    spec = get_spec(spec_name)
    genesis_file = path / "genesis.bin"
    if not path.is_dir():
        raise UsageError(f"{path} is not a directory")
    steps = step_files(path)
    if not genesis_file.exists() or not steps:
        raise UsageError(f"{path} is not a trace directory (genesis.bin and numbered step files)")
    genesis = _load(load_genesis, genesis_file, spec)
    state = ChainState.from_keyvals(((kv.key, kv.value) for kv in genesis.state.keyvals), spec)
    timer = StageTimer()
    times: list[float] = []
    failed = 0
    with typer.progressbar(steps, label="importing", show_pos=True) as bar:
        for step_path in bar:
            step = _load(load_step, step_path, spec)
            start = time.perf_counter()
            try:
                post = import_block(state, step.block, timer)
                root = post.root()
            except (BlockError, StateError, CodecError) as exc:
                post, root = state, state.root()
                if step.post_state.state_root != step.pre_state.state_root:
                    typer.echo(f"\n{step_path.name}: block rejected: {type(exc).__name__}: {exc}")
                    failed += 1
            times.append((time.perf_counter() - start) * 1000)
            if root != step.post_state.state_root:
                typer.echo(f"\n{step_path.name}: state root mismatch")
                failed += 1
                break
            state = post
    ordered = sorted(times)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    typer.echo(
        f"{len(times)} blocks, {failed} failed; per block: mean {statistics.mean(times):.2f} ms, "
        f"p50 {pick(0.5):.2f} ms, p90 {pick(0.9):.2f} ms, max {ordered[-1]:.2f} ms; peak RSS {peak_rss_mb():.1f} MB"
    )
    if profile:
        for stage, seconds in sorted(timer.totals.items(), key=lambda kv: -kv[1]):
            typer.echo(f"  {stage:<16} {seconds * 1000 / len(times):8.2f} ms/block")
    raise typer.Exit(1 if failed else 0)
