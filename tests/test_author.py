"""The authorer: slot ownership, sealing, tickets, extrinsic selection and the budget. Every
authored block must import through the kernel importer with the root its author computed."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from jamliquor.author import (
    ExtrinsicPools, PooledTicket, TicketPool, TicketRejected, author_block, claim, contest_at, contest_of_state, prove_ticket,
    seal_header,
)
from jamliquor.author.tickets import select_tickets
from jamliquor.author.log import AuthoringLog, BudgetMeter
from jamliquor.block import BadEntropySource, BadParentStateRoot, BadSeal, extrinsic_hash, header_hash
from jamliquor.chainspec import dev_genesis, dev_preimages
from jamliquor.devchain import dev_pools
from jamliquor.crypto import bandersnatch
from jamliquor.importer import import_block
from jamliquor.keys import Keyring, dev_keys
from jamliquor.profiles import AuthorBudget
from jamliquor.seal import X_ENTROPY
from jamliquor.spec import TINY
from jamliquor.state import ChainState
from jamliquor.state.keys import component_key
from jamliquor.stf.safrole import BadTicketProof, UnexpectedTicket
from jamliquor.codec import encode
from jamliquor.types import AvailAssurance, Judgement, Preimage, TicketBody, TicketEnvelope, Verdict
from jamliquor.vectors.traces import load_step, step_files

KEYS = Keyring.dev(6)
ROOMY = AuthorBudget(bytes=1 << 20, items=1 << 10, gas=1 << 40)


@pytest.fixture(scope="module")
def genesis() -> ChainState:
    return dev_genesis(TINY, list(KEYS)).state


def _reseal(state: ChainState, slot: int, header):
    return seal_header(header, claim(state, slot, KEYS), TINY)


def test_slot_we_do_not_hold_yields_no_block(genesis: ChainState) -> None:
    sealer = genesis["safrole"].sealing_keys.value[1]  # fallback mode: a Bandersnatch key
    others = Keyring(k for k in KEYS if k.bandersnatch != sealer)
    assert claim(genesis, 1, others) is None
    assert author_block(genesis, 1, others) is None
    assert author_block(genesis, 0, KEYS) is None  # not after τ
    holder = Keyring(k for k in KEYS if k.bandersnatch == sealer)
    authored = author_block(genesis, 1, holder)
    assert authored is not None and authored.block.header.author_index == [k.bandersnatch for k in KEYS].index(sealer)


def test_authored_block_imports_with_the_authors_root(genesis: ChainState) -> None:
    pools = dev_pools(TINY)
    pools.preimages.submit(0, b"nobody asked for this")
    authored = author_block(genesis, 1, KEYS, pools, ROOMY)
    post = import_block(genesis, authored.block)
    assert post.root() == authored.log.state_root == authored.post_state.root()
    kinds = authored.log.kinds
    assert kinds["preimages"].included == 4 and kinds["preimages"].invalid == 1
    assert authored.block.header.parent_state_root == genesis.root()
    pools.prune(post, authored.block)
    assert len(pools.preimages) == 1  # only the unsolicited one is left


@pytest.fixture(scope="module")
def ticketed_block(genesis: ChainState):
    """Slot 2 with tickets in E_T (our own, proved on demand)."""
    state = import_block(genesis, author_block(genesis, 1, KEYS).block)
    pools = ExtrinsicPools(TINY)
    pools.tickets.add_own(contest_of_state(state), KEYS)
    authored = author_block(state, 2, KEYS, pools, ROOMY)
    assert len(authored.block.extrinsic.tickets) == TINY.max_tickets_per_block
    return state, authored


def test_tampered_seal_is_rejected(ticketed_block) -> None:
    state, authored = ticketed_block
    seal = bytearray(authored.block.header.seal)
    seal[5] ^= 1
    with pytest.raises(BadSeal):
        import_block(state, attrs.evolve(authored.block, header=attrs.evolve(authored.block.header, seal=bytes(seal))))


def test_tampered_entropy_source_is_rejected(ticketed_block) -> None:
    state, authored = ticketed_block
    slot_claim = claim(state, 2, KEYS)
    forged = bandersnatch.ietf_sign(slot_claim.keys.bandersnatch_secret, X_ENTROPY + bytes(32), b"")  # valid VRF, wrong input
    header = _reseal(state, 2, attrs.evolve(authored.block.header, entropy_source=forged))  # the seal itself is fine
    with pytest.raises(BadEntropySource):
        import_block(state, attrs.evolve(authored.block, header=header))


def test_tampered_ticket_is_rejected(ticketed_block) -> None:
    state, authored = ticketed_block
    block = authored.block
    proof = bytearray(block.extrinsic.tickets[0].signature)
    proof[100] ^= 1
    for bad in (TicketEnvelope(0, bytes(proof)), attrs.evolve(block.extrinsic.tickets[0], attempt=(block.extrinsic.tickets[0].attempt + 1) % 3)):
        extrinsic = attrs.evolve(block.extrinsic, tickets=(bad, *block.extrinsic.tickets[1:]))
        header = _reseal(state, 2, attrs.evolve(block.header, extrinsic_hash=extrinsic_hash(extrinsic, TINY)))
        with pytest.raises(BadTicketProof):
            import_block(state, attrs.evolve(block, header=header, extrinsic=extrinsic))


def test_wrong_parent_state_root_is_rejected(ticketed_block) -> None:
    """GP header.tex: H_R is the prior state's root (eq. 5.8)."""
    state, authored = ticketed_block
    header = _reseal(state, 2, attrs.evolve(authored.block.header, parent_state_root=bytes(32)))
    with pytest.raises(BadParentStateRoot):
        import_block(state, attrs.evolve(authored.block, header=header))


def test_more_tickets_than_the_block_limit_are_rejected(ticketed_block) -> None:
    """`eq:enforceticketlimit`: at most K tickets per block in the submission period."""
    state, authored = ticketed_block
    block = authored.block
    extrinsic = attrs.evolve(block.extrinsic, tickets=(*block.extrinsic.tickets, block.extrinsic.tickets[-1]))
    header = _reseal(state, 2, attrs.evolve(block.header, extrinsic_hash=extrinsic_hash(extrinsic, TINY)))
    with pytest.raises(UnexpectedTicket, match="at most 3"):
        import_block(state, attrs.evolve(block, header=header, extrinsic=extrinsic))


def test_budget_limits_what_is_included(genesis: ChainState) -> None:
    pools = dev_pools(TINY)
    sizes = sorted(len(encode(Preimage(0, b), TINY)) for b in dev_preimages())
    tight = author_block(genesis, 1, KEYS, pools, AuthorBudget(bytes=sizes[0] + sizes[1], items=100, gas=0))
    assert len(tight.block.extrinsic.preimages) == 2 and tight.log.kinds["preimages"].cut == {"bytes": 2}
    assert tight.log.bytes_used <= sizes[0] + sizes[1]
    one = author_block(genesis, 1, KEYS, pools, AuthorBudget(bytes=1 << 20, items=1, gas=0))
    assert len(one.block.extrinsic.preimages) == 1 and one.log.kinds["preimages"].cut == {"items": 3}
    for authored in (tight, one):
        assert import_block(genesis, authored.block).root() == authored.log.state_root
    assert "cut 2 by bytes" in tight.log.summary() and tight.log.to_json()["extrinsics"]["preimages"]["cut"] == {"bytes": 2}


def test_budget_limits_tickets(ticketed_block) -> None:
    state, _ = ticketed_block
    pools = ExtrinsicPools(TINY)
    pools.tickets.add_own(contest_of_state(state), KEYS)
    authored = author_block(state, 2, KEYS, pools, AuthorBudget(bytes=1 << 20, items=1, gas=0))
    assert len(authored.block.extrinsic.tickets) == 1 and authored.log.kinds["tickets"].cut == {"items": 2, "per-block": 9}


def test_invalid_pool_items_are_dropped(genesis: ChainState) -> None:
    pools = ExtrinsicPools(TINY)
    parent = genesis["recent_blocks"].history[-1].header_hash
    pools.assurances.add(AvailAssurance(parent, bytes(1), 0, bytes(64)))  # bad signature
    pools.disputes.add(Verdict(bytes(32), 0, tuple(Judgement(True, i, bytes(64)) for i in range(5))))
    authored = author_block(genesis, 1, KEYS, pools, ROOMY)
    kinds = authored.log.kinds
    assert kinds["assurances"].invalid == 1 and kinds["disputes"].invalid == 1
    assert not authored.block.extrinsic.assurances and not authored.block.extrinsic.disputes.verdicts
    assert import_block(genesis, authored.block).root() == authored.log.state_root


def test_ticket_pool_checks_peer_tickets(genesis: ChainState) -> None:
    ctx = contest_of_state(genesis)
    envelope = prove_ticket(ctx, dev_keys(1)[0], 1)
    pool = TicketPool()
    with pytest.raises(TicketRejected, match="no known ticket contest"):
        pool.add(ctx.epoch, envelope)
    pool.contest(ctx)
    tid = pool.add(ctx.epoch, envelope)
    assert tid == bandersnatch.vrf_output(dev_keys(1)[0].bandersnatch_secret, ctx.vrf_input(1))
    assert pool.candidates(ctx) == [tid]
    proof = bytearray(envelope.signature)
    proof[0] ^= 1
    for bad in (TicketEnvelope(1, bytes(proof)), TicketEnvelope(0, envelope.signature), TicketEnvelope(3, envelope.signature)):
        with pytest.raises(TicketRejected):
            pool.add(ctx.epoch, bad)


def test_own_tickets_proved_at_once_verify_as_a_peer_would(genesis: ChainState) -> None:
    ctx = contest_of_state(genesis)
    own = TicketPool().add_own(ctx, Keyring(dev_keys(1)), prove_now=True)
    assert len(own) == TINY.tickets_per_validator and all(entry.envelope is not None for _, entry in own)
    peer = TicketPool()
    peer.contest(ctx)
    assert [peer.add(ctx.epoch, entry.get()) for _, entry in own] == [tid for tid, _ in own]


def test_ticket_selection_keeps_only_tickets_entering_the_accumulator(genesis: ChainState) -> None:
    ctx = contest_of_state(genesis)
    pool = TicketPool()
    entries = pool.contest(ctx)
    for i in range(1, 30, 2):  # odd ids 1..29
        entries[bytes([i]) * 32] = PooledTicket(0, TicketEnvelope(0, bytes(784)))
    base = tuple(TicketBody(bytes([i]) * 32, 0) for i in range(0, 24, 2))  # a full accumulator: even ids 0..22
    log = AuthoringLog(1, 0, False, ROOMY)
    chosen = select_tickets(pool, ctx, base, 16, 12, BudgetMeter(ROOMY, log))
    # Only 1, 3, …, 11 enter the lowest 12 of the union (eq. 6.34/6.35); 13 and up would fall out.
    assert [e.attempt for e in chosen] == [0] * 6 and log.kinds["tickets"].offered == 15 and log.kinds["tickets"].cut == {}
    log = AuthoringLog(1, 0, False, ROOMY)
    assert len(select_tickets(pool, ctx, base, 4, 12, BudgetMeter(ROOMY, log))) == 4
    assert log.kinds["tickets"].cut == {"per-block": 2}


def _reauthor(state: ChainState, block, budget: AuthorBudget = ROOMY):
    pools = ExtrinsicPools(TINY)
    x = block.extrinsic
    if x.tickets:
        ctx = contest_at(state, block.header.slot)
        pools.tickets.contest(ctx)
        for envelope in x.tickets:
            pools.tickets.add(ctx.epoch, envelope)
    for p in x.preimages:
        pools.preimages.submit(p.requester, p.blob)
    for g in x.guarantees:
        pools.guarantees.add(g)
    for a in x.assurances:
        pools.assurances.add(a)
    return author_block(state, block.header.slot, KEYS, pools, budget)


@pytest.mark.parametrize("category, index", [("safrole", 11), ("safrole", 12), ("preimages_light", 7), ("storage", 5)])
def test_reauthors_official_trace_blocks(vectors: Path, category: str, index: int) -> None:
    """Given a trace block's extrinsics as pools, the authorer makes the same extrinsic and header
    (but for the seal's signature bytes) and reaches the trace's posterior state, except that
    β_H records our header's hash (VRF outputs, hence η'_0, are deterministic)."""
    step = load_step(step_files(vectors / "traces" / category)[index], TINY)
    state = ChainState.from_keyvals(((kv.key, kv.value) for kv in step.pre_state.keyvals), TINY)
    authored = _reauthor(state, step.block)
    assert authored.block.extrinsic == step.block.extrinsic
    assert attrs.evolve(authored.block.header, seal=step.block.header.seal) == step.block.header
    want = ChainState.from_keyvals(((kv.key, kv.value) for kv in step.post_state.keyvals), TINY)
    got = authored.post_state
    assert {k for k in set(got.kv) | set(want.kv) if got.kv.get(k) != want.kv.get(k)} <= {component_key(3)}
    ours, theirs = got["recent_blocks"], want["recent_blocks"]
    assert ours.history[-1].header_hash == header_hash(authored.block.header, TINY)
    assert attrs.evolve(ours.history[-1], header_hash=theirs.history[-1].header_hash) == theirs.history[-1]
    assert ours.history[:-1] == theirs.history[:-1] and ours.mmr == theirs.mmr


def test_gas_budget_cuts_guarantees(vectors: Path) -> None:
    step = load_step(step_files(vectors / "traces" / "preimages_light")[7], TINY)
    state = ChainState.from_keyvals(((kv.key, kv.value) for kv in step.pre_state.keyvals), TINY)
    gas = [sum(d.accumulate_gas for d in g.report.results) for g in step.block.extrinsic.guarantees]
    authored = _reauthor(state, step.block, AuthorBudget(bytes=1 << 20, items=1 << 10, gas=gas[0]))
    assert authored.block.extrinsic.guarantees == step.block.extrinsic.guarantees[:1]
    assert authored.log.kinds["guarantees"].cut == {"gas": len(gas) - 1} and authored.log.gas_used == gas[0]
    assert import_block(state, authored.block).root() == authored.log.state_root


def test_budget_comes_from_the_device_profile_and_config(tmp_path: Path) -> None:
    from jamliquor.config import ConfigError, load_config, write_plugins
    from jamliquor.profiles import DEVICE_PROFILES

    assert load_config(tmp_path / "none.toml", env={}).budget() == DEVICE_PROFILES["edge"]
    env = {"JAMLIQUOR_DEVICE_PROFILE": "desktop", "JAMLIQUOR_AUTHOR_BUDGET": "bytes=1000, gas=5"}
    budget = load_config(tmp_path / "none.toml", env=env).budget()
    assert budget == attrs.evolve(DEVICE_PROFILES["desktop"], bytes=1000, gas=5)
    config = tmp_path / "jamliquor.toml"
    config.write_text('device_profile = "server"\nauthor_budget = { items = 7 }\n')
    assert load_config(config, env={}).budget().items == 7
    write_plugins(config, ("polkavm",))  # other keys, tables included, survive an edit
    assert load_config(config, env={}).budget().items == 7
    for bad in ({"JAMLIQUOR_DEVICE_PROFILE": "phone"}, {"JAMLIQUOR_AUTHOR_BUDGET": "bytes=-1"},
                {"JAMLIQUOR_AUTHOR_BUDGET": "speed=3"}, {"JAMLIQUOR_AUTHOR_BUDGET": "bytes"}):
        with pytest.raises(ConfigError):
            load_config(tmp_path / "none.toml", env=bad)
    assert AuthorBudget(1, 1, 2**64 - 1).limited_by(TINY.max_block_gas).gas == TINY.max_block_gas
