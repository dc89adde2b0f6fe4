"""Built-in signature schemes: `ed25519` (ZIP-215 verification) and `bandersnatch` (IETF VRF).

Neither takes a context string: a non-empty one is refused by `sign` and makes `verify` False.
Both keys derive from a 32-byte seed (`keygen`): the Ed25519 secret *is* the seed (RFC 8032
§5.1.5); the Bandersnatch secret is `secret_from_seed(seed)`."""

from __future__ import annotations

import os

from ..crypto import bandersnatch, ed25519
from ..crypto.schemes import SchemeInputError
from ..hookspecs import hookimpl, split_vrf_message

SCHEMES = ("bandersnatch", "ed25519")
SEED_BYTES = 32


def _check(scheme: str, what: str, value: bytes, size: int) -> None:
    if len(value) != size:
        raise SchemeInputError(f"{scheme} {what} must be {size} bytes, got {len(value)}")


def _no_context(scheme: str, context: bytes) -> None:
    if context:
        raise SchemeInputError(f"{scheme} takes no context string (got {len(context)} bytes)")


@hookimpl
def jamliquor_signature_schemes() -> tuple[str, ...]:
    return SCHEMES


@hookimpl
def jamliquor_keygen(scheme: str, seed: bytes) -> tuple[bytes, bytes] | None:
    if scheme not in SCHEMES:
        return None
    seed = seed or os.urandom(SEED_BYTES)
    _check(scheme, "seed", seed, SEED_BYTES)
    if scheme == "ed25519":
        return ed25519.public_key(seed), bytes(seed)
    secret = bandersnatch.secret_from_seed(seed)
    return bandersnatch.public_from_secret(secret), secret


@hookimpl
def jamliquor_sign(scheme: str, secret: bytes, message: bytes, context: bytes) -> bytes | None:
    if scheme == "ed25519":
        _no_context(scheme, context)
        _check(scheme, "secret", secret, SEED_BYTES)
        return ed25519.sign(secret, message)
    if scheme == "bandersnatch":
        _no_context(scheme, context)
        _check(scheme, "secret", secret, SEED_BYTES)
        vrf_input, aux = split_vrf_message(message)
        return bandersnatch.ietf_sign(secret, vrf_input, aux)
    return None


@hookimpl
def jamliquor_verify(scheme: str, public: bytes, message: bytes, signature: bytes, context: bytes) -> bool | None:
    if scheme == "ed25519":
        return not context and ed25519.verify(public, message, signature)
    if scheme == "bandersnatch":
        if context:
            return False
        vrf_input, aux = split_vrf_message(message)
        try:
            bandersnatch.ietf_verify(public, vrf_input, aux, signature)
        except bandersnatch.BandersnatchError:
            return False
        return True
    return None
