"""Typed prediction errors, raised by model plugins and by the kernel's prediction calls.

Each names the model and the problem. Callers that can run without a prediction (block import,
authoring) catch `PredictionError` and carry on (`cost.CostPredictor`)."""

from __future__ import annotations

from ..errors import JamLiquorError


class PredictionError(JamLiquorError):
    """A model could not answer (the message names the model and why)."""


class FeatureError(PredictionError, ValueError):
    """A feature vector the model cannot take: wrong length, NaN or infinity."""


class ModelFileError(PredictionError):
    """A model file that is unreadable, corrupt, or made for other features or outputs."""
