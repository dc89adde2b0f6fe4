"""Which version of each model answers, and how a new version takes over (hot swap).

Models come from the plugin's package data (`jamliquor_ai/models/*.tflite`, the shipped
versions) and from `<data_dir>/models/*.tflite` (versions installed with `jamliquor ai
install-model`), an installed file overriding the shipped one of the same name. The store keeps
them as an immutable snapshot, as the kernel's `PluginHost` does with plugins: a prediction reads
the snapshot once and runs on the model object it found; installing publishes a new snapshot by
one reference assignment. So a prediction in flight finishes on the old version, the next one uses
the new one, and none fails in between. Another process's install (the CLI beside a running node)
is noticed on the next call by one `stat` of the models directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import attrs

from jamliquor.predict.errors import ModelFileError

from .litert import LiteModel

SHIPPED_DIR = Path(__file__).resolve().parent / "models"
SUFFIX = ".tflite"


@attrs.frozen
class _Snapshot:
    models: Mapping[str, LiteModel]
    stamp: tuple[int, int] | None  # (mtime_ns, inode) of the installed-models directory when read
    files: Mapping[Path, tuple[int, int, int]]  # installed file → (mtime_ns, size, inode) it was read at


def _stamp(directory: Path) -> tuple[int, int] | None:
    try:
        st = directory.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_ino


def _model_files(directory: Path) -> dict[str, Path]:
    try:
        return {p.name[: -len(SUFFIX)]: p for p in sorted(directory.iterdir()) if p.name.endswith(SUFFIX) and p.is_file()}
    except OSError:
        return {}


class ModelStore:
    def __init__(self, installed_dir: Path | None, shipped_dir: Path = SHIPPED_DIR) -> None:
        self.installed_dir = installed_dir
        self.shipped_dir = shipped_dir
        self._lock = threading.Lock()
        self._snapshot = _Snapshot(MappingProxyType({}), None, MappingProxyType({}))
        self._shipped = {name: LiteModel(name, path) for name, path in _model_files(shipped_dir).items()}
        self._refresh(force=True)

    # ------------------------------------------------------------------ reading

    def current(self) -> Mapping[str, LiteModel]:
        """The models now answering (re-read if another process installed one)."""
        if self.installed_dir is not None and _stamp(self.installed_dir) != self._snapshot.stamp:
            self._refresh()
        return self._snapshot.models

    def get(self, name: str) -> LiteModel | None:
        return self.current().get(name)

    def _refresh(self, force: bool = False) -> None:
        with self._lock:
            old = self._snapshot
            stamp = _stamp(self.installed_dir) if self.installed_dir is not None else None
            if not force and stamp == old.stamp:
                return
            models = dict(self._shipped)
            files: dict[Path, tuple[int, int, int]] = {}
            installed = _model_files(self.installed_dir) if self.installed_dir is not None else {}
            for name, path in installed.items():
                try:
                    st = path.stat()
                except OSError:
                    continue
                key = (st.st_mtime_ns, st.st_size, st.st_ino)
                previous = old.models.get(name)
                unchanged = previous is not None and previous.path == path and old.files.get(path) == key
                models[name] = previous if unchanged else LiteModel(name, path)  # keep a warm interpreter
                files[path] = key
            self._snapshot = _Snapshot(MappingProxyType(models), stamp, MappingProxyType(files))

    # ------------------------------------------------------------------ installing

    def install(self, name: str, source: Path) -> Path:
        """Check `source` as model `name`, copy it into the installed directory atomically, and
        make it the answering version. A bad file raises `ModelFileError`; nothing changes."""
        if self.installed_dir is None:
            raise ModelFileError(f"model {name!r}: no directory to install models into (set data_dir)")
        if not name or "/" in name or name.startswith("."):
            raise ModelFileError(f"model {name!r}: not a usable model name")
        candidate = LiteModel(name, source)
        candidate.check()  # raises ModelFileError naming the model and the problem
        self.installed_dir.mkdir(parents=True, exist_ok=True)
        target = self.installed_dir / f"{name}{SUFFIX}"
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.installed_dir)
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        with self._lock:  # publish the checked model object itself (its interpreter is already warm)
            old = self._snapshot
            st = target.stat()
            models = {**old.models, name: LiteModel._moved(candidate, target)}
            files = {**old.files, target: (st.st_mtime_ns, st.st_size, st.st_ino)}
            self._snapshot = _Snapshot(MappingProxyType(models), _stamp(self.installed_dir), MappingProxyType(files))
        return target
