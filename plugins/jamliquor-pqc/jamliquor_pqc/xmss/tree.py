"""L-trees, leaves and the hash tree (RFC 8391 §4.1.5–4.1.6, §4.1.9).

A tree of height h is built once, leaves in parallel worker processes when it is large, and
kept as one bytes string per level (`Levels`), so an authentication path is h slices. For
h = 16 that is 4 MiB; levels below `cache_from` can be left out and recomputed per signature
from the 2^cache_from leaves of the leaf's subtree (h = 20 keeps 4 MiB that way).
"""

from __future__ import annotations

import os
import struct
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from . import wots
from .hashing import HASH_TREE, LTREE, OTS, Keyed, adrs_prefix
from .params import Params

Levels = list[bytes]  # levels[j] = the 2^(h-j) nodes of height j, concatenated (None below cache_from)

PARALLEL_FROM = 256  # leaves; below this a worker pool costs more than it saves


def _hw(height: int, index: int) -> bytes:
    return struct.pack(">II", height, index)


def ltree(keyed: Keyed, nodes: list[bytes], prefix20: bytes) -> bytes:
    """RFC 8391 Algorithm 8: compress the len WOTS+ chain ends into one n-byte leaf."""
    h = keyed.h
    height = 0
    while len(nodes) > 1:
        half = len(nodes) // 2
        nxt = [h(nodes[2 * i], nodes[2 * i + 1], prefix20 + _hw(height, i)) for i in range(half)]
        if len(nodes) % 2:
            nxt.append(nodes[-1])
        nodes = nxt
        height += 1
    return nodes[0]


def leaf(keyed: Keyed, layer: int, tree: int, index: int) -> bytes:
    ends = wots.public_key(keyed, adrs_prefix(layer, tree, OTS, index))
    return ltree(keyed, ends, adrs_prefix(layer, tree, LTREE, index))


def compute_leaves(params: Params, sk_seed: bytes, pub_seed: bytes, layer: int, tree: int, start: int, count: int) -> bytes:
    keyed = Keyed(params, pub_seed, sk_seed)
    return b"".join(leaf(keyed, layer, tree, i) for i in range(start, start + count))


def leaves(params: Params, sk_seed: bytes, pub_seed: bytes, layer: int, tree: int, start: int, count: int, workers: int | None = None) -> bytes:
    """The leaves start … start+count-1 of one tree, concatenated; in `workers` processes if large."""
    workers = workers or os.cpu_count() or 1
    if count < PARALLEL_FROM or workers == 1:
        return compute_leaves(params, sk_seed, pub_seed, layer, tree, start, count)
    chunk = max(64, count // (workers * 8))
    starts = range(start, start + count, chunk)
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        parts = pool.map(compute_leaves, *zip(*[(params, sk_seed, pub_seed, layer, tree, s, min(chunk, start + count - s)) for s in starts]))
        return b"".join(parts)


def reduce(keyed: Keyed, layer: int, tree: int, nodes: bytes, height: int, first_index: int = 0) -> list[bytes]:
    """The levels above `nodes` (concatenated nodes of `height`, the first at `first_index`),
    up to a single node: RFC 8391 Algorithm 9 done level by level."""
    n, h = keyed.n, keyed.h
    prefix20 = adrs_prefix(layer, tree, HASH_TREE, 0)
    out = []
    while len(nodes) > n:
        base = first_index >> 1
        nodes = b"".join(
            h(nodes[2 * i * n : (2 * i + 1) * n], nodes[(2 * i + 1) * n : (2 * i + 2) * n], prefix20 + _hw(height, base + i))
            for i in range(len(nodes) // (2 * n))
        )
        out.append(nodes)
        height += 1
        first_index = base
    return out


def build(params: Params, sk_seed: bytes, pub_seed: bytes, layer: int = 0, tree: int = 0, cache_from: int = 0, workers: int | None = None) -> Levels:
    """Every level of one tree of height params.tree_height from `cache_from` up (root last)."""
    keyed = Keyed(params, pub_seed, sk_seed)
    th = params.tree_height
    bottom = leaves(params, sk_seed, pub_seed, layer, tree, 0, 1 << th, workers)
    levels: Levels = [bottom, *reduce(keyed, layer, tree, bottom, 0)]
    return [lv if j >= cache_from else None for j, lv in enumerate(levels)]


def auth_path(keyed: Keyed, levels: Levels, layer: int, tree: int, index: int, sk_seed: bytes) -> bytes:
    """The authentication path of leaf `index` (RFC 8391 Algorithm 10 by lookup); levels below the
    cached ones come from recomputing the leaf's 2^cache_from-leaf subtree."""
    n, params = keyed.n, keyed.params
    cache_from = next(j for j, lv in enumerate(levels) if lv is not None)
    path = []
    if cache_from:
        first = (index >> cache_from) << cache_from
        sub = compute_leaves(params, sk_seed, keyed.pub_seed, layer, tree, first, 1 << cache_from)
        sub_levels = [sub, *reduce(keyed, layer, tree, sub, 0, first)]
        for j in range(cache_from):
            sib = ((index >> j) ^ 1) - (first >> j)
            path.append(sub_levels[j][sib * n : (sib + 1) * n])
    for j in range(cache_from, params.tree_height):
        sib = (index >> j) ^ 1
        path.append(levels[j][sib * n : (sib + 1) * n])
    return b"".join(path)


def root_from_path(keyed: Keyed, node: bytes, index: int, path: bytes, layer: int, tree: int) -> bytes:
    """RFC 8391 Algorithm 13 lines 5–19: climb from a leaf with its authentication path."""
    n, h = keyed.n, keyed.h
    prefix20 = adrs_prefix(layer, tree, HASH_TREE, 0)
    for j in range(len(path) // n):
        sib = path[j * n : (j + 1) * n]
        adrs = prefix20 + _hw(j, index >> (j + 1))
        node = h(node, sib, adrs) if not (index >> j) & 1 else h(sib, node, adrs)
    return node
