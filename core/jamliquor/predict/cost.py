"""The `import-cost` model seen from the kernel: one call through the `predict` hook.

A model answers ``(units, peak_mib)`` for a feature vector (`features.FEATURE_NAMES`):
predicted import CPU time in calibration units (`calibration`) and peak heap in MiB. Two
models share this contract: ``import-cost`` (the one the node acts on) and
``import-cost-linear`` (the least-squares baseline it is evaluated against). Whoever serves
them, the kernel reaches them only through the hook.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import attrs

from ..plugins import PluginCallError, PluginHost
from ..state import ChainState
from ..types import Block
from .calibration import Calibration
from .errors import PredictionError
from .features import block_features

IMPORT_COST = "import-cost"
IMPORT_COST_BASELINE = "import-cost-linear"
OUTPUTS = ("units", "peak_mib")

log = logging.getLogger(__name__)


@attrs.frozen
class CostEstimate:
    model: str
    units: float  # import CPU time in calibration units
    peak_mib: float  # peak heap the import allocates

    def seconds(self, calibration: Calibration) -> float:
        """The predicted import time on the device `calibration` was measured on."""
        return calibration.to_seconds(self.units)


def predict(host: PluginHost, model: str, features: Sequence[float]) -> CostEstimate | None:
    """Ask the `predict` hook; None if no plugin serves `model`, `PredictionError` if it fails."""
    try:
        out = host.call("predict", model=model, features=[float(f) for f in features])
    except PluginCallError as exc:
        if isinstance(exc.__cause__, PredictionError):
            raise exc.__cause__ from None
        raise PredictionError(f"model {model!r}: {exc}") from exc
    if out is None:
        return None
    values = [float(v) for v in out]
    if len(values) != len(OUTPUTS) or not all(math.isfinite(v) for v in values):
        raise PredictionError(f"model {model!r}: answered {values}, expected finite {', '.join(OUTPUTS)}")
    return CostEstimate(model, max(values[0], 0.0), max(values[1], 0.0))


def over_budget(estimate: CostEstimate, calibration: Calibration, budget_seconds: float, block: str) -> bool:
    """Whether `estimate` exceeds `budget_seconds` on the calibrated device; if so, log a warning naming `block`."""
    seconds = estimate.seconds(calibration)
    if seconds <= budget_seconds:
        return False
    log.warning("block %s: predicted import %.3f s (%.2f cu, model %s) exceeds the budget of %.3f s",
                block, seconds, estimate.units, estimate.model, budget_seconds)
    return True


@attrs.define
class CostPredictor:
    """Predictions for callers that go on without them: a failing model is logged once (as
    the `PredictionError` naming it) and answers None, like a node without the plugin."""

    host: PluginHost
    model: str = IMPORT_COST
    last_error: PredictionError | None = None

    def estimate(self, state: ChainState, block: Block) -> CostEstimate | None:
        return self.from_features(block_features(state, block))

    def from_features(self, features: Sequence[float]) -> CostEstimate | None:
        try:
            estimate = predict(self.host, self.model, features)
        except PredictionError as exc:
            if self.last_error is None or str(exc) != str(self.last_error):
                log.warning("prediction unavailable: %s", exc)
            self.last_error = exc
            return None
        self.last_error = None
        return estimate
