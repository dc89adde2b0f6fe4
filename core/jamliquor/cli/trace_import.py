"""`jamliquor import PATH`: import a trace directory from its genesis, block after block.

With `--predict`, each block's cost is first predicted by the `import-cost` model (through the
`predict` hook) and printed beside what the import actually took, with an error summary; a
model that fails is reported once and the import goes on without predictions.
"""

from __future__ import annotations

import contextlib
import resource
import statistics
import time
from pathlib import Path

import attrs
import typer

from ..block import BlockError
from ..codec import CodecError
from ..crypto.bandersnatch import prestart_verifier
from ..importer import StageTimer, import_block
from ..plugins import default_host
from ..predict.calibration import device_calibration
from ..predict.cost import CostEstimate, CostPredictor, over_budget
from ..predict.evaluation import errors
from ..spec import get_spec
from ..state import ChainState
from ..stf import StateError
from ..vectors.traces import load_genesis, load_step, step_files
from .errors import UsageError


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


@attrs.define
class _Predictions:
    """Per-block predicted vs actual import CPU time (`--predict`)."""

    predictor: CostPredictor
    budget_seconds: float
    unit: float = attrs.field(factory=lambda: device_calibration().unit_seconds)
    pairs: list[tuple[float, float]] = attrs.field(factory=list)  # (predicted, actual) seconds

    def before(self, state: ChainState, block, name: str) -> CostEstimate | None:
        """Predict before importing (a failing model is logged once by the predictor; a block over
        budget is logged as a warning naming it)."""
        estimate = self.predictor.estimate(state, block)
        if estimate is not None:
            over_budget(estimate, device_calibration(), self.budget_seconds, name)
        return estimate

    def after(self, name: str, estimate: CostEstimate | None, cpu_seconds: float) -> None:
        actual_ms = cpu_seconds * 1000
        if estimate is None:
            typer.echo(f"{name}  predicted      —      actual {actual_ms:8.2f} ms")
            return
        predicted = estimate.units * self.unit
        self.pairs.append((predicted, cpu_seconds))
        typer.echo(f"{name}  predicted {predicted * 1000:8.2f} ms  actual {actual_ms:8.2f} ms  "
                   f"error {100 * (predicted - cpu_seconds) / cpu_seconds:+7.1f}%  peak heap ≈ {estimate.peak_mib:.2f} MiB")

    def summary(self) -> str:
        if not self.pairs:
            return "prediction: none (no model answered)"
        e = errors([p * 1000 for p, _ in self.pairs], [a * 1000 for _, a in self.pairs])
        return (f"prediction ({self.predictor.model}, 1 cu = {self.unit * 1000:.2f} ms on this device): "
                f"{len(self.pairs)} blocks, MAE {e.mae:.2f} ms, MAPE {e.mape:.1f}% (CPU time)")


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
    predict: bool = typer.Option(False, "--predict", help="Print each block's predicted (import-cost model) vs actual cost."),
    budget_ms: float | None = typer.Option(None, "--budget-ms", help="With --predict: warn about blocks predicted "
                                           "above this import time (default: the slot, P = 6 s)."),
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
    host = default_host()  # plugins load at start-up, as a node's do, not inside the first block
    prestart_verifier()  # likewise the VRF verifier child
    timer = StageTimer()
    times: list[float] = []
    failed = 0
    budget = budget_ms / 1000 if budget_ms is not None else spec.slot_seconds
    predictions = _Predictions(CostPredictor(default_host()), budget) if predict else None
    # Per-block prediction lines replace the progress bar.
    progress = contextlib.nullcontext(steps) if predict else typer.progressbar(steps, label="importing", show_pos=True)
    with progress as bar:
        for step_path in bar:
            step = _load(load_step, step_path, spec)
            estimate = predictions.before(state, step.block, step_path.name) if predictions else None
            start, cpu_start = time.perf_counter(), time.process_time()
            try:
                post = import_block(state, step.block, timer, host)
                root = post.root()
            except (BlockError, StateError, CodecError) as exc:
                post, root = state, state.root()
                if step.post_state.state_root != step.pre_state.state_root:
                    typer.echo(f"\n{step_path.name}: block rejected: {type(exc).__name__}: {exc}")
                    failed += 1
            cpu = time.process_time() - cpu_start
            times.append((time.perf_counter() - start) * 1000)
            if predictions:
                predictions.after(step_path.name, estimate, cpu)
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
    if predictions:
        typer.echo(predictions.summary())
    if profile:
        for stage, seconds in sorted(timer.totals.items(), key=lambda kv: -kv[1]):
            typer.echo(f"  {stage:<16} {seconds * 1000 / len(times):8.2f} ms/block")
    raise typer.Exit(1 if failed else 0)
