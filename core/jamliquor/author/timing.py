"""Rate-limited authorship by predicted import time (with a cost model installed).

After the static budget (bytes, items, declared gas) has chosen the extrinsics, the `import-cost`
model (through the `predict` hook; `jamliquor.predict.cost`) predicts what importing the block
will take on the budget's device: `budget.seconds` is the limit there, `budget.unit_ms` that
device's calibration unit. While the prediction is over the limit, the authorer leaves out the
last-chosen item of the kind it can best spare — preimages, then guarantees, then tickets, then
assurances; disputes never — and predicts again; each such cut is logged as `time`. Without the
model (plugin not installed, or failing: the error is logged once) or without `budget.seconds`,
nothing happens here and the static budget is the whole budget.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

from ..codec import encode
from ..predict.calibration import device_calibration
from ..predict.cost import CostEstimate, CostPredictor
from ..profiles import AuthorBudget
from ..state import ChainState
from ..types import Block
from .log import BudgetMeter

TRIM_ORDER = ("preimages", "guarantees", "tickets", "assurances")  # what a block can best do without first


def _gas(kind: str, item) -> int:
    return sum(d.accumulate_gas for d in item.report.results) if kind == "guarantees" else 0


def unit_seconds(budget: AuthorBudget) -> float:
    """The budget device's calibration unit (this machine's when the budget names none)."""
    return budget.unit_ms / 1000 if budget.unit_ms else device_calibration().unit_seconds


def fit_predicted_time(state: ChainState, budget: AuthorBudget, predictor: CostPredictor,
                       chosen: MutableMapping[str, list], draft: Callable[[], Block], meter: BudgetMeter,
                       ) -> tuple[CostEstimate, CostEstimate] | None:
    """Trim `chosen` (kind → items, in the order taken) until the block `draft()` builds from it
    is predicted within `budget.seconds`; return (first, final) predictions, or None without a model."""
    if budget.seconds is None:
        return None
    first = estimate = predictor.estimate(state, draft())
    if estimate is None:
        return None
    unit = unit_seconds(budget)
    for kind in TRIM_ORDER:
        while estimate.units * unit > budget.seconds and chosen[kind]:
            item = chosen[kind].pop()
            meter.release(kind, len(encode(item, state.spec)), 1, _gas(kind, item))
            meter.cut(kind, "time")
            estimate = predictor.estimate(state, draft()) or estimate
    meter.log.predicted_seconds = estimate.units * unit
    return first, estimate
