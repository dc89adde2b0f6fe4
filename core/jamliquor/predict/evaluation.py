"""Accuracy of cost predictions, per trace category: the table `jamliquor ai evaluate` prints and
the training report (`plugins/jamliquor-ai/training/`) writes.

MAE is in the label's unit (calibration units for time, MiB for memory); MAPE is the mean of
|predicted − actual| / actual, in percent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs


@attrs.frozen
class Errors:
    mae: float
    mape: float  # percent

    def __str__(self) -> str:
        return f"{self.mae:.3g} / {self.mape:.0f}%"


def errors(predicted: Sequence[float], actual: Sequence[float]) -> Errors:
    if not actual or len(predicted) != len(actual):
        raise ValueError("need as many predictions as actual values, at least one")
    diffs = [abs(p - a) for p, a in zip(predicted, actual)]
    return Errors(sum(diffs) / len(diffs), 100 * sum(d / a for d, a in zip(diffs, actual)) / len(diffs))


@attrs.frozen
class CategoryRow:
    category: str
    blocks: int
    mean_units: float  # mean actual import time, calibration units
    model: Errors | None  # import-cost, time
    baseline: Errors | None  # linear baseline, time
    model_memory: Errors | None  # import-cost, peak MiB
    mean_mib: float = 0.0
    baseline_memory: Errors | None = None  # linear baseline, peak MiB


def category_row(category: str, actual_units: Sequence[float], model_units: Sequence[float] | None,
                 baseline_units: Sequence[float] | None, actual_mib: Sequence[float] | None = None,
                 model_mib: Sequence[float] | None = None, baseline_mib: Sequence[float] | None = None) -> CategoryRow:
    return CategoryRow(category, len(actual_units), sum(actual_units) / len(actual_units),
                       errors(model_units, actual_units) if model_units else None,
                       errors(baseline_units, actual_units) if baseline_units else None,
                       errors(model_mib, actual_mib) if model_mib and actual_mib else None,
                       sum(actual_mib) / len(actual_mib) if actual_mib else 0.0,
                       errors(baseline_mib, actual_mib) if baseline_mib and actual_mib else None)


HEADER = ("held-out category", "blocks", "mean time (cu)", "import-cost MAE / MAPE", "linear MAE / MAPE",
          "mean peak (MiB)", "import-cost peak MAE / MAPE", "linear peak MAE / MAPE")


def markdown_table(rows: Iterable[CategoryRow], first_column: str = HEADER[0]) -> str:
    """The rows as a Markdown table (what the README shows)."""
    lines = ["| " + " | ".join((first_column, *HEADER[1:])) + " |", "|" + "---|" * len(HEADER)]
    for r in rows:
        cells = (r.category, str(r.blocks), f"{r.mean_units:.2f}", str(r.model or "—"), str(r.baseline or "—"),
                 f"{r.mean_mib:.3f}" if r.model_memory else "—", str(r.model_memory or "—"), str(r.baseline_memory or "—"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
