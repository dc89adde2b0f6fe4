"""Plugin wheels added at run time: checked, unpacked into `<data_dir>/plugins`, made importable.

A hot-swap brings a new distribution as a wheel (`PluginHost.load/swap` with a `.whl` path,
`jamliquor plugins enable/swap WHEEL`). With trusted keys, its detached signature is checked
*first* (:mod:`jamliquor.plugin_signing`): a refused wheel changes nothing. An accepted one is
copied with its signature into the store and unpacked beside it (`<wheel stem>-<sha256 prefix>/`,
a directory on `sys.path` whose `*.dist-info` carries the entry points), and the node finds it
again on its next start, re-checking the signature then.

Trust boundary: distributions installed in the Python environment itself (pip, by whoever
installed the kernel) are trusted like the kernel; what arrives at run time must be signed.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import zipfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs

from .errors import JamLiquorError
from .plugin_signing import PluginSignatureError, file_digest, signature_path, verify_distribution

ENTRY_POINT_GROUP = "jamliquor"


class WheelError(JamLiquorError):
    """Not a usable plugin wheel (unreadable, no `jamliquor` entry point, unsafe paths)."""


@attrs.frozen
class Unpacked:
    wheel: Path
    directory: Path
    distribution: metadata.Distribution
    entry_points: tuple[metadata.EntryPoint, ...]
    packages: tuple[str, ...]  # top-level import names the wheel provides


def _dist_info(directory: Path) -> Path:
    infos = sorted(directory.glob("*.dist-info"))
    if len(infos) != 1:
        raise WheelError(f"{directory.name}: expected one .dist-info directory, found {len(infos)}")
    return infos[0]


def _describe(wheel: Path, directory: Path) -> Unpacked:
    dist = metadata.Distribution.at(_dist_info(directory))
    eps = tuple(ep for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP)
    if not eps:
        raise WheelError(f"{wheel.name} registers no entry point in group {ENTRY_POINT_GROUP!r}")
    packages = tuple(sorted(p.name.removesuffix(".py") for p in directory.iterdir()
                            if not p.name.endswith((".dist-info", ".data")) and (p.is_dir() or p.suffix == ".py")))
    return Unpacked(wheel, directory, dist, eps, packages)


def unpack(wheel: Path, store: Path) -> Unpacked:
    """Copy `wheel` (and its signature, if any) into `store` and unpack it there (idempotent)."""
    wheel = Path(wheel)
    if wheel.suffix != ".whl" or not wheel.is_file():
        raise WheelError(f"not a wheel file: {wheel}")
    store.mkdir(parents=True, exist_ok=True)
    digest = file_digest(wheel).hex()[:16]
    directory = store / f"{wheel.stem}-{digest}"
    kept = store / wheel.name
    if wheel.resolve() != kept.resolve():
        shutil.copyfile(wheel, kept)
        if signature_path(wheel).exists():
            shutil.copyfile(signature_path(wheel), signature_path(kept))
    if not directory.exists():
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            with zipfile.ZipFile(kept) as zf:
                for name in zf.namelist():
                    if name.startswith("/") or ".." in Path(name).parts:
                        raise WheelError(f"{wheel.name}: unsafe path {name!r}")
                zf.extractall(tmp)
        except zipfile.BadZipFile as exc:
            raise WheelError(f"{wheel.name}: not a zip archive ({exc})") from None
        tmp.rename(directory)
    return _describe(kept, directory)


def activate(unpacked: Unpacked) -> None:
    """Put the unpacked wheel first on sys.path and forget modules of the same names, so the next
    import of its packages loads this version (calls in flight keep the objects they hold)."""
    path = str(unpacked.directory)
    if path in sys.path:
        sys.path.remove(path)
    sys.path.insert(0, path)
    for name in list(sys.modules):
        if name.split(".")[0] in unpacked.packages:
            del sys.modules[name]
    importlib.invalidate_caches()


def retire_others(unpacked: Unpacked) -> None:
    """Remove the store's other versions of this distribution (the update replaced them)."""
    name = unpacked.distribution.metadata["Name"]
    store = unpacked.directory.parent
    for wheel in store.glob("*.whl"):
        if wheel.name == unpacked.wheel.name:
            continue
        try:
            other = metadata.Distribution.at(_dist_info(next(store.glob(f"{wheel.stem}-*"))))
        except (StopIteration, WheelError):
            continue
        if other.metadata["Name"] == name:
            for path in [wheel, signature_path(wheel), *store.glob(f"{wheel.stem}-*")]:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)


def accept(host: Any, wheel: Path, store: Path, trusted: Sequence[tuple[str, bytes]]) -> Unpacked:
    """Check `wheel` (if `trusted` is non-empty) and unpack it into `store`; nothing changes on refusal."""
    if trusted:
        verify_distribution(host, Path(wheel), trusted)
    return unpack(Path(wheel), store)


def stored(host: Any, store: Path, trusted: Sequence[tuple[str, bytes]]) -> tuple[list[Unpacked], dict[str, str]]:
    """The wheels kept in `store` that (still) pass the signature check, and why others do not."""
    good, bad = [], {}
    if not store.is_dir():
        return good, bad
    for wheel in sorted(store.glob("*.whl")):
        try:
            good.append(accept(host, wheel, store, trusted))
        except (PluginSignatureError, WheelError, OSError) as exc:
            bad[wheel.name] = str(exc)
    return good, bad
