"""The hook implementations of jamliquor-ai (entry point `ai` → `PLUGIN`)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from jamliquor.config import load_config
from jamliquor.hookspecs import hookimpl

from .store import ModelStore

MODELS_SUBDIR = "models"  # installed models live in <data_dir>/models


class AiPlugin:
    """Serves every model of a `ModelStore`. The store is given (embedding, tests), or opened on
    the `configure` hook from the node's `data_dir`, or on first use from the configuration."""

    def __init__(self, store: ModelStore | None = None) -> None:
        self._store = store
        self._lock = threading.Lock()

    @property
    def store(self) -> ModelStore:
        with self._lock:
            if self._store is None:
                self._store = ModelStore(load_config().data_dir / MODELS_SUBDIR)
            return self._store

    @hookimpl
    def jamliquor_configure(self, config) -> None:  # noqa: ANN001 - jamliquor.config.Config
        installed = config.data_dir / MODELS_SUBDIR
        with self._lock:
            if self._store is None or self._store.installed_dir != installed:
                self._store = ModelStore(installed)  # calls in flight keep the store they read

    @hookimpl
    def jamliquor_status(self) -> str:
        store = self.store
        return "models: " + ", ".join(
            f"{name} ({'shipped' if model.path.parent == store.shipped_dir else 'installed'})"
            for name, model in sorted(store.current().items()))

    @hookimpl
    def jamliquor_models(self) -> Sequence[str]:
        return tuple(sorted(self.store.current()))

    @hookimpl
    def jamliquor_predict(self, model: str, features: Sequence[float]) -> Sequence[float] | None:
        found = self.store.get(model)  # one snapshot read: this call finishes on this version
        return None if found is None else found.predict(features)

    @hookimpl
    def jamliquor_install_model(self, model: str, path: str) -> str | None:
        return str(self.store.install(model, Path(path)))


PLUGIN = AiPlugin()
