"""State Merklization, GP Appendix D.2 (merklization.tex): the binary Patricia trie over 31-byte keys.

Nodes are persistent (never mutated) and cache their hash, so `StateTrie.updated(changes)`
builds the posterior trie by re-creating only the paths to changed keys and shares every other
subtree with the prior trie: a block that touches k keys re-hashes O(k · depth) nodes, not the
whole state, and parent and child states (forks included) share memory.

Bit order: `bits(x)` takes each octet most-significant bit first (GP notation.tex, "bits"), which
the v0.7.2 block-import traces confirm. (The standalone `trie/trie.json` vectors follow an older
least-significant-first convention; see README "State trie".)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

ZERO_HASH = bytes(32)


def _blake(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def _bit(key: bytes, i: int) -> int:
    return (key[i >> 3] >> (7 - (i & 7))) & 1


class _Leaf:
    __slots__ = ("key", "value", "_hash")

    def __init__(self, key: bytes, value: bytes) -> None:
        self.key = key
        self.value = value
        self._hash: bytes | None = None

    def hash(self) -> bytes:
        """GP eq. (D.4) L(k, v): embedded value (≤ 32 octets) or the value's hash."""
        h = self._hash
        if h is None:
            v = self.value
            if len(v) <= 32:
                h = _blake(bytes((0x80 | len(v),)) + self.key + v + bytes(32 - len(v)))  # [1, 0] ‖ size
            else:
                h = _blake(b"\xc0" + self.key + _blake(v))  # [1, 1, 0, …] ‖ key ‖ H(v)
            self._hash = h
        return h


class _Branch:
    __slots__ = ("left", "right", "_hash")

    def __init__(self, left: "_Node", right: "_Node") -> None:
        self.left = left
        self.right = right
        self._hash: bytes | None = None

    def hash(self) -> bytes:
        """GP eq. (D.3) B(l, r): a 0 bit, the last 255 bits of the left identity, the right identity."""
        h = self._hash
        if h is None:
            left = self.left.hash() if self.left is not None else ZERO_HASH
            right = self.right.hash() if self.right is not None else ZERO_HASH
            h = self._hash = _blake(bytes((left[0] & 0x7F,)) + left[1:] + right)
        return h


_Node = _Leaf | _Branch | None


def _build(items: list[tuple[bytes, bytes]], depth: int) -> _Node:
    """GP eq. (D.5) M over a key-sorted list, splitting on bit `depth`."""
    if not items:
        return None
    if len(items) == 1:
        return _Leaf(*items[0])
    # `items` is sorted by key (= MSB-first bit string), so keys with bit `depth` set form a suffix.
    split = next((i for i, (k, _) in enumerate(items) if _bit(k, depth)), len(items))
    return _Branch(_build(items[:split], depth + 1), _build(items[split:], depth + 1))


def _insert(node: _Node, depth: int, key: bytes, value: bytes) -> _Node:
    if node is None:
        return _Leaf(key, value)
    if isinstance(node, _Leaf):
        if node.key == key:
            return node if node.value == value else _Leaf(key, value)
        return _join(node, _Leaf(key, value), depth)
    if _bit(key, depth):
        return _Branch(node.left, _insert(node.right, depth + 1, key, value))
    return _Branch(_insert(node.left, depth + 1, key, value), node.right)


def _join(a: _Leaf, b: _Leaf, depth: int) -> _Branch:
    """The subtree holding two distinct leaves whose keys agree on bits before `depth`."""
    ba, bb = _bit(a.key, depth), _bit(b.key, depth)
    if ba != bb:
        return _Branch(a, b) if ba == 0 else _Branch(b, a)
    inner = _join(a, b, depth + 1)
    return _Branch(inner, None) if ba == 0 else _Branch(None, inner)


def _delete(node: _Node, depth: int, key: bytes) -> _Node:
    if node is None:
        return None
    if isinstance(node, _Leaf):
        return None if node.key == key else node
    if _bit(key, depth):
        left, right = node.left, _delete(node.right, depth + 1, key)
        if right is node.right:
            return node
    else:
        left, right = _delete(node.left, depth + 1, key), node.right
        if left is node.left:
            return node
    # A subtree left with one key collapses to that key's leaf (GP's M yields a leaf for |d| = 1).
    if left is None and (right is None or isinstance(right, _Leaf)):
        return right
    if right is None and isinstance(left, _Leaf):
        return left
    return _Branch(left, right)


class StateTrie:
    """An immutable Merklized key/value set; `updated` returns a new trie sharing structure."""

    __slots__ = ("_root",)

    def __init__(self, root: _Node = None) -> None:
        self._root = root

    @classmethod
    def from_items(cls, items: Mapping[bytes, bytes] | Iterable[tuple[bytes, bytes]]) -> "StateTrie":
        pairs = items.items() if isinstance(items, Mapping) else items
        return cls(_build(sorted(pairs), 0))

    def updated(self, changes: Mapping[bytes, bytes | None]) -> "StateTrie":
        """Apply `changes` (a value, or None to delete) and return the new trie."""
        root = self._root
        for key, value in changes.items():
            root = _delete(root, 0, key) if value is None else _insert(root, 0, key, value)
        return StateTrie(root)

    @property
    def root(self) -> bytes:
        """GP eq. (D.5) M_σ: the state root (the zero hash for an empty state)."""
        return ZERO_HASH if self._root is None else self._root.hash()


def state_root(kv: Mapping[bytes, bytes] | Iterable[tuple[bytes, bytes]]) -> bytes:
    """The Merkle root of a serialized state (31-byte keys → values)."""
    return StateTrie.from_items(kv).root


# ------------------------------------------------------------------ node encodings and paths (JAMNP-S CE 129)


def encode_node(node: _Leaf | _Branch) -> bytes:
    """The 64-octet node of GP eq. (D.3)/(D.4) whose hash identifies it: B(l, r) or L(k, v)."""
    if isinstance(node, _Branch):
        left = node.left.hash() if node.left is not None else ZERO_HASH
        right = node.right.hash() if node.right is not None else ZERO_HASH
        return bytes((left[0] & 0x7F,)) + left[1:] + right
    v = node.value
    if len(v) <= 32:
        return bytes((0x80 | len(v),)) + node.key + v + bytes(32 - len(v))
    return b"\xc0" + node.key + _blake(v)


def _path(root: _Node, key: bytes) -> list[_Leaf | _Branch]:
    """Nodes from the root towards `key`: ending at a leaf (`key`'s or another's) or at a branch
    whose side for `key` is empty (the zero hash)."""
    out: list[_Leaf | _Branch] = []
    node, depth = root, 0
    while node is not None:
        out.append(node)
        if isinstance(node, _Leaf):
            break
        node = node.right if _bit(key, depth) else node.left
        depth += 1
    return out


def boundary_nodes(trie: StateTrie, keys: Iterable[bytes]) -> list[bytes]:
    """The encoded nodes on the paths from the root to each of `keys`, without duplicates,
    every parent before its children (the paths share their upper part)."""
    seen: set[int] = set()
    out: list[bytes] = []
    for key in keys:
        for node in _path(trie._root, key):
            if id(node) not in seen:
                seen.add(id(node))
                out.append(encode_node(node))
    return out


def walk_boundary(root: bytes, nodes: Iterable[bytes], key: bytes) -> tuple[bytes, bytes] | None:
    """Check that `nodes` (64-octet encodings) hold a complete path from `root` towards `key`, as
    a light client does, and return the leaf it ends at as (key, the node's last 32 octets) —
    the embedded value padded, or the value's hash — or None where the path ends in an empty
    side. Raises ValueError if the path is not all there or a node is not 64 octets."""
    by_hash: dict[bytes, bytes] = {}
    for node in nodes:
        if len(node) != 64:
            raise ValueError(f"a trie node is 64 octets, got {len(node)}")
        by_hash[_blake(node)] = node
    if root == ZERO_HASH:
        return None
    node, depth = by_hash.get(root), 0
    if node is None:
        raise ValueError("no node hashes to the state root")
    while not node[0] & 0x80:  # a branch: follow `key`'s bit
        if _bit(key, depth):
            child = node[32:]
            nxt = by_hash.get(child)
        else:  # the left child's identity is stored without its first bit
            child = bytes((node[0] & 0x7F,)) + node[1:32]
            nxt = by_hash.get(child) or by_hash.get(bytes((child[0] | 0x80,)) + child[1:])
        if child == ZERO_HASH:  # an empty side (a real node hashing to 0x00…/0x80… is beyond reach)
            return None
        if nxt is None:
            raise ValueError(f"the path to {key.hex()} breaks off at depth {depth}")
        node, depth = nxt, depth + 1
    return node[1:32], node[32:]
