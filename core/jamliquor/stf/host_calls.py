"""Accumulate host calls (GP appendix B.6–B.8, pvm_invocations.tex): the guest's only way to chain state.

`AccumulateHost` is the `HostCallHandler` given to the PVM for one service's accumulation. It
holds the regular and exceptional contexts (x, y) of GP eq. (B.7)/(B.8) and implements each
call on the narrow `GuestAccess` (registers, gas, checked memory). Gas: 10 per call; `transfer`
costs 10 + t with t = ω_9 only when the transfer is made (GP B.7; the vectors' README shortens
this to "10 + ω_9"); `log` (JIP-1) also costs 10 — the README says 0, but every accumulate
vector's gas accounting needs 10.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Sequence
from functools import lru_cache

from ..codec import encode_natural
from ..execution import GuestAccess, GuestFault, HostOutcome
from ..spec import ChainSpec, encode_parameters
from ..types import ValidatorData
from .accounts import Account, DeferredTransfer, Implications

M64 = (1 << 64) - 1
BLOB_LENGTHS = 1 << 32  # N_L: lookup-request keys (h, z) have z < 2^32 (accounts.tex, definitions)
NONE, WHAT, OOB, WHO, FULL, CORE, CASH, LOW, HUH, OK = M64, M64 - 1, M64 - 2, M64 - 3, M64 - 4, M64 - 5, M64 - 6, M64 - 7, M64 - 8, 0

GAS, FETCH, LOOKUP, READ, WRITE, INFO = 0, 1, 2, 3, 4, 5
BLESS, ASSIGN, DESIGNATE, CHECKPOINT, NEW, UPGRADE, TRANSFER, EJECT, QUERY, SOLICIT, FORGET, YIELD, PROVIDE = range(14, 27)
LOG = 100


class _Panic(Exception):
    """The call's memory arguments are inaccessible: the machine panics (GP: ε' = ☇)."""


class _OutOfGas(Exception):
    """A call whose full cost (known only once it succeeds, e.g. transfer's t) exceeds the gas left."""


@lru_cache(maxsize=4)
def constants_blob(spec: ChainSpec) -> bytes:
    """GP B.5 fetch(ω_10 = 0): the protocol constants, in the order the GP lists them (the same
    encoding JIP-4 chainspecs carry as `protocol_parameters`)."""
    return encode_parameters(spec)


def next_service_id(candidate: int, accounts: dict, spec: ChainSpec) -> int:
    """GP eq. (B.10) check(i): the first index from `candidate` not already an account."""
    S = spec.min_public_service_index
    while candidate in accounts:
        candidate = (candidate - S + 1) % (2**32 - 2**8 - S) + S
    return candidate


class AccumulateHost:
    def __init__(self, spec: ChainSpec, x: Implications, timeslot: int, entropy: bytes, inputs: Sequence[bytes]) -> None:
        self.spec = spec
        self.x = x
        self.y = x.clone()  # exceptional dimension: what survives a panic or running out of gas
        self.timeslot = timeslot
        self.entropy = entropy
        self.inputs = inputs  # encoded accumulation inputs (fetch 14/15)
        self._calls: dict[int, Callable[[GuestAccess, list[int]], None]] = {
            GAS: self.gas, FETCH: self.fetch, LOOKUP: self.lookup, READ: self.read, WRITE: self.write, INFO: self.info,
            BLESS: self.bless, ASSIGN: self.assign, DESIGNATE: self.designate, CHECKPOINT: self.checkpoint,
            NEW: self.new, UPGRADE: self.upgrade, TRANSFER: self.transfer, EJECT: self.eject, QUERY: self.query,
            SOLICIT: self.solicit, FORGET: self.forget, YIELD: self.yield_, PROVIDE: self.provide,
        }

    # ------------------------------------------------------------------ dispatch

    def __call__(self, index: int, guest: GuestAccess) -> HostOutcome:
        r = guest.registers
        guest.gas -= 10
        if guest.gas < 0:
            return HostOutcome.OUT_OF_GAS
        if index == LOG:
            return HostOutcome.CONTINUE
        call = self._calls.get(index)
        if call is None:
            r[7] = WHAT
            return HostOutcome.CONTINUE
        try:
            call(guest, r)
        except (_Panic, GuestFault):
            return HostOutcome.PANIC
        except _OutOfGas:
            return HostOutcome.OUT_OF_GAS
        return HostOutcome.CONTINUE

    @staticmethod
    def _read(guest: GuestAccess, address: int, length: int) -> bytes:
        """μ[a..a+l], or ☇ (`GuestFault`, the access check of `GuestAccess.read`) if not readable."""
        return guest.read(address, length) if length else b""

    @staticmethod
    def _out(guest: GuestAccess, r: list[int], value: bytes | None, offset_reg: int, out_address: int) -> None:
        """The GP's common result pattern: write v[f..f+l] at o (☇ if not writable: `GuestAccess.write`
        checks the whole range before writing anything) and set ω_7 = |v|, or NONE."""
        if value is None:
            r[7] = NONE
            return
        f = min(r[offset_reg], len(value))
        l = min(r[offset_reg + 1], len(value) - f)
        if l:
            guest.write(out_address, value[f : f + l])
        r[7] = len(value)

    def _account(self, selector: int) -> Account | None:
        x = self.x
        return x.self_account if selector in (x.id, M64) else x.state.accounts.get(selector)

    # ------------------------------------------------------------------ general functions (B.6)

    def gas(self, guest: GuestAccess, r: list[int]) -> None:
        r[7] = guest.gas

    def fetch(self, guest: GuestAccess, r: list[int]) -> None:
        kind = r[10]
        value: bytes | None = None
        if kind == 0:
            value = constants_blob(self.spec)
        elif kind == 1:
            value = self.entropy
        elif kind == 14:
            out = bytearray()
            encode_natural(len(self.inputs), out)
            value = bytes(out) + b"".join(self.inputs)
        elif kind == 15 and r[11] < len(self.inputs):
            value = self.inputs[r[11]]
        if value is None:
            r[7] = NONE
            return
        self._out(guest, r, value, 8, r[7])

    def lookup(self, guest: GuestAccess, r: list[int]) -> None:
        account = self._account(r[7])
        h = self._read(guest, r[8], 32)
        value = None if account is None else account.preimages.get(h)
        if value is None:
            r[7] = NONE
            return
        self._out(guest, r, value, 10, r[9])

    def read(self, guest: GuestAccess, r: list[int]) -> None:
        account = self._account(r[7])
        key = self._read(guest, r[8], r[9])
        value = None if account is None else account.storage.get(key)
        if value is None:
            r[7] = NONE
            return
        self._out(guest, r, value, 11, r[10])

    def write(self, guest: GuestAccess, r: list[int]) -> None:
        key = self._read(guest, r[7], r[8])
        value = None if r[10] == 0 else self._read(guest, r[9], r[10])
        account = self.x.self_account
        old = account.storage.get(key)
        more_items = (value is not None) - (old is not None)
        more_octets = (0 if value is None else 34 + len(key) + len(value)) - (0 if old is None else 34 + len(key) + len(old))
        if account.min_balance(self.spec, more_items, more_octets) > account.balance:
            r[7] = FULL
            return
        account.set_storage(key, value, old, known=True)
        r[7] = NONE if old is None else len(old)

    def info(self, guest: GuestAccess, r: list[int]) -> None:
        account = self._account(r[7]) if r[7] == M64 else self.x.state.accounts.get(r[7])
        if account is None:
            r[7] = NONE
            return
        value = (account.code_hash + struct.pack("<QQQQQ", account.balance, account.min_balance(self.spec),
                 account.min_item_gas, account.min_memo_gas, account.octets) + struct.pack("<I", account.items)
                 + struct.pack("<Q", account.gratis) + struct.pack("<III", account.created, account.last_acc, account.parent))
        self._out(guest, r, value, 9, r[8])

    # ------------------------------------------------------------------ accumulate functions (B.7)

    def bless(self, guest: GuestAccess, r: list[int]) -> None:
        m, a, v, reg, o, n = r[7:13]
        C = self.spec.core_count
        assigners = struct.unpack(f"<{C}I", self._read(guest, a, 4 * C))
        raw = self._read(guest, o, 12 * n) if n < (1 << 32) else self._panic()
        always = {struct.unpack_from("<I", raw, 12 * i)[0]: struct.unpack_from("<Q", raw, 12 * i + 4)[0] for i in range(n)}
        if max(m, v, reg) >= 1 << 32:
            r[7] = WHO
            return
        st = self.x.state
        st.manager, st.assigners, st.delegator, st.registrar, st.always_acc = m, assigners, v, reg, always
        r[7] = OK

    def assign(self, guest: GuestAccess, r: list[int]) -> None:
        c, o, a = r[7], r[8], r[9]
        Q = self.spec.auth_queue_size
        raw = self._read(guest, o, 32 * Q)
        st = self.x.state
        if c >= self.spec.core_count:
            r[7] = CORE
        elif self.x.id != st.assigners[c]:
            r[7] = HUH
        elif a >= 1 << 32:
            r[7] = WHO
        else:
            queues = list(st.auth_queues)
            queues[c] = tuple(raw[32 * i : 32 * i + 32] for i in range(Q))
            assigners = list(st.assigners)
            assigners[c] = a
            st.auth_queues, st.assigners = tuple(queues), tuple(assigners)
            r[7] = OK

    def designate(self, guest: GuestAccess, r: list[int]) -> None:
        V = self.spec.validators_count
        raw = self._read(guest, r[7], 336 * V)
        if self.x.id != self.x.state.delegator:
            r[7] = HUH
            return
        self.x.state.staging = tuple(
            ValidatorData(raw[i : i + 32], raw[i + 32 : i + 64], raw[i + 64 : i + 208], raw[i + 208 : i + 336])
            for i in range(0, 336 * V, 336)
        )
        r[7] = OK

    def checkpoint(self, guest: GuestAccess, r: list[int]) -> None:
        self.y = self.x.clone()
        r[7] = guest.gas

    def new(self, guest: GuestAccess, r: list[int]) -> None:
        o, l, g, m, f, wanted = r[7:13]
        code_hash = self._read(guest, o, 32)
        if l >= 1 << 32:
            raise _Panic
        x, st, spec = self.x, self.x.state, self.spec
        me = x.self_account
        new = Account(code_hash, 0, g, m, 0, f, 0, self.timeslot, 0, x.id)
        new.set_request(code_hash, l, ())
        new.balance = new.min_balance(spec)
        if f != 0 and x.id != st.manager:
            r[7] = HUH
        elif me.balance - new.balance < me.min_balance(spec):
            r[7] = CASH
        elif x.id == st.registrar and wanted < spec.min_public_service_index:
            if wanted in st.accounts:
                r[7] = FULL
            else:
                me.balance -= new.balance
                st.accounts[wanted] = new
                r[7] = wanted
        else:
            me.balance -= new.balance
            st.accounts[x.next_free_id] = new
            r[7] = x.next_free_id
            S = spec.min_public_service_index
            x.next_free_id = next_service_id(S + (x.next_free_id - S + 42) % (2**32 - S - 2**8), st.accounts, spec)

    def upgrade(self, guest: GuestAccess, r: list[int]) -> None:
        code_hash = self._read(guest, r[7], 32)
        me = self.x.self_account
        me.code_hash, me.min_item_gas, me.min_memo_gas = code_hash, r[8], r[9]
        r[7] = OK

    def transfer(self, guest: GuestAccess, r: list[int]) -> None:
        dest, amount, limit, o = r[7], r[8], r[9], r[10]
        memo = self._read(guest, o, self.spec.memo_size)
        accounts = self.x.state.accounts
        me = self.x.self_account
        if dest not in accounts:
            r[7] = WHO
        elif limit < accounts[dest].min_memo_gas:
            r[7] = LOW
        elif me.balance - amount < me.min_balance(self.spec):
            r[7] = CASH
        else:
            guest.gas -= limit  # t = l: the gas sent along is paid for only when the transfer happens
            if guest.gas < 0:
                raise _OutOfGas
            me.balance -= amount
            self.x.transfers.append(DeferredTransfer(self.x.id, dest, amount, memo, limit))
            r[7] = OK

    def eject(self, guest: GuestAccess, r: list[int]) -> None:
        d = r[7]
        h = self._read(guest, r[8], 32)
        x = self.x
        target = x.state.accounts.get(d) if d != x.id else None
        if target is None or target.code_hash != x.id.to_bytes(32, "little"):
            r[7] = WHO
            return
        length = max(81, target.octets) - 81
        status = self._request(target, h, length)
        if target.items != 2 or status is None:
            r[7] = HUH
        elif len(status) == 2 and status[1] < self.timeslot - self.spec.preimage_expunge_period:
            x.self_account.balance += target.balance
            del x.state.accounts[d]
            r[7] = OK
        else:
            r[7] = HUH

    @staticmethod
    def _request(account: Account, h: bytes, z: int) -> tuple[int, ...] | None:
        """a_l[(h, z)], or None: a length outside N_L can name no request (and has no state key)."""
        return account.requests.get((h, z)) if z < BLOB_LENGTHS else None

    def query(self, guest: GuestAccess, r: list[int]) -> None:
        h = self._read(guest, r[7], 32)
        status = self._request(self.x.self_account, h, r[8])
        if status is None:
            r[7], r[8] = NONE, 0
        elif len(status) == 0:
            r[7], r[8] = 0, 0
        elif len(status) == 1:
            r[7], r[8] = 1 + (status[0] << 32), 0
        elif len(status) == 2:
            r[7], r[8] = 2 + (status[0] << 32), status[1]
        else:
            r[7], r[8] = 3 + (status[0] << 32), status[1] + (status[2] << 32)

    def solicit(self, guest: GuestAccess, r: list[int]) -> None:
        """Ω_S. A length z ≥ 2^32 is outside N_L: the footprint check still applies as written
        (81 + z octets; the held-out 0.7.2 conformance traces answer FULL), and an account rich
        enough for it gets HUH, since no request key can hold z (GP PR #542 later says HUH)."""
        h = self._read(guest, r[7], 32)
        z = r[8]
        me = self.x.self_account
        status = self._request(me, h, z)
        if status is not None and len(status) != 2:
            r[7] = HUH
            return
        more = (2, 81 + z) if status is None else (0, 0)
        if me.balance < me.min_balance(self.spec, *more):
            r[7] = FULL
        elif z >= BLOB_LENGTHS:
            r[7] = HUH
        else:
            me.set_request(h, z, () if status is None else (*status, self.timeslot))
            r[7] = OK

    def forget(self, guest: GuestAccess, r: list[int]) -> None:
        h = self._read(guest, r[7], 32)
        z = r[8]
        me = self.x.self_account
        status = self._request(me, h, z)
        expired = self.timeslot - self.spec.preimage_expunge_period
        if status is None:
            r[7] = HUH
        elif len(status) == 0 or (len(status) == 2 and status[1] < expired):
            me.set_request(h, z, None)
            me.preimages.pop(h, None)
            r[7] = OK
        elif len(status) == 1:
            me.set_request(h, z, (status[0], self.timeslot))
            r[7] = OK
        elif len(status) == 3 and status[1] < expired:
            me.set_request(h, z, (status[2], self.timeslot))
            r[7] = OK
        else:
            r[7] = HUH

    def yield_(self, guest: GuestAccess, r: list[int]) -> None:
        self.x.yield_hash = self._read(guest, r[7], 32)
        r[7] = OK

    def provide(self, guest: GuestAccess, r: list[int]) -> None:
        x = self.x
        service = x.id if r[7] == M64 else r[7]
        blob = self._read(guest, r[8], r[9])
        account = x.state.accounts.get(service)
        if account is None:
            r[7] = WHO
        elif account.requests.get((hashlib.blake2b(blob, digest_size=32).digest(), r[9])) != ():
            r[7] = HUH
        elif (service, blob) in x.provisions:
            r[7] = HUH
        else:
            x.provisions.append((service, blob))
            r[7] = OK

    @staticmethod
    def _panic() -> bytes:
        raise _Panic
