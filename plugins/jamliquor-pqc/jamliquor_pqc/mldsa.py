"""ML-DSA (FIPS 204) schemes and the composite `ed25519+ml-dsa-65`, over the active backend.

* ``ml-dsa-44/65/87``: ML-DSA.Sign / Verify, the pure interface (Algorithms 2–3) with a context
  string of 0–255 bytes, hedged (fresh rnd per signature). Secret = ξ (the 32-byte seed, which
  FIPS 204 allows keeping instead of the expanded key) or, where the backend takes it, the
  expanded key skEncode (Algorithm 24: 2560/4032/4896 bytes) — ``keygen`` given one imports it
  (its public key recomputed, the key returned as the secret); public key = pkEncode (Algorithm
  22); signature = sigEncode (Algorithm 26).
* ``ml-dsa-44-det`` …: FIPS 204's deterministic variant (§3.4; Algorithm 2 with rnd = 0^32): the
  same keys, and signatures any ``ml-dsa-*`` verifier accepts, but one signature per (key,
  context, message). FIPS 204 permits it for a signer without fresh randomness; it also gives
  reproducible signatures (byte-identical artifacts, known-answer checks). §3.4 says it should
  not be used where side-channel — particularly fault — attacks are a concern and cannot be
  otherwise mitigated, which a device in the field often is: prefer the hedged schemes there.
  rnd is never a caller's choice: Sign_internal with an arbitrary rnd should not be made
  available to applications other than for testing (FIPS 204 §6), and is not offered.
* ``ml-dsa-44-mu``, ``ml-dsa-44-det-mu`` …: the same keys and signatures, but the message *is* µ
  (64 bytes), the message representative of Algorithm 7 line 6 computed by the caller
  ("external µ"): lets a caller stream a large message, and lets `jamliquor conformance pqc`
  check the internal and pre-hash (HashML-DSA) interfaces, whose µ it computes itself. No
  context (µ has it).
* ``ed25519+ml-dsa-65``: both signatures over one domain-separated message, both must verify
  (see :func:`_composite_message`). Secret = Ed25519 seed ‖ ξ; public = Ed25519 key ‖ ML-DSA key;
  signature = Ed25519 signature ‖ ML-DSA signature.
"""

from __future__ import annotations

import os

from jamliquor.crypto import ed25519
from jamliquor.crypto.schemes import SchemeInputError

from .backend import MLDSA_SEED_BYTES, Backend
from .secret_keys import need_secret, with_key

SEED_BYTES = MLDSA_SEED_BYTES
MU_BYTES = 64
MAX_CONTEXT = 255
PUBLIC_BYTES = {"ml-dsa-44": 1312, "ml-dsa-65": 1952, "ml-dsa-87": 2592}
EXPANDED_SECRET_BYTES = {"ml-dsa-44": 2560, "ml-dsa-65": 4032, "ml-dsa-87": 4896}
SIGNATURE_BYTES = {"ml-dsa-44": 2420, "ml-dsa-65": 3309, "ml-dsa-87": 4627}
DET_SUFFIX = "-det"
MU_SUFFIX = "-mu"
COMPOSITE = "ed25519+ml-dsa-65"
_COMPOSITE_DOMAIN = b"JAMLIQUOR-ED25519+ML-DSA-65-v1"


def schemes(backend: Backend) -> tuple[str, ...]:
    sets = backend.mldsa_sets
    signing = (*sets, *(s + DET_SUFFIX for s in sets if backend.deterministic))
    return (*signing, *(s + MU_SUFFIX for s in signing), *((COMPOSITE,) if "ml-dsa-65" in sets else ()))


def _parse(backend: Backend, scheme: str) -> tuple[str, bool, bool] | None:
    """(parameter set, deterministic, external µ) of one of our ML-DSA schemes, else None."""
    mu = scheme.endswith(MU_SUFFIX)
    ps = scheme.removesuffix(MU_SUFFIX)
    det = ps.endswith(DET_SUFFIX) and backend.deterministic
    ps = ps.removesuffix(DET_SUFFIX) if det else ps
    return (ps, det, mu) if ps in backend.mldsa_sets else None


def _need(scheme: str, what: str, value: bytes, size: int) -> None:
    if len(value) != size:
        raise SchemeInputError(f"{scheme} {what} must be {size} bytes, got {len(value)}")


def _need_secret(backend: Backend, scheme: str, ps: str, secret: bytes, what: str) -> None:
    """ξ, or the expanded sk where the backend takes one."""
    need_secret(backend, scheme, secret, what, (SEED_BYTES, "ξ"), (EXPANDED_SECRET_BYTES[ps], "expanded sk"))


def _library(scheme: str, call, *args):
    """`call(*args)`, with a key the library refuses (an inconsistent expanded sk) reported as bad input."""
    return with_key(scheme, "secret key", call, *args)


def _context(scheme: str, context: bytes, mu: bool) -> None:
    if mu and context:
        raise SchemeInputError(f"{scheme} takes no context: µ already binds it")
    if len(context) > MAX_CONTEXT:
        raise SchemeInputError(f"{scheme} context must be at most {MAX_CONTEXT} bytes, got {len(context)}")


def _seed(seed: bytes, size: int) -> bytes:
    return os.urandom(size) if not seed else seed


def keygen(backend: Backend, scheme: str, seed: bytes) -> tuple[bytes, bytes] | None:
    if scheme == COMPOSITE and "ml-dsa-65" in backend.mldsa_sets:
        seed = _seed(seed, 2 * SEED_BYTES)
        _need(scheme, "seed", seed, 2 * SEED_BYTES)
        return ed25519.public_key(seed[:SEED_BYTES]) + backend.mldsa_public("ml-dsa-65", seed[SEED_BYTES:]), seed
    parsed = _parse(backend, scheme)
    if parsed is None:
        return None
    seed = _seed(seed, SEED_BYTES)
    _need_secret(backend, scheme, parsed[0], seed, "seed")  # an expanded sk is imported as it is
    return _library(scheme, backend.mldsa_public, parsed[0], seed), seed


def _composite_message(message: bytes, context: bytes) -> bytes:
    """M' = domain ‖ |ctx| ‖ ctx ‖ M, signed by both halves (the ML-DSA half also under the domain
    as its context), so neither half verifies as a stand-alone Ed25519/ML-DSA signature on M."""
    return _COMPOSITE_DOMAIN + bytes([len(context)]) + context + message


def sign(backend: Backend, scheme: str, secret: bytes, message: bytes, context: bytes) -> bytes | None:
    if scheme == COMPOSITE and "ml-dsa-65" in backend.mldsa_sets:
        _need(scheme, "secret", secret, 2 * SEED_BYTES)
        _context(scheme, context, False)
        m = _composite_message(message, context)
        return ed25519.sign(secret[:SEED_BYTES], m) + backend.mldsa_sign("ml-dsa-65", secret[SEED_BYTES:], m, _COMPOSITE_DOMAIN, deterministic=False)
    parsed = _parse(backend, scheme)
    if parsed is None:
        return None
    ps, det, mu = parsed
    _need_secret(backend, scheme, ps, secret, "secret")
    _context(scheme, context, mu)
    if mu:
        _need(scheme, "message (µ)", message, MU_BYTES)
        return _library(scheme, backend.mldsa_sign_mu, ps, secret, message, det)
    return _library(scheme, backend.mldsa_sign, ps, secret, message, context, det)


def verify(backend: Backend, scheme: str, public: bytes, message: bytes, signature: bytes, context: bytes) -> bool | None:
    """None if `scheme` is not ours; otherwise a bool, whatever the input (never raises)."""
    if scheme == COMPOSITE and "ml-dsa-65" in backend.mldsa_sets:
        if len(public) != 32 + PUBLIC_BYTES["ml-dsa-65"] or len(signature) != 64 + SIGNATURE_BYTES["ml-dsa-65"]:
            return False
        if len(context) > MAX_CONTEXT:
            return False
        m = _composite_message(message, context)
        return ed25519.verify(public[:32], m, signature[:64]) and backend.mldsa_verify(
            "ml-dsa-65", public[32:], m, signature[64:], _COMPOSITE_DOMAIN
        )
    parsed = _parse(backend, scheme)
    if parsed is None:
        return None
    ps, _, mu = parsed  # deterministic or hedged: one verification
    if len(public) != PUBLIC_BYTES[ps] or len(signature) != SIGNATURE_BYTES[ps] or len(context) > MAX_CONTEXT:
        return False
    if mu:
        return not context and len(message) == MU_BYTES and backend.mldsa_verify_mu(ps, public, message, signature)
    return backend.mldsa_verify(ps, public, message, signature, context)
