"""Example third-party JamLiquor plugin: a `mean` model for the `predict` hook."""

from jamliquor.hookspecs import hookimpl

MODELS = ("mean",)


@hookimpl
def jamliquor_models():
    return MODELS


@hookimpl
def jamliquor_predict(model, features):
    if model != "mean":
        return None  # not ours: let another plugin answer
    return [sum(features) / len(features)] if features else [0.0]
