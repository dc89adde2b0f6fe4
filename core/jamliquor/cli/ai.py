"""`jamliquor ai ...`: the cost models seen from the node (through the `predict` hook only).

    jamliquor ai models                       models served by plugins, and this device's unit
    jamliquor ai evaluate DIR...              import traces, compare import-cost and the linear
                                              baseline with what the imports actually cost
    jamliquor ai install-model FILE           a newer model version, picked up by running nodes
"""

from __future__ import annotations

from pathlib import Path

import typer

from ..plugins import MissingHookError, PluginCallError, default_host
from ..predict.calibration import device_calibration
from ..predict.cost import IMPORT_COST, IMPORT_COST_BASELINE, predict
from ..predict.dataset import trace_samples
from ..predict.errors import PredictionError
from ..predict.evaluation import category_row, markdown_table
from .errors import UsageError

app = typer.Typer(help="On-device cost models (plugin jamliquor-ai): evaluate, install, list.", no_args_is_help=True)


@app.command("models")
def models() -> None:
    """List the models plugins serve and this device's calibration unit."""
    names = default_host().models()
    typer.echo("models: " + (", ".join(names) if names else "none (pip install ./plugins/jamliquor-ai)"))
    typer.echo(f"calibration unit on this device: {device_calibration().unit_seconds * 1000:.2f} ms")


@app.command("evaluate")
def evaluate(
    dirs: list[Path] = typer.Argument(..., help="Trace directories (genesis.bin and numbered steps); one row each."),
    repeats: int = typer.Option(5, "--repeats", min=1, help="(calibration, import) pairs per block; the label is the median ratio."),
    memory: bool = typer.Option(True, "--memory/--no-memory", help="Also measure peak heap (tracemalloc; slow)."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N blocks of each trace."),
) -> None:
    """Import each trace, predict every block's cost before importing it, print MAE and MAPE per trace."""
    host = default_host()
    served = host.models()
    if IMPORT_COST not in served:
        raise MissingHookError(f"no plugin serves model {IMPORT_COST!r} (served: {', '.join(served) or 'none'}); "
                               "install ./plugins/jamliquor-ai")
    rows = []
    for d in dirs:
        samples = list(trace_samples(d, repeats=repeats, memory=memory, limit=limit))
        if not samples:
            raise UsageError(f"{d}: no block was imported")
        model = [predict(host, IMPORT_COST, s.features) for s in samples]
        base = [predict(host, IMPORT_COST_BASELINE, s.features) for s in samples] if IMPORT_COST_BASELINE in served else None
        rows.append(category_row(d.name, [s.units for s in samples], [m.units for m in model],
                                 [b.units for b in base] if base else None,
                                 [s.peak_mib for s in samples] if memory else None,
                                 [m.peak_mib for m in model] if memory else None,
                                 [b.peak_mib for b in base] if memory and base else None))
    typer.echo(markdown_table(rows, first_column="trace"))
    typer.echo(f"\ntime in calibration units (cu); 1 cu = {device_calibration().unit_seconds * 1000:.2f} ms CPU on this device")


@app.command("install-model")
def install_model(
    file: Path = typer.Argument(..., help="A .tflite file for the model."),
    model: str = typer.Option(IMPORT_COST, "--model", help="The model name it becomes the new version of."),
) -> None:
    """Check FILE and register it as the new version of MODEL (running nodes switch on their next call)."""
    if not file.is_file():
        raise UsageError(f"{file}: no such model file")
    try:
        where = default_host().require("install_model", "jamliquor-ai (pip install ./plugins/jamliquor-ai)",
                                       model=model, path=str(file.resolve()))
    except PluginCallError as exc:
        if isinstance(exc.__cause__, PredictionError):  # the plugin's own typed error names model and problem
            raise exc.__cause__ from None
        raise
    typer.echo(f"installed {model!r}: {where}")
