"""Configuration: defaults < TOML file < environment variables < command-line flags.

The file is `$JAMLIQUOR_CONFIG`, else `./jamliquor.toml`, else none (defaults work without it):

    chain_spec = "tiny"            # JAMLIQUOR_CHAIN_SPEC
    data_dir = "~/.local/share/jamliquor"   # JAMLIQUOR_DATA_DIR
    plugins = ["polkavm"]          # JAMLIQUOR_PLUGINS="polkavm,pqc"; absent = every installed plugin
    ring_srs = "/path/zcash-srs-2-11-uncompressed.bin"   # JAM_RING_SRS
    vrf_workers = "auto"           # JAMLIQUOR_VRF_WORKERS: 0 | 1 | auto (1 with ≥ 2 CPUs; a node defaults to 0)
    store_keep = 32                # JAMLIQUOR_STORE_KEEP
    block_keep = 600               # JAMLIQUOR_BLOCK_KEEP: pruned node, blocks of the last N slots below
                                   # the finalized one (absent: every block is kept)
    pvm_backend = "auto"           # JAMLIQUOR_PVM_BACKEND: auto (compiled where built) | compiled | python
    device_profile = "edge"        # JAMLIQUOR_DEVICE_PROFILE: edge | desktop | server
    author_budget = { bytes = 524288, items = 2048, gas = 10000000, seconds = 2.0, unit_ms = 21.0 }
                                   # JAMLIQUOR_AUTHOR_BUDGET="bytes=524288,items=2048,gas=10000000";
                                   # fields left out come from the device profile; seconds and
                                   # unit_ms bound the predicted import time (with jamliquor-ai)
    trusted_plugin_keys = ["ml-dsa-65:1a2b…", "/etc/jamliquor/release.pub"]   # JAMLIQUOR_TRUSTED_PLUGIN_KEYS

A new key is one line in `KEYS`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from .crypto.keyfile import KeyFileError, public_key_arg
from .errors import JamLiquorError
from .profiles import DEVICE_PROFILES, AuthorBudget
from .spec import SPECS


class ConfigError(JamLiquorError, ValueError):
    """An unreadable config file or a value of the wrong kind."""


def _plugins(v: Any) -> tuple[str, ...] | None:
    if v is None:
        return None
    items = v.split(",") if isinstance(v, str) else v
    if not isinstance(items, (list, tuple)) or not all(isinstance(x, str) for x in items):
        raise ConfigError(f"plugins must be a list of names, got {v!r}")
    return tuple(x.strip() for x in items if x.strip())


def _spec(v: Any) -> str:
    if v not in SPECS:
        raise ConfigError(f"chain_spec must be one of {', '.join(SPECS)}, got {v!r}")
    return v


def _positive_int(v: Any) -> int:
    try:
        n = int(v)
    except (TypeError, ValueError):
        raise ConfigError(f"expected a positive integer, got {v!r}") from None
    if n < 1:
        raise ConfigError(f"expected a positive integer, got {v!r}")
    return n


PVM_BACKENDS = ("auto", "compiled", "python")


def _pvm_backend(v: Any) -> str:
    if v not in PVM_BACKENDS:
        raise ConfigError(f"pvm_backend must be one of {', '.join(PVM_BACKENDS)}, got {v!r}")
    return v


def _profile(v: Any) -> str:
    if v not in DEVICE_PROFILES:
        raise ConfigError(f"device_profile must be one of {', '.join(DEVICE_PROFILES)}, got {v!r}")
    return v


def _positive_float(v: Any) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ConfigError(f"expected a positive number, got {v!r}") from None
    if not x > 0 or x == float("inf"):
        raise ConfigError(f"expected a positive number, got {v!r}")
    return x


_BUDGET_FIELDS = {"bytes": _positive_int, "items": _positive_int, "gas": _positive_int,
                  "seconds": _positive_float, "unit_ms": _positive_float}


def _budget(v: Any) -> dict[str, int | float] | None:
    """A (partial) authoring budget: a table, or "bytes=N,items=N,gas=N" from the environment."""
    if v is None:
        return None
    if isinstance(v, str):
        try:
            v = dict(part.split("=", 1) for part in v.replace(" ", "").split(",") if part)
        except ValueError:
            raise ConfigError(f"author_budget must look like 'bytes=N,items=N,gas=N', got {v!r}") from None
    if not isinstance(v, dict) or not set(v) <= set(_BUDGET_FIELDS):
        raise ConfigError(f"author_budget takes the fields {', '.join(_BUDGET_FIELDS)}, got {v!r}")
    return {k: _BUDGET_FIELDS[k](n) for k, n in v.items()}


def _trusted_keys(v: Any) -> tuple[tuple[str, bytes], ...]:
    """`SCHEME:HEX` public keys (or paths of files holding one), as in `jamliquor pqc keygen`'s
    KEY.pub; with any set, plugin wheels must carry a valid signature by one of them."""
    if v is None:
        return ()
    items = v.split(",") if isinstance(v, str) else v
    if not isinstance(items, (list, tuple)) or not all(isinstance(x, str) for x in items):
        raise ConfigError(f"trusted_plugin_keys must be a list of SCHEME:HEX strings, got {v!r}")
    try:
        return tuple(public_key_arg(x.strip()) for x in items if x.strip())
    except (KeyFileError, OSError) as exc:
        raise ConfigError(str(exc)) from None


def _vrf_workers(v: Any) -> str | None:
    if v is None:
        return None
    if str(v) not in ("0", "1", "auto"):
        raise ConfigError(f"vrf_workers must be 0, 1 or auto, got {v!r}")
    return str(v)


def _path(v: Any) -> Path | None:
    return None if v in (None, "") else Path(str(v)).expanduser()


def _optional_positive_int(v: Any) -> int | None:
    return None if v in (None, "") else _positive_int(v)


# key → (environment variable, parser, default)
KEYS: dict[str, tuple[str, Callable[[Any], Any], Any]] = {
    "chain_spec": ("JAMLIQUOR_CHAIN_SPEC", _spec, "tiny"),
    "data_dir": ("JAMLIQUOR_DATA_DIR", _path, Path("~/.local/share/jamliquor").expanduser()),
    "plugins": ("JAMLIQUOR_PLUGINS", _plugins, None),
    "ring_srs": ("JAM_RING_SRS", _path, None),
    "vrf_workers": ("JAMLIQUOR_VRF_WORKERS", _vrf_workers, None),
    "store_keep": ("JAMLIQUOR_STORE_KEEP", _positive_int, 32),
    "block_keep": ("JAMLIQUOR_BLOCK_KEEP", _optional_positive_int, None),
    "pvm_backend": ("JAMLIQUOR_PVM_BACKEND", _pvm_backend, "auto"),
    "device_profile": ("JAMLIQUOR_DEVICE_PROFILE", _profile, "edge"),
    "author_budget": ("JAMLIQUOR_AUTHOR_BUDGET", _budget, None),
    "trusted_plugin_keys": ("JAMLIQUOR_TRUSTED_PLUGIN_KEYS", _trusted_keys, ()),
}


@attrs.frozen
class Config:
    chain_spec: str
    data_dir: Path
    plugins: tuple[str, ...] | None
    ring_srs: Path | None
    store_keep: int
    pvm_backend: str = "auto"
    device_profile: str = "edge"
    author_budget: dict[str, int | float] | None = None  # overrides of the profile's budget
    trusted_plugin_keys: tuple[tuple[str, bytes], ...] = ()
    block_keep: int | None = None  # pruned node profile (None: archive every block)
    vrf_workers: str | None = None  # "0", "1" or "auto"; None: the command's default
    file: Path | None = None

    def budget(self) -> AuthorBudget:
        """The authoring budget: the device profile's, with the fields `author_budget` sets."""
        return attrs.evolve(DEVICE_PROFILES[self.device_profile], **(self.author_budget or {}))


def config_file(explicit: Path | None = None) -> Path | None:
    if explicit is not None:
        return explicit
    env = os.environ.get("JAMLIQUOR_CONFIG")
    if env:
        return Path(env)
    local = Path.cwd() / "jamliquor.toml"
    return local if local.exists() else None


def read_file(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    unknown = set(data) - set(KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)}; known: {sorted(KEYS)}")
    return data


def load_config(file: Path | None = None, flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Resolve every key: CLI `flags` (non-None values) > environment > file > default."""
    env = os.environ if env is None else env
    path = config_file(file)
    from_file = read_file(path)
    values: dict[str, Any] = {}
    for key, (var, parse, default) in KEYS.items():
        if flags and flags.get(key) is not None:
            raw = flags[key]
        elif var in env:
            raw = env[var]
        elif key in from_file:
            raw = from_file[key]
        else:
            values[key] = default
            continue
        try:
            values[key] = parse(raw)
        except ConfigError as exc:
            raise ConfigError(f"{key}: {exc}") from None
    return Config(**values, file=path)


def write_plugins(path: Path, plugins: tuple[str, ...]) -> None:
    """Persist the plugin allow-list into the TOML file at `path`, keeping its other keys."""
    data = read_file(path)
    data["plugins"] = list(plugins)
    lines = []
    for key, value in data.items():
        if isinstance(value, list):
            lines.append(f"{key} = [{', '.join(_toml_str(v) for v in value)}]")
        elif isinstance(value, dict):
            lines.append(f"{key} = {{ {', '.join(f'{k} = {v}' for k, v in value.items())} }}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f"{key} = {_toml_str(str(value))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, path)


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
