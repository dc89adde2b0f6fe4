"""GP §3.8.1 hash functions: H = blake2b-256 (stdlib) and H_K = keccak-256 (pycryptodome)."""

from __future__ import annotations

import hashlib

from Crypto.Hash import keccak


def blake2b_256(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def keccak_256(data: bytes) -> bytes:
    return keccak.new(data=data, digest_bits=256).digest()
