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
from ..spec import TINY
from ..state import ChainState
from ..stf import StateError
from ..vectors.traces import load_genesis, load_step, step_files


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def import_trace(
    path: Path = typer.Argument(..., help="A trace directory (genesis.bin and numbered steps)."),
    profile: bool = typer.Option(False, "--profile", help="Also print time per STF stage."),
) -> None:
    """Import every block of a trace from its genesis; print per-block timings and peak RSS."""
    genesis_file = path / "genesis.bin"
    steps = step_files(path) if path.is_dir() else []
    if not genesis_file.exists() or not steps:
        typer.echo(f"error: {path} is not a trace directory (genesis.bin and numbered steps)", err=True)
        raise typer.Exit(2)
    genesis = load_genesis(genesis_file, TINY)
    state = ChainState.from_keyvals(((kv.key, kv.value) for kv in genesis.state.keyvals), TINY)
    timer = StageTimer()
    times: list[float] = []
    failed = 0
    with typer.progressbar(steps, label="importing", show_pos=True) as bar:
        for step_path in bar:
            step = load_step(step_path, TINY)
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
