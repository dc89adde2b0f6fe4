"""The chain state σ kept as its serialization (GP Appendix D): 31-byte keys → encoded values.

Components are decoded only when a subsystem asks for them and cached on the (immutable)
state object; `updated()` makes the posterior state by sharing every untouched value, so a
block never copies or re-encodes the whole state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..codec import CodecError, decode, encode
from ..errors import JamLiquorError
from ..merkle.trie import StateTrie
from ..spec import ChainSpec
from ..types import ServiceInfo
from .components import COMPONENTS
from .keys import KEY_SIZE, component_key, service_info_key

_KEYS = {name: component_key(index) for name, (index, _) in COMPONENTS.items()}


class StateFormatError(JamLiquorError, ValueError):
    """A key/value set that is not a well-formed serialized state (bad key size, undecodable component)."""


class ChainState:
    __slots__ = ("kv", "spec", "_decoded", "_trie")

    def __init__(
        self, kv: dict[bytes, bytes], spec: ChainSpec, _decoded: dict[str, Any] | None = None, _trie: StateTrie | None = None
    ) -> None:
        self.kv = kv  # owned; never mutated after construction
        self.spec = spec
        self._decoded: dict[str, Any] = _decoded or {}
        self._trie = _trie  # built on first `root()`, then carried forward incrementally

    @classmethod
    def from_keyvals(cls, pairs: Iterable[tuple[bytes, bytes]], spec: ChainSpec) -> "ChainState":
        kv: dict[bytes, bytes] = {}
        for key, value in pairs:
            if len(key) != KEY_SIZE:
                raise StateFormatError(f"state key of {len(key)} bytes (want {KEY_SIZE}): {bytes(key).hex()}")
            kv[bytes(key)] = bytes(value)
        return cls(kv, spec)

    def __getitem__(self, name: str) -> Any:
        """The decoded component `name` (see `components.COMPONENTS`)."""
        value = self._decoded.get(name)
        if value is None and name not in self._decoded:
            raw = self.kv.get(_KEYS[name])
            if raw is None:
                raise StateFormatError(f"state has no component {name!r}")
            try:
                value = decode(COMPONENTS[name][1], raw, self.spec)
            except CodecError as exc:
                raise StateFormatError(f"component {name!r}: {exc}") from exc
            self._decoded[name] = value
        return value

    def service_info(self, service: int) -> ServiceInfo | None:
        raw = self.kv.get(service_info_key(service))
        return None if raw is None else decode(ServiceInfo, raw, self.spec)

    def updated(self, components: Mapping[str, Any] = {}, raw: Mapping[bytes, bytes | None] = {}) -> "ChainState":
        """A new state with `components` re-encoded and `raw` key/values set (None deletes)."""
        kv = dict(self.kv)
        decoded = {k: v for k, v in self._decoded.items() if k not in components}
        changes: dict[bytes, bytes | None] = {}
        for name, value in components.items():
            decoded[name] = value
            if value is self._decoded.get(name):  # the very object decoded from this state: unchanged
                continue
            key, data = _KEYS[name], encode(value, self.spec, COMPONENTS[name][1])
            if kv.get(key) != data:
                kv[key] = changes[key] = data
        for key, value in raw.items():
            if value is None:
                if kv.pop(key, None) is not None:
                    changes[key] = None
            elif kv.get(key) != value:
                kv[key] = changes[key] = value
        trie = self._trie.updated(changes) if self._trie is not None else None
        return ChainState(kv, self.spec, decoded, trie)

    def root(self) -> bytes:
        """GP eq. (D.5) M_σ: the state root, updated incrementally from the parent's trie."""
        if self._trie is None:
            self._trie = StateTrie.from_items(self.kv)
        return self._trie.root

    def trie(self) -> StateTrie:
        """The Merklized trie of this state (built on first use, as for `root`)."""
        self.root()
        return self._trie

    def keyvals(self) -> list[tuple[bytes, bytes]]:
        return sorted(self.kv.items())
