"""WOTS+ (RFC 8391 §3.1) with the SP 800-208 / xmss-reference secret-key derivation:
sk_i = PRF_keygen(SK_SEED, PUB_SEED ‖ ADRS(chain i, hash 0, keyAndMask 0)).

The chain loop is the inner loop of key generation, so it works on precomputed address tails
and integers rather than an ADRS object.
"""

from __future__ import annotations

import struct

from .hashing import Keyed
from .params import LOG_W, W, Params

_KEY_TAIL = [struct.pack(">II", j, 0) for j in range(W)]
_MASK_TAIL = [struct.pack(">II", j, 1) for j in range(W)]
_CHAIN = [struct.pack(">I", i) for i in range(256)]


def chain(keyed: Keyed, x: bytes, start: int, steps: int, adrs24: bytes) -> bytes:
    """RFC 8391 Algorithm 2 (iterative): apply F `steps` times from position `start`.
    `adrs24` is the OTS address up to and including the chain word; the PRF state has it
    absorbed once per chain, so each step adds only hash address ‖ keyAndMask."""
    if not steps:
        return x
    state = keyed.prf_base.copy()
    state.update(adrs24)
    copy, pad_f, from_bytes = state.copy, keyed.pad_f, int.from_bytes
    if keyed.plain:  # the hot path (SHA-256, n = 32): digest() is the n-byte output
        n, ctor = keyed.n, keyed.ctor
        for j in range(start, start + steps):
            h = copy()
            h.update(_KEY_TAIL[j])
            key = h.digest()
            h = copy()
            h.update(_MASK_TAIL[j])
            x = ctor(pad_f + key + (from_bytes(x) ^ from_bytes(h.digest())).to_bytes(n)).digest()
        return x
    n, core, finish = keyed.n, keyed.core, keyed.finish
    for j in range(start, start + steps):
        h = copy()
        h.update(_KEY_TAIL[j])
        key = finish(h)
        h = copy()
        h.update(_MASK_TAIL[j])
        x = core(pad_f + key + (from_bytes(x) ^ from_bytes(finish(h))).to_bytes(n))
    return x


def digits(params: Params, message: bytes) -> list[int]:
    """base_w(M, len1) followed by the checksum's len2 digits (RFC 8391 Algorithm 5)."""
    msg = []
    for byte in message:
        msg += (byte >> 4, byte & 15)
    csum = sum(W - 1 - d for d in msg)
    csum <<= 8 - (params.len2 * LOG_W) % 8
    csum_bytes = csum.to_bytes((params.len2 * LOG_W + 7) // 8, "big")
    tail = []
    for byte in csum_bytes:
        tail += (byte >> 4, byte & 15)
    return msg + tail[: params.len2]


def public_key(keyed: Keyed, prefix20: bytes) -> list[bytes]:
    """The len chain ends of the WOTS+ key at OTS address `prefix20` (layer ‖ tree ‖ 0 ‖ ots)."""
    ends = []
    for i, sk in enumerate(_secrets_with_pub(keyed, prefix20)):
        ends.append(chain(keyed, sk, 0, W - 1, prefix20 + _CHAIN[i]))
    return ends


def _secrets_with_pub(keyed: Keyed, prefix20: bytes) -> list[bytes]:
    """PRF_keygen input is PUB_SEED ‖ ADRS; PUB_SEED is already in the keyed state."""
    prf_keygen = keyed.prf_keygen
    return [prf_keygen(prefix20 + _CHAIN[i] + b"\0" * 8) for i in range(keyed.params.wots_len)]


def sign(keyed: Keyed, digest: bytes, prefix20: bytes) -> bytes:
    """RFC 8391 Algorithm 5: the WOTS+ signature of the n-byte `digest`."""
    out = []
    for i, (sk, d) in enumerate(zip(_secrets_with_pub(keyed, prefix20), digits(keyed.params, digest))):
        out.append(chain(keyed, sk, 0, d, prefix20 + _CHAIN[i]))
    return b"".join(out)


def public_from_signature(keyed: Keyed, signature: bytes, digest: bytes, prefix20: bytes) -> list[bytes]:
    """RFC 8391 Algorithm 6: the chain ends a valid signature leads to."""
    n = keyed.n
    return [
        chain(keyed, signature[i * n : (i + 1) * n], d, W - 1 - d, prefix20 + _CHAIN[i])
        for i, d in enumerate(digits(keyed.params, digest))
    ]
