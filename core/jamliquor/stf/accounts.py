"""Service accounts and the accumulation partial state (GP §9 accounts.tex, §12 eq. 12.13).

`Account` is the working form of a service account during accumulation: its fixed fields plus
storage, preimages and lookup requests. The footprint (a_i items, a_o octets) is maintained
incrementally on every change, exactly as GP eq. (9.8) defines it, so it never has to be
recomputed by enumerating storage (which the serialized state cannot do: its keys are hashed).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

import attrs

from ..codec import CodecError, decode_natural
from ..spec import ChainSpec
from ..types import AlwaysAccumulateMapEntry, Privileges, ServiceInfo


@attrs.define(slots=True)
class Account:
    code_hash: bytes
    balance: int
    min_item_gas: int  # a_g
    min_memo_gas: int  # a_m
    octets: int  # a_o
    gratis: int  # a_f (deposit offset)
    items: int  # a_i
    created: int  # a_r
    last_acc: int  # a_a
    parent: int  # a_p
    storage: dict[bytes, bytes] = attrs.field(factory=dict)
    preimages: dict[bytes, bytes] = attrs.field(factory=dict)
    requests: dict[tuple[bytes, int], tuple[int, ...]] = attrs.field(factory=dict)

    @classmethod
    def from_info(cls, info: ServiceInfo) -> "Account":
        return cls(info.code_hash, info.balance, info.min_item_gas, info.min_memo_gas, info.bytes,
                   info.deposit_offset, info.items, info.creation_slot, info.last_accumulation_slot, info.parent_service)

    def info(self) -> ServiceInfo:
        return ServiceInfo(0, self.code_hash, self.balance, self.min_item_gas, self.min_memo_gas, self.octets,
                           self.gratis, self.items, self.created, self.last_acc, self.parent)

    def clone(self) -> "Account":
        return Account(self.code_hash, self.balance, self.min_item_gas, self.min_memo_gas, self.octets, self.gratis,
                       self.items, self.created, self.last_acc, self.parent, self.storage.copy(), self.preimages.copy(),
                       self.requests.copy())  # dicts, or state-backed maps (jamliquor.state.services.KvMap)

    def min_balance(self, spec: ChainSpec, more_items: int = 0, more_octets: int = 0) -> int:
        """GP eq. (9.8) a_t = max(0, B_S + B_I·a_i + B_L·a_o − a_f), optionally for the footprint
        after a change of (`more_items`, `more_octets`) — so a host call can test a change first."""
        items, octets = self.items + more_items, self.octets + more_octets
        return max(0, spec.base_deposit + spec.item_deposit * items + spec.byte_deposit * octets - self.gratis)

    def code(self, spec: ChainSpec) -> bytes | None:
        """GP eq. (9.4) a_c: the code part of the preimage E(↕m, c) of the code hash, if present."""
        blob = self.preimages.get(self.code_hash)
        if blob is None:
            return None
        known = _CODE_SLICES.get(id(blob))
        if known is not None and known[0] is blob:
            return known[1]
        try:
            meta_len, pos = decode_natural(blob, 0)
        except CodecError:
            return None
        if pos + meta_len > len(blob):
            return None
        code = blob[pos + meta_len :]
        _remember_code(blob, code)
        return code

    # -- footprint-tracking mutators -------------------------------------------------------------

    def set_storage(self, key: bytes, value: bytes | None, old: bytes | None = None, known: bool = False) -> None:
        """Set (None: delete) a storage item. A caller that has looked up the current value passes
        it as `old` with `known=True`: a state-backed lookup hashes the key, once is enough."""
        if not known:
            old = self.storage.get(key)
        if old is not None:
            self.items -= 1
            self.octets -= 34 + len(key) + len(old)
            del self.storage[key]
        if value is not None:
            self.items += 1
            self.octets += 34 + len(key) + len(value)
            self.storage[key] = value

    def set_request(self, h: bytes, length: int, value: tuple[int, ...] | None) -> None:
        key = (h, length)
        if key in self.requests:
            self.items -= 2
            self.octets -= 81 + length
            del self.requests[key]
        if value is not None:
            self.items += 2
            self.octets += 81 + length
            self.requests[key] = tuple(value)


# The code parts last sliced out of preimages, by preimage object (the state keeps an unchanged
# preimage as the same object from block to block): a service's code is then the same bytes
# object at every invocation, so the PVM finds its decoded program without rehashing the blob.
# Bounded: CODE_SLICES entries and CODE_SLICE_OCTETS octets (a larger code is not kept).
CODE_SLICES = 4
CODE_SLICE_OCTETS = 8 << 20
_CODE_SLICES: dict[int, tuple[bytes, bytes]] = {}


def _remember_code(blob: bytes, code: bytes) -> None:
    if len(blob) + len(code) > CODE_SLICE_OCTETS:
        return
    _CODE_SLICES[id(blob)] = (blob, code)
    total = sum(len(b) + len(c) for b, c in _CODE_SLICES.values())
    while len(_CODE_SLICES) > CODE_SLICES or total > CODE_SLICE_OCTETS:  # the oldest go first
        b, c = _CODE_SLICES.pop(next(iter(_CODE_SLICES)))
        total -= len(b) + len(c)


@attrs.define(slots=True)
class PartialState:
    """GP eq. (12.13) S: accounts, staging keys ι, auth queues φ, and the privileges χ."""

    accounts: dict[int, Account]
    staging: tuple
    auth_queues: tuple
    manager: int
    assigners: tuple[int, ...]
    delegator: int
    registrar: int
    always_acc: dict[int, int]

    def clone(self) -> "PartialState":
        return PartialState({s: a.clone() for s, a in self.accounts.items()}, self.staging, self.auth_queues,
                            self.manager, self.assigners, self.delegator, self.registrar, dict(self.always_acc))

    def privileges(self) -> Privileges:
        return Privileges(self.manager, tuple(self.assigners), self.delegator, self.registrar,
                          tuple(AlwaysAccumulateMapEntry(s, g) for s, g in sorted(self.always_acc.items())))


def partial_state(accounts: Mapping[int, Account], staging: tuple, auth_queues: tuple, privileges: Privileges) -> PartialState:
    return PartialState(dict(accounts), staging, auth_queues, privileges.bless, tuple(privileges.assign),
                        privileges.designate, privileges.register, {e.id: e.gas for e in privileges.always_acc})


@attrs.frozen
class DeferredTransfer:
    """GP eq. (12.15) X: source, destination, amount, memo, gas."""

    source: int
    dest: int
    amount: int
    memo: bytes
    gas: int

    def encode(self) -> bytes:  # GP C: E_X(t), prefixed by its input discriminator 1
        return b"\x01" + struct.pack("<IIQ", self.source, self.dest, self.amount) + self.memo + struct.pack("<Q", self.gas)


@attrs.define(slots=True)
class Implications:
    """GP eq. (B.7) L: the accumulation context of one service (one dimension of the pair)."""

    id: int
    state: PartialState
    next_free_id: int
    transfers: list = attrs.field(factory=list)
    yield_hash: bytes | None = None
    provisions: list[tuple[int, bytes]] = attrs.field(factory=list)

    @property
    def self_account(self) -> Account | None:
        return self.state.accounts.get(self.id)

    def clone(self) -> "Implications":
        return Implications(self.id, self.state.clone(), self.next_free_id, list(self.transfers), self.yield_hash,
                            list(self.provisions))


