"""The hook implementations of jamliquor-ai (entry point `ai` → `PLUGIN`)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from jamliquor.config import load_config
from jamliquor.hookspecs import hookimpl

from .store import ModelStore


class AiPlugin:
    """Serves every model of a `ModelStore`; the store is opened on first use (the installed
    directory is `<data_dir>/models` of the configuration), or given (embedding, tests)."""

    def __init__(self, store: ModelStore | None = None) -> None:
        self._store = store
        self._lock = threading.Lock()

    @property
    def store(self) -> ModelStore:
        with self._lock:
            if self._store is None:
                self._store = ModelStore(load_config().data_dir / "models")
            return self._store

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
