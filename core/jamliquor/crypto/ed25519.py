"""Ed25519 (GP §3.8.2). Verification follows ZIP-215 (consensus-critical; see README "Ed25519"):
libsodium's strict RFC 8032 checks reject valid JAM signatures, so verify with ed25519-zebra.
Keys and signing use pynacl."""

from __future__ import annotations

import ed25519_zebra
from nacl.signing import SigningKey


def public_key(seed: bytes) -> bytes:
    """The public key of a 32-byte secret seed."""
    return bytes(SigningKey(bytes(seed)).verify_key)


def sign(seed: bytes, message: bytes) -> bytes:
    return SigningKey(bytes(seed)).sign(bytes(message)).signature


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """ZIP-215 verification; malformed sizes or encodings are simply invalid (never raise)."""
    if len(public) != 32 or len(signature) != 64:
        return False
    try:
        return bool(ed25519_zebra.ed_verify(bytes(signature), bytes(message), bytes(public)))
    except Exception:  # the binding raises ValueError on undecodable points
        return False
