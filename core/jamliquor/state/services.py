"""Service accounts read from and written back to the serialized state (GP D.2).

Storage, preimages and lookup requests live under hashed state keys, so they cannot be listed —
only looked up by their original key, which is all accumulation needs. `KvMap` is a dict-like
view over the serialized state with a private overlay of changes; `account_changes` turns an
account's overlays (or, for a new account, its plain dicts) back into state key/values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..codec import U32, Seq, decode, encode
from ..spec import ChainSpec
from ..stf.accounts import Account
from . import ChainState
from .keys import preimage_key, request_key, service_info_key, service_of_info_key, storage_key

_MISSING = object()
_TIMESLOTS = Seq(U32)


class KvMap:
    """A mapping over state key/values: lookups go to the overlay, then the state.

    The state key of each key looked up is remembered (`state_key`): computing it hashes the key
    (GP D.2), and an accumulation that reads or writes an item needs it again when its changes
    are written back. Copies share the memo (a key's state key never changes); it lives as long
    as the map (one block) and holds one entry per key the block's host calls named."""

    __slots__ = ("base", "key_of", "decode_value", "overlay", "state_keys")

    def __init__(self, base: dict[bytes, bytes], key_of: Callable[[Any], bytes], decode_value: Callable[[bytes], Any] = bytes) -> None:
        self.base = base
        self.key_of = key_of
        self.decode_value = decode_value
        self.overlay: dict[Any, Any] = {}  # key → value, or None for deleted
        self.state_keys: dict[Any, bytes] = {}  # key → its state key (GP D.2)

    def state_key(self, key: Any) -> bytes:
        state_key = self.state_keys.get(key)
        if state_key is None:
            state_key = self.state_keys[key] = self.key_of(key)
        return state_key

    def get(self, key: Any, default: Any = None) -> Any:
        value = self.overlay.get(key, _MISSING)
        if value is _MISSING:
            raw = self.base.get(self.state_key(key))
            return default if raw is None else self.decode_value(raw)
        return default if value is None else value

    def __contains__(self, key: Any) -> bool:
        return self.get(key, _MISSING) is not _MISSING

    def __getitem__(self, key: Any) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        self.overlay[key] = value

    def __delitem__(self, key: Any) -> None:
        """Delete `key`, which the caller knows is present (no second lookup of the state)."""
        self.overlay[key] = None

    def pop(self, key: Any, default: Any = None) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            return default
        self.overlay[key] = None
        return value

    def copy(self) -> "KvMap":
        clone = KvMap(self.base, self.key_of, self.decode_value)
        clone.overlay = dict(self.overlay)
        clone.state_keys = self.state_keys
        return clone

    def items(self) -> Iterator:  # only the overlay can be enumerated
        raise TypeError("a state-backed map cannot be enumerated (its keys are hashed)")


def load_account(state: ChainState, service: int) -> Account | None:
    info = state.service_info(service)
    if info is None:
        return None
    account = Account.from_info(info)
    kv = state.kv
    spec = state.spec
    account.storage = KvMap(kv, lambda k: storage_key(service, k))
    account.preimages = KvMap(kv, lambda h: preimage_key(service, h))
    account.requests = KvMap(kv, lambda hl: request_key(service, hl[0], hl[1]), lambda raw: tuple(decode(_TIMESLOTS, raw, spec)))
    return account


def load_accounts(state: ChainState) -> dict[int, Account]:
    """Every service account of the state (their fixed fields; the rest is looked up lazily)."""
    out = {}
    for key in state.kv:
        service = service_of_info_key(key)
        if service is not None:
            out[service] = load_account(state, service)
    return out


def account_changes(service: int, account: Account, spec: ChainSpec) -> dict[bytes, bytes | None]:
    """The state key/values that store `account` (its info plus what changed in its maps)."""
    changes: dict[bytes, bytes | None] = {service_info_key(service): encode(account.info(), spec)}
    maps = (
        (account.storage, lambda k: storage_key(service, k), lambda v: v),
        (account.preimages, lambda h: preimage_key(service, h), lambda v: v),
        (account.requests, lambda hl: request_key(service, hl[0], hl[1]), lambda v: encode(tuple(v), spec, _TIMESLOTS)),
    )
    for mapping, key_of, encode_value in maps:
        if isinstance(mapping, KvMap):
            entries, key_of = mapping.overlay.items(), mapping.state_key
        else:
            entries = mapping.items()
        for key, value in entries:
            changes[key_of(key)] = None if value is None else encode_value(value)
    return changes


def service_keys(kv: dict[bytes, bytes], service: int) -> list[bytes]:
    """Every state key holding data of `service` (GP D.1: its info key and its C(s, h) keys)."""
    n = service.to_bytes(4, "little")
    info = service_info_key(service)
    out = [info] if info in kv else []
    for key in kv:
        if key[0] == n[0] and key[2] == n[1] and key[4] == n[2] and key[6] == n[3] and any(key[1:]) and key != info:
            if service_of_info_key(key) is None:
                out.append(key)
    return out
