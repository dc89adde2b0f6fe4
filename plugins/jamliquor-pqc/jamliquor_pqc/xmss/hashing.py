"""The keyed hash functions of RFC 8391 §5.1 / SP 800-208 §5, on hashlib.

F, H, H_msg, PRF and PRF_keygen are one hash over toByte(X, padding) ‖ KEY ‖ M with
X = 0, 1, 2, 3, 4 respectively. With a fixed key the first block is fixed too, so PRF under
PUB_SEED (the key of every F/H key and bitmask) and PRF_keygen under SK_SEED start from a copied
hash state: for SHA-256 with n = 32, PRF then costs one compression instead of two. This is
where key generation spends its time (≈ 3,300 hash calls per leaf for n = 32).

ADRS (RFC 8391 §2.5) is 32 bytes: layer ‖ tree (8) ‖ type ‖ three type-specific words ‖
keyAndMask, each word big-endian.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable

from .params import Params

OTS, LTREE, HASH_TREE = 0, 1, 2


def core_hash(params: Params) -> Callable[[bytes], bytes]:
    n = params.n
    if params.func == "sha2":
        if n == 64:
            return lambda data: hashlib.sha512(data).digest()
        if n == 32:
            return lambda data: hashlib.sha256(data).digest()
        return lambda data: hashlib.sha256(data).digest()[:n]
    shake = hashlib.shake_128 if params.func == "shake128" else hashlib.shake_256
    return lambda data: shake(data).digest(n)


def _hasher(params: Params):
    if params.func == "sha2":
        return hashlib.sha512 if params.n == 64 else hashlib.sha256
    return hashlib.shake_128 if params.func == "shake128" else hashlib.shake_256


def to_byte(x: int, size: int) -> bytes:
    return x.to_bytes(size, "big")


def adrs_prefix(layer: int, tree: int, kind: int, word4: int) -> bytes:
    """The first 20 bytes of an address: layer, tree, type and its first type-specific word."""
    return struct.pack(">IQII", layer, tree, kind, word4)


class Keyed:
    """F, H, PRF and H_msg under one PUB_SEED (and PRF_keygen under SK_SEED, if given)."""

    __slots__ = ("params", "pub_seed", "n", "core", "prf", "prf_keygen", "pad_f", "pad_h", "pad_msg", "prf_base", "ctor", "plain", "finish")

    def __init__(self, params: Params, pub_seed: bytes, sk_seed: bytes | None = None) -> None:
        self.params = params
        self.pub_seed = pub_seed
        n = self.n = params.n
        pad = params.padding
        self.core = core_hash(params)
        self.pad_f, self.pad_h, self.pad_msg = to_byte(0, pad), to_byte(1, pad), to_byte(2, pad)
        ctor = self.ctor = _hasher(params)
        squeeze = params.func != "sha2"
        truncate = params.func == "sha2" and n == 24
        # plain: digest() is exactly n bytes (SHA-256 with n = 32, SHA-512 with n = 64)
        self.plain = not squeeze and not truncate
        self.finish = (lambda h: h.digest(n)) if squeeze else (lambda h: h.digest()[:n]) if truncate else (lambda h: h.digest())

        def keyed(prefix: bytes) -> Callable[[bytes], bytes]:
            base = ctor(prefix)
            if squeeze:
                def prf(m: bytes, base=base, n=n) -> bytes:
                    h = base.copy()
                    h.update(m)
                    return h.digest(n)
            elif truncate:
                def prf(m: bytes, base=base, n=n) -> bytes:
                    h = base.copy()
                    h.update(m)
                    return h.digest()[:n]
            else:
                def prf(m: bytes, base=base) -> bytes:
                    h = base.copy()
                    h.update(m)
                    return h.digest()
            return prf

        self.prf_base = ctor(to_byte(3, pad) + pub_seed)  # copied per chain by wots.chain
        self.prf = keyed(to_byte(3, pad) + pub_seed)  # PRF(PUB_SEED, ADRS)
        self.prf_keygen = keyed(to_byte(4, pad) + sk_seed + pub_seed) if sk_seed is not None else None  # PRF_keygen(SK_SEED, PUB_SEED ‖ ADRS)

    def h(self, left: bytes, right: bytes, adrs28: bytes) -> bytes:
        """RAND_HASH (RFC 8391 Algorithm 7): `adrs28` is the address without keyAndMask."""
        n, prf = self.n, self.prf
        key = prf(adrs28 + b"\0\0\0\0")
        bm0 = prf(adrs28 + b"\0\0\0\1")
        bm1 = prf(adrs28 + b"\0\0\0\2")
        return self.core(
            self.pad_h + key
            + (int.from_bytes(left, "big") ^ int.from_bytes(bm0, "big")).to_bytes(n, "big")
            + (int.from_bytes(right, "big") ^ int.from_bytes(bm1, "big")).to_bytes(n, "big")
        )

    def h_msg(self, r: bytes, root: bytes, index: int, message: bytes) -> bytes:
        """H_msg(r ‖ root ‖ toByte(idx, n), M) (RFC 8391 §5.1)."""
        return self.core(self.pad_msg + r + root + to_byte(index, self.n) + message)
