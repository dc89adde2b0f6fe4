"""The pruned full-node profile: the store forgets blocks below a slot horizon (forks included) and
keeps a bounded number of states, continuously as finality advances; what it keeps it still
serves (CE 128 walks, CE 129 ranges that verify against the state root), and it reopens."""

from __future__ import annotations

from pathlib import Path

from jamliquor.author import author_block
from jamliquor.chainspec import dev_chainspec
from jamliquor.config import load_config
from jamliquor.keys import Keyring
from jamliquor.merkle.trie import walk_boundary
from jamliquor.node.chain import Chain
from jamliquor.node.protocols.state import state_range
from jamliquor.spec import TINY
from jamliquor.store import StateStore


def test_prune_blocks_forgets_every_block_below_the_horizon(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s", keep=4)
    hashes = {}
    for slot in range(1, 21):
        h = bytes([slot]) * 32
        hashes[slot] = h
        store.put_block(h, slot, b"rec%d" % slot, b"body%d" % slot)
    fork = b"\xf0" * 32
    store.put_block(fork, 5, b"fork", b"forkbody")
    store.finalize([(s, hashes[s]) for s in range(1, 16)])
    assert store.prune_blocks(10) == 10  # slots 1..9 and the fork at 5
    for slot in range(1, 10):
        assert store.get_block(hashes[slot]) is None and store.block_record(hashes[slot]) is None
        assert store.canon_hash(slot) is None
    assert store.get_block(fork) is None and store.block_record(fork) is None
    for slot in range(10, 21):
        assert store.get_block(hashes[slot]) == b"body%d" % slot
    assert store.canon_hash(10) == hashes[10] and store.finalized() == hashes[15]
    assert [h for h, _ in store.records_from(0)] == [hashes[s] for s in range(10, 21)]
    assert store.prune_blocks(10) == 0


def test_a_pruned_node_keeps_a_bounded_window_and_serves_it(tmp_path: Path) -> None:
    chainspec = dev_chainspec(TINY, 6)
    keyring = Keyring.dev(6)
    store = StateStore(tmp_path / "store", keep=6)
    chain = Chain(chainspec, store, keep_blocks=8)
    state = chainspec.state()
    added = []
    for slot in range(1, 41):
        authored = author_block(state, slot, keyring)
        chain.add(authored.block, authored.post_state)
        added.append(authored.header_hash)
        state = authored.post_state
    final_slot = chain.blocks[chain.finalized_hash].slot
    assert final_slot >= 30
    horizon = final_slot - 8
    kept = [h for slot, h in enumerate(added, 1) if slot >= horizon]
    gone = [h for slot, h in enumerate(added, 1) if slot < horizon]
    assert all(chain.block_bytes(h) is None for h in gone)
    assert all(chain.block_bytes(h) is not None for h in kept)
    # CE 128 descending from the head walks down to the horizon and no further.
    walk = chain.descending(chain.best_hash, 100)
    assert walk[0] == added[-1] and len(walk) == len(kept) and walk[-1] == kept[0]
    # CE 129 from a kept state verifies against its root; pruned states are not served.
    head_state = chain.state(added[-1])
    nodes, pairs = state_range(head_state, head_state.trie(), bytes(31), bytes([255]) * 31, 4096)
    found = walk_boundary(head_state.root(), nodes, pairs[-1].key)  # the path to the last pair is there
    assert found is not None and found[0] == pairs[-1].key
    assert chain.state(added[0]) is None and sum(store.has(h) for h in added) == 6
    store.close()
    # It reopens from what it kept.
    again = Chain(chainspec, StateStore(tmp_path / "store", keep=6), keep_blocks=8)
    assert again.best_hash == added[-1]


def test_block_keep_is_a_config_key(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JAMLIQUOR_BLOCK_KEEP", "600")
    assert load_config(tmp_path / "none.toml").block_keep == 600
    monkeypatch.delenv("JAMLIQUOR_BLOCK_KEEP")
    assert load_config(tmp_path / "none.toml").block_keep is None
