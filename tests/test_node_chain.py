"""The node's chain: blocks and states in the store, forks, the GP best-chain rule, the
finality rule, CE 128 walks, and resuming from the store."""

from __future__ import annotations

import attrs
import pytest

from jamliquor.author import ExtrinsicPools, author_block
from jamliquor.chainspec import dev_preimages
from jamliquor.block import BadParentStateRoot, header_hash
from jamliquor.importer import import_block
from jamliquor.keys import Keyring
from jamliquor.node.chain import BlockInfo, Chain, FutureBlockError, StaleBlockError, UnknownParentError
from jamliquor.store import StateStore
from node_support import dev_chain


def _add(chain: Chain, block, post=None):
    state = chain.state(block.header.parent)
    post = post or import_block(state, block)
    return chain.add(block, post)


def test_blocks_and_states_persist_and_the_chain_resumes(tmp_path):
    chainspec, blocks, states = dev_chain(6)
    with StateStore(tmp_path / "db") as store:
        chain = Chain(chainspec, store)
        assert chain.best().header_hash == chainspec.genesis_hash() and chain.best().slot == 0
        events = []
        for block, post in zip(blocks, states):
            events += _add(chain, block, post).events
        head = header_hash(blocks[-1].header, chainspec.spec)
        assert chain.best().header_hash == head
        assert [e.kind for e in events].count("imported") == 6
        assert chain.block(head) == blocks[-1] and chain.header(head) == blocks[-1].header
        assert chain.parent(head).header_hash == blocks[-1].header.parent
        assert chain.state(head).root() == states[-1].root()
        assert chain.statistics(head) == states[-1]["statistics"]
        final = chain.finalized()
    with StateStore(tmp_path / "db") as store:  # a restarted node resumes from its store
        again = Chain(chainspec, store)
        assert again.best().header_hash == head and again.finalized() == final
        assert again.state(head).root() == states[-1].root()


def test_checks_before_import(tmp_path):
    chainspec, blocks, states = dev_chain(3)
    with StateStore(tmp_path / "db") as store:
        chain = Chain(chainspec, store)
        with pytest.raises(UnknownParentError):
            chain.check(blocks[1])
        with pytest.raises(FutureBlockError):
            chain.check(blocks[0], now_slot=blocks[0].header.slot - 1)
        lying = attrs.evolve(blocks[0], header=attrs.evolve(blocks[0].header, parent_state_root=bytes(32)))
        with pytest.raises(BadParentStateRoot):
            chain.check(lying)
        assert chain.check(blocks[0]).hash == chainspec.genesis_hash()


def test_best_chain_prefers_ticket_sealed_ancestry_then_length_and_skips_equivocations(tmp_path):
    chainspec, blocks, states = dev_chain(4)
    keyring = Keyring.dev(6)
    spec = chainspec.spec
    with StateStore(tmp_path / "db") as store:
        chain = Chain(chainspec, store)
        for block, post in zip(blocks[:2], states[:2]):
            _add(chain, block, post)
        # A fork: another block on blocks[0], at a slot after blocks[3]'s (no slot shared).
        base = states[0]
        slot = blocks[3].header.slot + 1
        fork = None
        while fork is None:
            fork = author_block(base, slot, keyring)
            slot += 1
        chain.add(fork.block, fork.post_state)
        fork_hash = header_hash(fork.block.header, spec)
        main_hash = header_hash(blocks[1].header, spec)
        # Same weight (all fallback-sealed) and height: the lower header hash wins.
        assert chain.best().header_hash == min(main_hash, fork_hash)
        assert {b.hash for b in chain.leaves()} == {main_hash, fork_hash}
        # The main chain grows longer: it is best now.
        _add(chain, blocks[2], states[2])
        assert chain.best().header_hash == header_hash(blocks[2].header, spec)
        # Weight: a ticket-sealed block counts more than any length (checked on the records).
        a = BlockInfo(b"a" * 32, bytes(32), 5, 0, True, 3, 4, bytes(32))
        b = BlockInfo(b"b" * 32, bytes(32), 9, 0, False, 2, 9, bytes(32))
        assert min((a, b), key=lambda x: (-x.weight, -x.height, x.hash)) is a


def test_equivocating_slot_is_not_acceptable(tmp_path):
    chainspec, blocks, states = dev_chain(3)
    spec = chainspec.spec
    with StateStore(tmp_path / "db") as store:
        chain = Chain(chainspec, store)
        _add(chain, blocks[0], states[0])
        # Two different blocks of the same slot: the genuine one and one with other extrinsics.
        keyring = Keyring.dev(6)
        pools = ExtrinsicPools(spec)
        pools.preimages.submit(0, dev_preimages()[0])
        other = author_block(states[0], blocks[1].header.slot, keyring, pools)
        assert other is not None and header_hash(other.block.header, spec) != header_hash(blocks[1].header, spec)
        _add(chain, blocks[1], states[1])
        chain.add(other.block, other.post_state)
        # Both children of blocks[0] sit at one slot: neither is acceptable, so the best head
        # falls back to blocks[0] (GP best_chain.tex: no equivocation among unfinalized ancestors).
        assert chain.best().header_hash == header_hash(blocks[0].header, spec)


def test_finality_needs_a_supermajority_of_distinct_builders(tmp_path):
    chainspec, blocks, states = dev_chain(12)
    spec = chainspec.spec
    with StateStore(tmp_path / "db") as store:
        chain = Chain(chainspec, store)
        need = 2 * 6 // 3 + 1
        for i, (block, post) in enumerate(zip(blocks, states)):
            _add(chain, block, post)
            # Expected: the latest block whose descendants have ≥ need distinct authors.
            expected = chainspec.genesis_hash()
            for j in range(i, -1, -1):
                later = {b.header.author_index for b in blocks[j + 1 : i + 1]}
                if len(later) >= need:
                    expected = header_hash(blocks[j].header, spec)
                    break
            assert chain.finalized().header_hash == expected
        final = chain.finalized()
        if final.header_hash != chainspec.genesis_hash():
            # Finalized blocks leave memory but stay on the finalized chain in the store.
            assert chain.finalizable(header_hash(blocks[0].header, spec))
            with pytest.raises(StaleBlockError):
                chain.check(blocks[0])  # its parent is below the finalized block


def test_ce128_walks(tmp_path):
    chainspec, blocks, states = dev_chain(6)
    spec = chainspec.spec
    hashes = [header_hash(b.header, spec) for b in blocks]
    with StateStore(tmp_path / "db") as store:
        chain = Chain(chainspec, store)
        for block, post in zip(blocks, states):
            _add(chain, block, post)
        g = chainspec.genesis_hash()
        assert chain.ascending(g, 100) == hashes
        assert chain.ascending(hashes[1], 2) == hashes[2:4]
        assert chain.descending(hashes[3], 100) == hashes[3::-1]  # genesis excluded
        assert chain.descending(hashes[5], 2) == [hashes[5], hashes[4]]
        assert chain.ascending(b"\x01" * 32, 5) is None and chain.descending(b"\x01" * 32, 5) is None
