"""The DNS name N(k) of an Ed25519 key (JAMNP-S "Alternative name"), used in TLS certificates and
in JIP-4 bootnode entries: "e" followed by 52 base-32 digits of E_32⁻¹(k), least significant first."""

from __future__ import annotations

from ..errors import JamLiquorError

ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
NAME_LENGTH = 53
_DIGIT = {c: i for i, c in enumerate(ALPHABET)}


class KeyNameError(JamLiquorError, ValueError):
    """A string that is not the name of an Ed25519 key."""


def key_name(ed25519_public: bytes) -> str:
    """N(k) = "e" ⌢ B(E_32⁻¹(k), 52)."""
    if len(ed25519_public) != 32:
        raise KeyNameError(f"an Ed25519 public key is 32 bytes, got {len(ed25519_public)}")
    n = int.from_bytes(ed25519_public, "little")
    digits = []
    for _ in range(NAME_LENGTH - 1):
        n, d = divmod(n, 32)
        digits.append(ALPHABET[d])
    return "e" + "".join(digits)


def key_from_name(name: str) -> bytes:
    """The Ed25519 public key k with N(k) = name."""
    if len(name) != NAME_LENGTH or not name.startswith("e") or any(c not in _DIGIT for c in name[1:]):
        raise KeyNameError(f"{name!r} is not a key name ('e' and 52 characters of {ALPHABET})")
    n = sum(_DIGIT[c] << (5 * i) for i, c in enumerate(name[1:]))
    if n >> 256:
        raise KeyNameError(f"{name!r} encodes a number beyond 256 bits")
    return n.to_bytes(32, "little")
