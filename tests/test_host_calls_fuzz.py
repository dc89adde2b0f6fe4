"""Every accumulate host call (GP v0.7.2 appendix B.6–B.7) on arbitrary 64-bit registers, memory
layouts and account states gives a GP outcome, never a Python exception.

For each call the test knows only what the GP's definitions say about *any* input: which memory
ranges must be readable (else the machine panics, with ω_7 and the context unchanged), which
output range must be writable, which result codes the call can set, that only ω_7 (and ω_8 for
query) change, and that the call costs 10 gas (10 + l for a successful transfer).
"""

from __future__ import annotations

import pytest
from host_context import ME, OTHER, account, host
from host_guest import FakeGuest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jamliquor.execution import HostOutcome
from jamliquor.spec import TINY
from jamliquor.stf import host_calls as H

BUF = 0x20000
M64 = 2**64 - 1
C, Q, V, W_T = TINY.core_count, TINY.auth_queue_size, TINY.validators_count, TINY.memo_size
ANY = None  # any value is a GP outcome for ω_7

# call → (input ranges that must be readable, output range that must be writable, codes ω_7 may take)
# Ranges are functions of the registers r: (address, length).
CALLS = {
    H.GAS: ((), None, ANY),
    H.FETCH: ((), lambda r: (r[7], r[9]), ANY),
    H.LOOKUP: ((lambda r: (r[8], 32),), lambda r: (r[9], r[11]), ANY),
    H.READ: ((lambda r: (r[8], r[9]),), lambda r: (r[10], r[12]), ANY),
    H.WRITE: ((lambda r: (r[7], r[8]), lambda r: (r[9], r[10])), None, ANY),
    H.INFO: ((), lambda r: (r[8], r[10]), ANY),
    H.BLESS: ((lambda r: (r[8], 4 * C), lambda r: (r[11], 12 * r[12])), None, {H.OK, H.WHO}),
    H.ASSIGN: ((lambda r: (r[8], 32 * Q),), None, {H.OK, H.CORE, H.HUH, H.WHO}),
    H.DESIGNATE: ((lambda r: (r[7], 336 * V),), None, {H.OK, H.HUH}),
    H.CHECKPOINT: ((), None, ANY),
    H.NEW: ((lambda r: (r[7], 32),), None, ANY),
    H.UPGRADE: ((lambda r: (r[7], 32),), None, {H.OK}),
    H.TRANSFER: ((lambda r: (r[10], W_T),), None, {H.OK, H.WHO, H.LOW, H.CASH}),
    H.EJECT: ((lambda r: (r[8], 32),), None, {H.OK, H.WHO, H.HUH}),
    H.QUERY: ((lambda r: (r[7], 32),), None, ANY),
    H.SOLICIT: ((lambda r: (r[7], 32),), None, {H.OK, H.HUH, H.FULL}),
    H.FORGET: ((lambda r: (r[7], 32),), None, {H.OK, H.HUH}),
    H.YIELD: ((lambda r: (r[7], 32),), None, {H.OK}),
    H.PROVIDE: ((lambda r: (r[8], r[9]),), None, {H.OK, H.WHO, H.HUH}),
    H.LOG: ((), None, ANY),
    99: ((), None, {H.WHAT}),  # not a host call: WHAT
}

EDGES = [0, 1, 7, 31, 32, 2**16 - 1, 2**16, 2**31, 2**32 - 1, 2**32, 2**63, M64 - 1, M64, ME, OTHER]
register = st.one_of(
    st.sampled_from(EDGES),
    st.integers(0, 4096),
    st.integers(BUF - 64, BUF + 2 * 4096 + 64),  # near and across the mapped pages
    st.integers(0, M64),
)


def entries(m) -> tuple:
    return tuple(sorted(m.overlay.items() if hasattr(m, "overlay") else m.items(), key=repr))


def fingerprint(h: H.AccumulateHost) -> tuple:
    def accts(x):
        return tuple(sorted(
            (s, a.code_hash, a.balance, a.min_item_gas, a.min_memo_gas, a.octets, a.gratis, a.items, a.created,
             a.last_acc, a.parent, entries(a.storage), entries(a.preimages), entries(a.requests))
            for s, a in x.state.accounts.items()))

    def ctx(x):
        s = x.state
        return (accts(x), s.staging, s.auth_queues, s.manager, s.assigners, s.delegator, s.registrar,
                tuple(sorted(s.always_acc.items())), x.next_free_id, tuple(x.transfers), x.yield_hash,
                tuple(x.provisions))

    return ctx(h.x), ctx(h.y)


@pytest.mark.parametrize("index", sorted(CALLS), ids=lambda i: f"call{i}")
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_registers_give_a_gp_outcome(index: int, data) -> None:
    inputs, output, codes = CALLS[index]
    regs = [data.draw(register) for _ in range(13)]
    gas = data.draw(st.one_of(st.integers(0, 20), st.integers(0, 2**24)))
    balance = data.draw(st.one_of(st.sampled_from([0, 100, 10**6, 2**63, M64]), st.integers(0, M64)))
    me = account(balance=balance, min_memo_gas=data.draw(st.sampled_from([0, 10, M64])))
    me.set_storage(b"k", b"v")
    me.set_request(b"\x00" * 32, 32, data.draw(st.sampled_from([(), (1,), (1, 2), (1, 2, 3)])))
    h = host(manager=data.draw(st.sampled_from([0, ME])), assigner=data.draw(st.sampled_from([0, ME])),
             delegator=data.draw(st.sampled_from([0, ME])), registrar=data.draw(st.sampled_from([0, ME])),
             accounts={ME: me, OTHER: account(balance=data.draw(st.integers(0, M64)))})
    g = FakeGuest(regs, gas)
    g.map(BUF, data.draw(st.binary(min_size=0, max_size=64)), data.draw(st.sampled_from([1, 2])), length=4096)
    g.map(BUF + 4096, b"", data.draw(st.sampled_from([0, 1, 2])), length=4096)
    before_ctx, before_mem = fingerprint(h), g.snapshot()

    outcome = h(index, g)  # must not raise

    r = g.registers
    unchanged = fingerprint(h) == before_ctx and g.snapshot() == before_mem and r[7] == regs[7]
    if gas < 10:
        assert outcome is HostOutcome.OUT_OF_GAS and unchanged
        return
    must_panic = any(not g.is_readable(*f(regs)) for f in inputs) or (index == H.NEW and regs[8] >= 2**32)
    if outcome is HostOutcome.PANIC:
        assert unchanged
        assert must_panic or (output is not None and not g.is_writable(*output(regs)))
        return
    assert not must_panic, "the GP panics on an unreadable argument"
    if outcome is HostOutcome.OUT_OF_GAS:  # only a transfer's l can exceed the gas once it succeeds
        assert index == H.TRANSFER and unchanged
        return
    assert outcome is HostOutcome.CONTINUE
    assert r[:7] == regs[:7] and r[9:] == regs[9:] and (index == H.QUERY or r[8] == regs[8])
    assert codes is ANY or r[7] in codes, f"ω_7 = {r[7]:#x}"
    spent = regs[9] if index == H.TRANSFER and r[7] == H.OK else 0
    assert g.gas == gas - 10 - spent
    if index in (H.NEW,) and r[7] < 2**32:
        assert r[7] in h.x.state.accounts
    if output is None:
        assert g.snapshot() == before_mem
