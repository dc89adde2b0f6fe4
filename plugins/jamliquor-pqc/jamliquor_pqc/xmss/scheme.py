"""XMSS / XMSS^MT key generation, signing and verification (RFC 8391 §4.1–4.2), stateless parts.

Encodings (the xmss-reference ones, which liboqs and Botan's vectors use):

* public key: OID (4) ‖ root ‖ PUB_SEED
* secret key: OID (4) ‖ idx (4 for XMSS, ⌈h/8⌉ for XMSS^MT) ‖ SK_SEED ‖ SK_PRF ‖ root ‖ PUB_SEED
* signature: idx ‖ r ‖ for each layer (bottom first): WOTS+ signature ‖ authentication path
* seed (key generation input): SK_SEED ‖ SK_PRF ‖ PUB_SEED, 3n bytes

r = PRF(SK_PRF, toByte(idx, 32)), so signatures are deterministic. *Which* index to use is the
caller's business: :mod:`.state` hands out each index at most once, crash-safely.
"""

from __future__ import annotations

import functools

import attrs

from . import tree as trees
from . import wots
from .hashing import OTS, LTREE, Keyed, adrs_prefix, to_byte
from .params import BY_OID, Params


class XmssFormatError(ValueError):
    """Bytes that are not an XMSS key of the expected parameter set."""


@attrs.frozen(slots=True)
class SecretKey:
    params: Params
    index: int
    sk_seed: bytes
    sk_prf: bytes
    root: bytes
    pub_seed: bytes

    @property
    def public(self) -> bytes:
        return self.params.oid.to_bytes(4, "big") + self.root + self.pub_seed

    def encode(self, index: int | None = None) -> bytes:
        p = self.params
        idx = self.index if index is None else index
        return p.oid.to_bytes(4, "big") + idx.to_bytes(p.index_bytes, "big") + self.sk_seed + self.sk_prf + self.root + self.pub_seed


def decode_secret(params: Params, data: bytes) -> SecretKey:
    if len(data) != params.secret_bytes or int.from_bytes(data[:4], "big") != params.oid:
        raise XmssFormatError(f"{params.name} secret key must be {params.secret_bytes} bytes starting with OID {params.oid:#010x}")
    n, o = params.n, 4 + params.index_bytes
    idx = int.from_bytes(data[4:o], "big")
    return SecretKey(params, idx, data[o : o + n], data[o + n : o + 2 * n], data[o + 2 * n : o + 3 * n], data[o + 3 * n : o + 4 * n])


def params_of_public(public: bytes) -> Params | None:
    return BY_OID.get(int.from_bytes(public[:4], "big")) if len(public) >= 4 else None


def top_tree(params: Params, sk_seed: bytes, pub_seed: bytes, cache_from: int = 0, workers: int | None = None) -> trees.Levels:
    """The top-layer tree (layer d-1, tree 0), whose root is the public root."""
    return trees.build(params, sk_seed, pub_seed, params.layers - 1, 0, cache_from, workers)


def keygen(params: Params, seed: bytes, cache_from: int = 0, workers: int | None = None) -> tuple[SecretKey, trees.Levels]:
    """RFC 8391 Algorithm 10 / 15 from a 3n-byte seed (xmss-reference's seeded key pair)."""
    n = params.n
    if len(seed) != params.seed_bytes:
        raise XmssFormatError(f"{params.name} seed must be {params.seed_bytes} bytes (SK_SEED ‖ SK_PRF ‖ PUB_SEED)")
    sk_seed, sk_prf, pub_seed = seed[:n], seed[n : 2 * n], seed[2 * n :]
    levels = top_tree(params, sk_seed, pub_seed, cache_from, workers)
    return SecretKey(params, 0, sk_seed, sk_prf, levels[-1], pub_seed), levels


def sign(key: SecretKey, index: int, message: bytes, top_levels: trees.Levels, workers: int | None = None) -> bytes:
    """RFC 8391 Algorithm 12 / 16 at one-time-key `index` (which the caller has reserved).
    `top_levels` is the cached top tree; lower XMSS^MT layers are built as needed."""
    p, n = key.params, key.params.n
    keyed = Keyed(p, key.pub_seed, key.sk_seed)
    r = _prf_r(p, key.sk_prf, index)
    node = keyed.h_msg(r, key.root, index, message)
    out = [index.to_bytes(p.index_bytes, "big"), r]
    th = p.tree_height
    idx = index
    for layer in range(p.layers):
        leaf_index, tree_index = idx & ((1 << th) - 1), idx >> th
        out.append(wots.sign(keyed, node, adrs_prefix(layer, tree_index, OTS, leaf_index)))
        if layer == p.layers - 1:
            levels = top_levels
        else:
            levels = _lower_tree(p, key.sk_seed, key.pub_seed, layer, tree_index, workers)
        out.append(trees.auth_path(keyed, levels, layer, tree_index, leaf_index, key.sk_seed))
        node = levels[-1]
        idx = tree_index
    return b"".join(out)


@functools.lru_cache(maxsize=8)
def _lower_tree(params: Params, sk_seed: bytes, pub_seed: bytes, layer: int, tree: int, workers: int | None) -> trees.Levels:
    """An XMSS^MT tree below the top layer; consecutive signatures share it, so keep a few
    (at most 8 × 2^tree_height × n bytes: 512 KiB for tree height 10, n = 32)."""
    return trees.build(params, sk_seed, pub_seed, layer, tree, 0, workers)


def _prf_r(params: Params, sk_prf: bytes, index: int) -> bytes:
    """r = PRF(SK_PRF, toByte(idx, 32)): the keyed PRF with SK_PRF as its key."""
    return Keyed(params, sk_prf).prf(to_byte(index, 32))


def verify(params: Params, public: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8391 Algorithm 14 / 17; False for anything malformed (never raises)."""
    n = params.n
    if len(public) != params.public_bytes or len(signature) != params.signature_bytes:
        return False
    if int.from_bytes(public[:4], "big") != params.oid:
        return False
    root, pub_seed = public[4 : 4 + n], public[4 + n :]
    ib = params.index_bytes
    index = int.from_bytes(signature[:ib], "big")
    if index >= params.signatures:
        return False
    r = signature[ib : ib + n]
    keyed = Keyed(params, pub_seed)
    node = keyed.h_msg(r, root, index, message)
    th, pos = params.tree_height, ib + n
    wots_bytes, auth_bytes = params.wots_len * n, th * n
    idx = index
    for layer in range(params.layers):
        leaf_index, tree_index = idx & ((1 << th) - 1), idx >> th
        ends = wots.public_from_signature(keyed, signature[pos : pos + wots_bytes], node, adrs_prefix(layer, tree_index, OTS, leaf_index))
        pos += wots_bytes
        leaf = trees.ltree(keyed, ends, adrs_prefix(layer, tree_index, LTREE, leaf_index))
        node = trees.root_from_path(keyed, leaf, leaf_index, signature[pos : pos + auth_bytes], layer, tree_index)
        pos += auth_bytes
        idx = tree_index
    return node == root
