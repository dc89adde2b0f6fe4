"""CE 129 state proofs against the kernel's state root (GP D.2): honest responses verify and prove
exactly the state's pairs; every kind of tampering is a typed ProofError."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jamliquor.errors import JamLiquorError
from jamliquor.merkle.trie import state_root

from jamliquor_lite.errors import KeyOutOfRange, MalformedProof, MissingNode, NodeOrder, ProofError, RootMismatch, ValueMismatch
from jamliquor_lite.proof import build_proof, leaf_node, verify_key, verify_range

# Keys drawn from few first octets so that paths share long prefixes and ranges straddle subtrees.
keys = st.builds(lambda a, rest: bytes((a,)) + rest, st.sampled_from([0, 1, 0x80, 0xFF]), st.binary(min_size=30, max_size=30))
values = st.binary(max_size=70)
states = st.dictionaries(keys, values, min_size=1, max_size=40)


def _key(first: int, fill: int = 0) -> bytes:
    return bytes((first,)) + bytes((fill,)) * 30


@settings(max_examples=150, deadline=None)
@given(states, keys, keys, st.integers(min_value=40, max_value=2000))
def test_honest_range_proofs_verify_and_prove_the_state(kv: dict, a: bytes, b: bytes, max_size: int) -> None:
    start, end = min(a, b), max(a, b)
    root = state_root(kv)
    nodes, pairs = build_proof(kv, start, end, max_size)
    proved = verify_range(root, start, end, nodes, pairs)
    assert list(proved.pairs) == sorted((k, v) for k, v in kv.items() if proved.start <= k <= proved.last)
    for key in kv:
        if proved.covers(key):
            assert proved.get(key) == kv[key]


@settings(max_examples=150, deadline=None)
@given(states, keys)
def test_single_key_proofs_give_the_value_or_proved_absence(kv: dict, other: bytes) -> None:
    root = state_root(kv)
    for key in list(kv)[:5] + [other]:
        nodes, pairs = build_proof(kv, key, key)
        assert verify_key(root, key, nodes, pairs) == kv.get(key)


@pytest.fixture
def state() -> dict:
    kv = {_key(i, j): bytes([i, j]) * (1 + 20 * (j % 3)) for i in (0, 1, 2, 0x80, 0xC1) for j in range(4)}
    kv[_key(0x40, 9)] = b"v" * 100
    return kv


def test_every_tampering_is_rejected(state: dict) -> None:
    root = state_root(state)
    key = _key(1, 2)
    nodes, pairs = build_proof(state, key, key)
    assert verify_key(root, key, nodes, pairs) == state[key]

    with pytest.raises(ValueMismatch):  # an altered value
        verify_key(root, key, nodes, [(key, b"forged")])
    with pytest.raises(ValueMismatch):  # a withheld value (claimed absent)
        verify_key(root, key, nodes, [])
    with pytest.raises(MissingNode):  # a withheld boundary node
        verify_key(root, key, nodes[:-1], pairs)
    with pytest.raises(RootMismatch):  # nodes whose hashes do not reach the root
        verify_key(root, key, nodes[1:], pairs)
    with pytest.raises(RootMismatch):  # a proof from another state
        other = dict(state)
        other[_key(0xEE)] = b"x"
        verify_key(root, key, *build_proof(other, key, key))
    with pytest.raises(NodeOrder):  # a child listed before its parent
        verify_key(root, key, list(reversed(nodes)), pairs)
    with pytest.raises(MalformedProof):
        verify_key(root, key, [nodes[0][:63], *nodes[1:]], pairs)
    with pytest.raises(MalformedProof):
        verify_key(root, key, [nodes[0], *nodes], pairs)


def test_a_proof_for_another_key_does_not_prove_this_one(state: dict) -> None:
    root = state_root(state)
    asked, other = _key(1, 2), _key(2, 1)
    nodes, pairs = build_proof(state, other, other)
    with pytest.raises(KeyOutOfRange):  # the other key's pair is outside [asked, asked]
        verify_key(root, asked, nodes, pairs)
    with pytest.raises((MissingNode, ValueMismatch)):  # its path without its pair proves nothing here
        verify_key(root, asked, nodes, [])
    assert issubclass(ProofError, JamLiquorError)


def test_absent_keys_end_at_an_empty_side_or_another_leaf(state: dict) -> None:
    root = state_root(state)
    for absent in (_key(0x03), _key(1, 7), _key(0xFF, 0xFF)):
        nodes, pairs = build_proof(state, absent, absent)
        assert pairs == [] and verify_key(root, absent, nodes, []) is None
        with pytest.raises(ValueMismatch):  # claiming a value for an absent key
            verify_key(root, absent, nodes, [(absent, b"\x00")])


def test_range_proofs_catch_a_pair_dropped_from_the_middle(state: dict) -> None:
    root = state_root(state)
    start, end = _key(0), _key(0x80, 0xFF)
    nodes, pairs = build_proof(state, start, end)
    assert len(verify_range(root, start, end, nodes, pairs).pairs) == len(pairs) > 6
    with pytest.raises(ValueMismatch):
        verify_range(root, start, end, nodes, pairs[:3] + pairs[4:])
    with pytest.raises(KeyOutOfRange):
        verify_range(root, start, end, nodes, [pairs[1], pairs[0], *pairs[2:]])


def test_a_truncated_response_proves_up_to_its_last_key(state: dict) -> None:
    root = state_root(state)
    start, end = _key(0), _key(0xFF, 0xFF)
    nodes, pairs = build_proof(state, start, end, max_size=200)
    proved = verify_range(root, start, end, nodes, pairs)
    assert 1 <= len(pairs) < len(state) and proved.last == pairs[-1][0]
    with pytest.raises(KeyOutOfRange):
        proved.get(_key(0xC1, 3))


def test_leaf_encoding_embeds_short_values_and_hashes_long_ones() -> None:
    assert leaf_node(bytes(31), b"ab")[0] == 0x82 and leaf_node(bytes(31), b"ab")[32:34] == b"ab"
    assert leaf_node(bytes(31), bytes(33))[0] == 0xC0
    assert verify_key(state_root({}), bytes(31), [], []) is None
