"""State proofs: JAMNP-S CE 129 responses checked against a state root (GP v0.7.2 appendix D.2).

A CE 129 response for the range [start, end] of a block's posterior state is a list of
"boundary" nodes (the 64-octet B/L encodings of GP eq. D.3/D.4 on the paths from the root to
`start` and to the last returned key) and the key/value pairs in [start, last] in key order. The
verifier rebuilds the trie top-down from the root: a subtree whose key interval lies outside
[start, last] stays an opaque identity; one wholly inside is recomputed from the returned pairs
(GP eq. D.5, so a withheld, altered or invented pair changes its identity); one that straddles an
end of the interval is on a boundary path and must be among the nodes. What it proves: the value
of every key in [start, last] — present with its value, or absent.

`build_proof` is the serving side from a full key/value state (tests and `light check-trace`);
the networked node answers CE 129 from its own trie.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Mapping, Sequence

import attrs

from .errors import KeyOutOfRange, MalformedProof, MissingNode, NodeOrder, RootMismatch, ValueMismatch

NODE_SIZE = 64
KEY_SIZE = 31
KEY_BITS = 8 * KEY_SIZE
ZERO_HASH = bytes(32)
MAX_NODES = 2 * (KEY_BITS + 1)  # two root-to-leaf paths at most


def _blake(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def leaf_node(key: bytes, value: bytes) -> bytes:
    """GP eq. (D.4) L(k, v): [1,0] ‖ 6-bit size ‖ k ‖ v padded (|v| ≤ 32), else [1,1,0…] ‖ k ‖ H(v)."""
    if len(value) <= 32:
        return bytes((0x80 | len(value),)) + key + value + bytes(32 - len(value))
    return b"\xc0" + key + _blake(value)


def branch_node(left: bytes, right: bytes) -> bytes:
    """GP eq. (D.3) B(l, r): a 0 bit, the last 255 bits of the left identity, the right identity."""
    return bytes((left[0] & 0x7F,)) + left[1:] + right


def _masked(identity: bytes) -> bytes:
    """A left child's identity as its parent stores it (first bit dropped)."""
    return bytes((identity[0] & 0x7F,)) + identity[1:]


def _bit(key: int, depth: int) -> int:
    return (key >> (KEY_BITS - 1 - depth)) & 1


def subtree_identity(pairs: Sequence[tuple[int, bytes, bytes]], depth: int) -> bytes:
    """GP eq. (D.5) M over key-sorted (key as integer, key, value) triples that agree on their
    first `depth` bits: the zero hash, a leaf's hash, or a branch's hash splitting on bit `depth`."""
    if not pairs:
        return ZERO_HASH
    if len(pairs) == 1:
        return _blake(leaf_node(pairs[0][1], pairs[0][2]))
    split = bisect.bisect_left([_bit(k, depth) for k, _, _ in pairs], 1)
    return _blake(branch_node(subtree_identity(pairs[:split], depth + 1), subtree_identity(pairs[split:], depth + 1)))


@attrs.frozen(slots=True)
class ProvedRange:
    """Key/values of a state proved complete over [start, last] against `root`."""

    root: bytes
    start: bytes
    last: bytes
    pairs: tuple[tuple[bytes, bytes], ...]

    def covers(self, key: bytes) -> bool:
        return self.start <= key <= self.last

    def get(self, key: bytes) -> bytes | None:
        """The proved value of `key`, or None for its proved absence; KeyOutOfRange if not covered."""
        if not self.covers(key):
            raise KeyOutOfRange(f"key {key.hex()} is outside the proved range {self.start.hex()}..{self.last.hex()}")
        for k, v in self.pairs:
            if k == key:
                return v
        return None


def _check_pairs(start: bytes, end: bytes, pairs: Iterable[tuple[bytes, bytes]]) -> list[tuple[int, bytes, bytes]]:
    out: list[tuple[int, bytes, bytes]] = []
    prev = -1
    for key, value in pairs:
        if len(key) != KEY_SIZE:
            raise MalformedProof(f"a state key is {KEY_SIZE} octets, got {len(key)}")
        if not start <= key <= end:
            raise KeyOutOfRange(f"returned key {key.hex()} is outside the requested range {start.hex()}..{end.hex()}")
        k = int.from_bytes(key, "big")
        if k <= prev:
            raise KeyOutOfRange(f"returned keys are not strictly ascending at {key.hex()}")
        prev = k
        out.append((k, bytes(key), bytes(value)))
    return out


def _leaf_holds(node: bytes, value: bytes) -> bool:
    """Whether leaf `node` commits to `value` (embedded, or by hash)."""
    if node[0] & 0x40:
        return node[0] == 0xC0 and node[32:] == _blake(value)
    size = node[0] & 0x3F
    return size == len(value) and node[32 : 32 + size] == value and not any(node[32 + size :])


def verify_range(root: bytes, start: bytes, end: bytes, nodes: Sequence[bytes],
                 pairs: Iterable[tuple[bytes, bytes]]) -> ProvedRange:
    """Check a CE 129 response for [start, end] against `root`; return what it proves.

    Raises a `ProofError`: `RootMismatch` (no node is the root), `MissingNode` (a withheld node
    on a boundary path), `ValueMismatch` (pairs that are not the trie's), `KeyOutOfRange` (a key
    outside [start, end] or out of order), `NodeOrder`, `MalformedProof`."""
    if len(start) != KEY_SIZE or len(end) != KEY_SIZE or len(root) != 32:
        raise MalformedProof("start and end keys are 31 octets and the root 32")
    if len(nodes) > MAX_NODES:
        raise MalformedProof(f"{len(nodes)} boundary nodes; two paths have at most {MAX_NODES}")
    by_id: dict[bytes, tuple[int, bytes]] = {}
    for index, node in enumerate(nodes):
        node = bytes(node)
        if len(node) != NODE_SIZE:
            raise MalformedProof(f"a trie node is {NODE_SIZE} octets, got {len(node)}")
        ident = _masked(_blake(node))
        if ident in by_id:
            raise MalformedProof("a boundary node is listed twice")
        by_id[ident] = (index, node)
    triples = _check_pairs(start, end, pairs)
    lo = int.from_bytes(start, "big")
    hi = triples[-1][0] if triples else lo
    keys = [t[0] for t in triples]

    def visit(ident: bytes, depth: int, prefix: int, is_left: bool, parent_index: int) -> None:
        width = KEY_BITS - depth
        first, last = prefix << width, ((prefix + 1) << width) - 1
        if last < lo or first > hi:  # outside the proved interval: an opaque subtree
            return
        inside = triples[bisect.bisect_left(keys, first) : bisect.bisect_right(keys, last)]
        if lo <= first and last <= hi:  # wholly inside: the returned pairs must rebuild it
            computed = subtree_identity(inside, depth)
            if (_masked(computed) if is_left else computed) != ident:
                raise ValueMismatch(f"the pairs under bit prefix {depth}:{prefix:x} do not rebuild the proved subtree")
            return
        if ident == ZERO_HASH:  # an empty side on a boundary path
            if inside:
                raise ValueMismatch(f"key {inside[0][1].hex()} returned where the trie is empty")
            return
        found = by_id.get(_masked(ident))
        if found is None or (not is_left and _blake(found[1]) != ident):
            if depth == 0:
                raise RootMismatch(f"no boundary node hashes to the state root {root.hex()}")
            raise MissingNode(f"the node at depth {depth} on a boundary path (identity {ident.hex()}) is missing")
        index, node = found
        if index < parent_index:
            raise NodeOrder(f"boundary node {index} comes before its parent {parent_index}")
        if not node[0] & 0x80:  # branch: descend on both sides
            if depth + 1 >= KEY_BITS:
                raise MalformedProof("a branch below the last key bit")
            visit(node[:32], depth + 1, prefix << 1, True, index)
            visit(node[32:], depth + 1, prefix << 1 | 1, False, index)
            return
        leaf_key = int.from_bytes(node[1:32], "big")
        if not first <= leaf_key <= last:
            raise ValueMismatch(f"leaf {node[1:32].hex()} is not under bit prefix {depth}:{prefix:x}")
        if lo <= leaf_key <= hi:
            if len(inside) != 1 or inside[0][0] != leaf_key or not _leaf_holds(node, inside[0][2]):
                raise ValueMismatch(f"the pair for key {node[1:32].hex()} is not the one the trie holds")
        elif inside:
            raise ValueMismatch(f"key {inside[0][1].hex()} returned where the trie holds only {node[1:32].hex()}")

    if root == ZERO_HASH:  # the empty state: nothing to return, no nodes
        if triples or nodes:
            raise ValueMismatch("the empty state holds no keys and no nodes")
    else:
        visit(root, 0, 0, False, -1)
    last_key = triples[-1][1] if triples else bytes(start)
    return ProvedRange(bytes(root), bytes(start), last_key, tuple((k, v) for _, k, v in triples))


def verify_key(root: bytes, key: bytes, nodes: Sequence[bytes], pairs: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """Check a CE 129 response for the single key range [key, key]: the value, or None if absent."""
    return verify_range(root, key, key, nodes, pairs).get(key)


# ------------------------------------------------------------------ the serving side (from a full state)


def build_proof(kv: Mapping[bytes, bytes] | Iterable[tuple[bytes, bytes]], start: bytes, end: bytes,
                max_size: int = 1 << 22) -> tuple[list[bytes], list[tuple[bytes, bytes]]]:
    """A CE 129 response from a full state: the pairs in [start, end] in key order (cut once
    their encoded size would pass `max_size`, never below one pair), and the boundary nodes on
    the paths from the root to `start` and to the last pair, each once, parents first."""
    items = sorted(kv.items() if isinstance(kv, Mapping) else kv)
    triples = [(int.from_bytes(k, "big"), k, v) for k, v in items]
    keys = [t[0] for t in triples]
    lo, hi = int.from_bytes(start, "big"), int.from_bytes(end, "big")
    pairs: list[tuple[bytes, bytes]] = []
    size = 0
    for _, k, v in triples[bisect.bisect_left(keys, lo) : bisect.bisect_right(keys, hi)]:
        item = KEY_SIZE + len(v) + 5
        if pairs and size + item > max_size:
            break
        pairs.append((k, v))
        size += item
    nodes: list[bytes] = []
    seen: set[tuple[int, int]] = set()
    targets = [lo] + ([int.from_bytes(pairs[-1][0], "big")] if pairs else [])
    for target in targets:
        sub, depth, prefix = triples, 0, 0
        while len(sub) > 1:
            split = bisect.bisect_left([_bit(k, depth) for k, _, _ in sub], 1)
            if (depth, prefix) not in seen:
                seen.add((depth, prefix))
                nodes.append(branch_node(subtree_identity(sub[:split], depth + 1), subtree_identity(sub[split:], depth + 1)))
            side = _bit(target, depth)
            sub = sub[split:] if side else sub[:split]
            depth, prefix = depth + 1, prefix << 1 | side
        if len(sub) == 1 and (depth, prefix) not in seen:
            seen.add((depth, prefix))
            nodes.append(leaf_node(sub[0][1], sub[0][2]))
    return nodes, pairs
