"""Accumulate host calls (GP v0.7.2 appendix B.7), one test per result code, built from the GP's
definitions: bless, assign, designate, checkpoint, new, upgrade, provide — the calls no official
vector or trace exercises — and the out-of-range cases of solicit, query and forget."""

from __future__ import annotations

import hashlib
import struct

import pytest
from host_context import ME, NEXT_ID, OTHER, SLOT, account, host
from host_guest import READ, FakeGuest
from jamliquor.execution import HostOutcome
from jamliquor.spec import TINY
from jamliquor.stf import host_calls as H

BUF = 0x10000  # a mapped, writable guest buffer
M64 = 2**64 - 1


def call(h: H.AccumulateHost, index: int, *args: int, guest: FakeGuest | None = None) -> tuple[HostOutcome, FakeGuest]:
    g = guest or FakeGuest()
    for i, v in enumerate(args):
        g.registers[7 + i] = v
    return h(index, g), g


def mapped(data: bytes, access: int = 2) -> FakeGuest:
    g = FakeGuest()
    g.map(BUF, data, access)
    return g


def one_short(data: bytes) -> tuple[int, FakeGuest]:
    """`data` minus its last octet mapped so that it ends at a page end: (address, guest)."""
    g = FakeGuest()
    address = BUF + 4096 - (len(data) - 1)
    g.map(address, data[:-1])
    return address, g


# --------------------------------------------------------------------------- bless (14)

def test_bless_sets_privileges_and_always_accumulate() -> None:
    C = TINY.core_count
    assigners = struct.pack(f"<{C}I", *range(10, 10 + C))
    always = struct.pack("<IQ", 7, 1234) + struct.pack("<IQ", 9, 5)
    g = mapped(assigners + always)
    h = host()
    out, g = call(h, H.BLESS, 3, BUF, 4, 5, BUF + 4 * C, 2, guest=g)
    st = h.x.state
    assert out is HostOutcome.CONTINUE and g.registers[7] == H.OK
    assert (st.manager, st.assigners, st.delegator, st.registrar) == (3, tuple(range(10, 10 + C)), 4, 5)
    assert st.always_acc == {7: 1234, 9: 5}


def test_bless_who_when_an_index_is_not_a_service_id() -> None:
    g = mapped(bytes(4 * TINY.core_count))
    h = host(manager=1)
    out, g = call(h, H.BLESS, 2**32, BUF, 0, 0, BUF, 0, guest=g)
    assert out is HostOutcome.CONTINUE and g.registers[7] == H.WHO and h.x.state.manager == 1


@pytest.mark.parametrize("unreadable", ["assigners", "always"])
def test_bless_panics_on_unreadable_arguments(unreadable: str) -> None:
    g = mapped(bytes(4 * TINY.core_count))
    a, o = (0x900000, BUF) if unreadable == "assigners" else (BUF, 0x900000)
    out, g = call(host(), H.BLESS, 1, a, 1, 1, o, 1, guest=g)
    assert out is HostOutcome.PANIC and g.registers[7] == 1


# --------------------------------------------------------------------------- assign (15)

QUEUE = b"".join(bytes([i]) * 32 for i in range(TINY.auth_queue_size))


def test_assign_replaces_queue_and_assigner() -> None:
    h = host(assigner=ME)
    out, g = call(h, H.ASSIGN, 1, BUF, OTHER, guest=mapped(QUEUE))
    assert g.registers[7] == H.OK and h.x.state.auth_queues[1][5] == bytes([5]) * 32
    assert h.x.state.assigners[1] == OTHER and h.x.state.assigners[0] == ME


@pytest.mark.parametrize("core, assigner, new, code", [
    (TINY.core_count, ME, OTHER, H.CORE),  # no such core
    (0, OTHER, OTHER, H.HUH),  # not the core's assigner
    (0, ME, 2**32, H.WHO),  # new assigner not a service id
])
def test_assign_result_codes(core: int, assigner: int, new: int, code: int) -> None:
    h = host(assigner=assigner)
    before = (h.x.state.auth_queues, h.x.state.assigners)
    out, g = call(h, H.ASSIGN, core, BUF, new, guest=mapped(QUEUE))
    assert out is HostOutcome.CONTINUE and g.registers[7] == code
    assert (h.x.state.auth_queues, h.x.state.assigners) == before


def test_assign_panics_before_checking_the_core() -> None:
    address, g = one_short(QUEUE)
    out, g = call(host(assigner=ME), H.ASSIGN, 2**64 - 1, address, 0, guest=g)
    assert out is HostOutcome.PANIC


# --------------------------------------------------------------------------- designate (16)

KEYS = bytes(range(256)) * (336 * TINY.validators_count // 256) + bytes(336 * TINY.validators_count % 256)


def test_designate_sets_staging_keys() -> None:
    h = host(delegator=ME)
    out, g = call(h, H.DESIGNATE, BUF, guest=mapped(KEYS))
    assert g.registers[7] == H.OK and len(h.x.state.staging) == TINY.validators_count
    v = h.x.state.staging[1]
    assert v.bandersnatch + v.ed25519 + v.bls + v.metadata == KEYS[336:672]


def test_designate_huh_when_not_the_delegator() -> None:
    h = host(delegator=OTHER)
    out, g = call(h, H.DESIGNATE, BUF, guest=mapped(KEYS))
    assert g.registers[7] == H.HUH and h.x.state.staging == ()


def test_designate_panics_on_short_memory() -> None:
    address, g = one_short(KEYS)
    out, _ = call(host(delegator=ME), H.DESIGNATE, address, guest=g)
    assert out is HostOutcome.PANIC


# --------------------------------------------------------------------------- checkpoint (17)

def test_checkpoint_copies_x_into_y_and_returns_gas() -> None:
    h = host()
    h.x.self_account.balance = 42
    out, g = call(h, H.CHECKPOINT, guest=FakeGuest(gas=1000))
    assert out is HostOutcome.CONTINUE and g.registers[7] == 990 == g.gas
    assert h.y.self_account.balance == 42
    h.x.self_account.balance = 7  # y is a copy, not an alias
    assert h.y.self_account.balance == 42


# --------------------------------------------------------------------------- new (18)

CODE = b"\xaa" * 32


def new_account_min_balance(length: int) -> int:
    return TINY.base_deposit + 2 * TINY.item_deposit + (81 + length) * TINY.byte_deposit


def test_new_creates_account_at_next_free_id() -> None:
    h = host()
    before = h.x.self_account.balance
    out, g = call(h, H.NEW, BUF, 100, 11, 22, 0, 0, guest=mapped(CODE))
    assert g.registers[7] == NEXT_ID
    a = h.x.state.accounts[NEXT_ID]
    assert (a.code_hash, a.min_item_gas, a.min_memo_gas, a.created, a.parent) == (CODE, 11, 22, SLOT, ME)
    assert a.requests[(CODE, 100)] == () and a.balance == new_account_min_balance(100)
    assert h.x.self_account.balance == before - a.balance
    S = TINY.min_public_service_index
    assert h.x.next_free_id == S + (NEXT_ID - S + 42) % (2**32 - S - 2**8)


def test_new_reserved_id_for_the_registrar() -> None:
    h = host(registrar=ME)
    out, g = call(h, H.NEW, BUF, 0, 0, 0, 0, 77, guest=mapped(CODE))
    assert g.registers[7] == 77 and 77 in h.x.state.accounts and h.x.next_free_id == NEXT_ID
    out, g = call(h, H.NEW, BUF, 0, 0, 0, 0, 77, guest=mapped(CODE))
    assert g.registers[7] == H.FULL


def test_new_huh_gratis_without_being_manager() -> None:
    out, g = call(host(manager=OTHER), H.NEW, BUF, 0, 0, 0, 5, 0, guest=mapped(CODE))
    assert g.registers[7] == H.HUH


def test_new_cash_when_the_creator_cannot_pay() -> None:
    h = host(accounts={ME: account(balance=TINY.base_deposit + 10)})
    out, g = call(h, H.NEW, BUF, 0, 0, 0, 0, 0, guest=mapped(CODE))
    assert g.registers[7] == H.CASH and set(h.x.state.accounts) == {ME}


@pytest.mark.parametrize("address, length", [(0x900000, 0), (BUF, 2**32)])
def test_new_panics_on_unreadable_hash_or_length_outside_n32(address: int, length: int) -> None:
    out, g = call(host(), H.NEW, address, length, 0, 0, 0, 0, guest=mapped(CODE))
    assert out is HostOutcome.PANIC and g.registers[7] == address


# --------------------------------------------------------------------------- upgrade (19)

def test_upgrade_sets_code_hash_and_gas_limits() -> None:
    h = host()
    out, g = call(h, H.UPGRADE, BUF, 2**64 - 1, 9, guest=mapped(CODE))
    me = h.x.self_account
    assert g.registers[7] == H.OK and (me.code_hash, me.min_item_gas, me.min_memo_gas) == (CODE, 2**64 - 1, 9)


def test_upgrade_panics_on_unreadable_hash() -> None:
    out, _ = call(host(), H.UPGRADE, BUF + 4090, 0, 0, guest=mapped(CODE))
    assert out is HostOutcome.PANIC


# --------------------------------------------------------------------------- provide (26)

BLOB = b"hello preimage"
BLOB_HASH = hashlib.blake2b(BLOB, digest_size=32).digest()


def provide_host(status=()) -> H.AccumulateHost:
    other = account()
    if status is not None:
        other.set_request(BLOB_HASH, len(BLOB), status)
    return host(accounts={ME: account(), OTHER: other})


def test_provide_ok_then_huh_for_a_duplicate() -> None:
    h = provide_host()
    out, g = call(h, H.PROVIDE, OTHER, BUF, len(BLOB), guest=mapped(BLOB))
    assert g.registers[7] == H.OK and h.x.provisions == [(OTHER, BLOB)]
    out, g = call(h, H.PROVIDE, OTHER, BUF, len(BLOB), guest=mapped(BLOB))
    assert g.registers[7] == H.HUH and h.x.provisions == [(OTHER, BLOB)]


def test_provide_to_self_with_the_all_ones_selector() -> None:
    me = account()
    me.set_request(BLOB_HASH, len(BLOB), ())
    h = host(accounts={ME: me})
    out, g = call(h, H.PROVIDE, M64, BUF, len(BLOB), guest=mapped(BLOB))
    assert g.registers[7] == H.OK and h.x.provisions == [(ME, BLOB)]


@pytest.mark.parametrize("service, status, code", [(12345, (), H.WHO), (OTHER, None, H.HUH), (OTHER, (3,), H.HUH)])
def test_provide_who_and_huh(service: int, status, code: int) -> None:
    out, g = call(provide_host(status), H.PROVIDE, service, BUF, len(BLOB), guest=mapped(BLOB))
    assert g.registers[7] == code


def test_provide_panics_on_unreadable_blob() -> None:
    out, _ = call(provide_host(), H.PROVIDE, OTHER, BUF, 2**32, guest=mapped(BLOB, READ))
    assert out is HostOutcome.PANIC


# --------------------------------------------------------------------------- lengths outside N_L

def test_solicit_length_beyond_2_32_is_full_for_an_ordinary_balance() -> None:
    h = host()
    out, g = call(h, H.SOLICIT, BUF, 2**32, guest=mapped(CODE))
    assert out is HostOutcome.CONTINUE and g.registers[7] == H.FULL


def test_solicit_length_beyond_2_32_is_huh_for_a_rich_account() -> None:
    h = host(accounts={ME: account(balance=2**63)})
    out, g = call(h, H.SOLICIT, BUF, 2**32, guest=mapped(CODE))
    assert out is HostOutcome.CONTINUE and g.registers[7] == H.HUH and not h.x.self_account.items


def test_query_and_forget_lengths_beyond_2_32_find_nothing() -> None:
    out, g = call(host(), H.QUERY, BUF, 2**40, guest=mapped(CODE))
    assert (g.registers[7], g.registers[8]) == (H.NONE, 0)
    out, g = call(host(), H.FORGET, BUF, 2**40, guest=mapped(CODE))
    assert g.registers[7] == H.HUH


def test_out_of_gas_before_the_call_changes_nothing() -> None:
    h = host(delegator=ME)
    out, g = call(h, H.DESIGNATE, BUF, guest=FakeGuest(gas=9))
    assert out is HostOutcome.OUT_OF_GAS and h.x.state.staging == ()
