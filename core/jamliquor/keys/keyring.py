"""The validator keys one process holds: one for a node, all of them in the dev chain."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .derivation import ValidatorKeys, dev_keys


class Keyring:
    """Our validator keys, found by their public Bandersnatch or Ed25519 key."""

    __slots__ = ("_keys", "_by_bandersnatch", "_by_ed25519")

    def __init__(self, keys: Iterable[ValidatorKeys]) -> None:
        self._keys = tuple(keys)
        self._by_bandersnatch = {k.bandersnatch: k for k in self._keys}
        self._by_ed25519 = {k.ed25519: k for k in self._keys}

    @classmethod
    def dev(cls, count: int) -> "Keyring":
        return cls(dev_keys(count))

    def __iter__(self) -> Iterator[ValidatorKeys]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"Keyring({len(self._keys)} validators)"

    def by_bandersnatch(self, public: bytes) -> ValidatorKeys | None:
        return self._by_bandersnatch.get(bytes(public))

    def by_ed25519(self, public: bytes) -> ValidatorKeys | None:
        return self._by_ed25519.get(bytes(public))
