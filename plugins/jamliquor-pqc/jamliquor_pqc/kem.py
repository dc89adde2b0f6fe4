"""Key encapsulation: ML-KEM (FIPS 203) over the active backend, and the hybrid
`x25519+ml-kem-768`, built here as X-Wing (draft-connolly-cfrg-xwing-kem).

ML-KEM secrets are the 64-byte seed d ‖ z (FIPS 203 allows keeping the seed in place of dk) or,
where the backend takes it, the expanded decapsulation key dk (1632/2400/3168 bytes), which is
checked when used (FIPS 203 §7.3 hash check, and the backend's pairwise check) — ``kem_keygen``
given one imports it (ek read from it, dk returned as the secret); public keys the
encapsulation key ek, ciphertexts c, shared secrets K (32 bytes). Encapsulation always draws
fresh randomness: Encaps_internal with a caller's m should not be made available to
applications other than for testing (FIPS 203 §3.3, §6).

X-Wing, and why it: an attacker must break *both* X25519 and ML-KEM-768 to learn the shared
secret, and the combiner is a single SHA3-256 call with no HKDF:

    ss = SHA3-256(ss_M ‖ ss_X ‖ ct_X ‖ pk_X ‖ "\\.//^\\")

It binds the X25519 share and public key (X25519 alone is not ciphertext-binding) but not the
ML-KEM ciphertext or key, which ML-KEM already binds through its Fujisaki–Okamoto transform —
the draft's security argument (IND-CCA if either component holds) and the one fixed parameter
set (ML-KEM-768 + X25519) leave nothing to choose, and it is the same construction as
MLKEM768-X25519 of draft-irtf-cfrg-concrete-hybrid-kems, so other libraries interoperate (the
tests cross-check it against pycryptodome's independent implementation). Secret = the 32-byte X-Wing seed, expanded
with SHAKE256 into the ML-KEM seed (d ‖ z) and the X25519 secret; public = pk_M ‖ pk_X (1216
bytes); ciphertext = ct_M ‖ ct_X (1120 bytes).
"""

from __future__ import annotations

import hashlib
import os

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from jamliquor.crypto.schemes import SchemeInputError

from .backend import MLKEM_SEED_BYTES, Backend
from .secret_keys import need_secret, with_key

SEED_BYTES = MLKEM_SEED_BYTES
EXPANDED_SECRET_BYTES = {"ml-kem-512": 1632, "ml-kem-768": 2400, "ml-kem-1024": 3168}
PUBLIC_BYTES = {"ml-kem-512": 800, "ml-kem-768": 1184, "ml-kem-1024": 1568}
CIPHERTEXT_BYTES = {"ml-kem-512": 768, "ml-kem-768": 1088, "ml-kem-1024": 1568}
XWING = "x25519+ml-kem-768"
XWING_SEED_BYTES = 32
XWING_LABEL = b"\\.//^\\"
_X = 32  # X25519 key and share size


def schemes(backend: Backend) -> tuple[str, ...]:
    return (*backend.mlkem_sets, *((XWING,) if "ml-kem-768" in backend.mlkem_sets else ()))


def _need(scheme: str, what: str, value: bytes, size: int) -> None:
    if len(value) != size:
        raise SchemeInputError(f"{scheme} {what} must be {size} bytes, got {len(value)}")


def _x25519(secret: bytes, public: bytes) -> bytes:
    try:
        return X25519PrivateKey.from_private_bytes(secret).exchange(X25519PublicKey.from_public_bytes(public))
    except ValueError as exc:  # a low-order point gives the all-zero secret, which cryptography refuses
        raise SchemeInputError(f"{XWING}: invalid X25519 share ({exc})") from None


def _x25519_public(secret: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(secret).public_key().public_bytes_raw()


def _xwing_expand(seed: bytes) -> tuple[bytes, bytes]:
    """(ML-KEM-768 seed d ‖ z, X25519 secret) of an X-Wing secret."""
    expanded = hashlib.shake_256(seed).digest(96)
    return expanded[:64], expanded[64:]


def _xwing_combine(ss_m: bytes, ss_x: bytes, ct_x: bytes, pk_x: bytes) -> bytes:
    return hashlib.sha3_256(ss_m + ss_x + ct_x + pk_x + XWING_LABEL).digest()


def _need_secret(backend: Backend, scheme: str, secret: bytes, what: str) -> None:
    """d ‖ z, or the expanded dk where the backend takes one."""
    need_secret(backend, scheme, secret, what, (SEED_BYTES, "d ‖ z"), (EXPANDED_SECRET_BYTES[scheme], "expanded dk"))


def _with_secret(scheme: str, call, *args):
    """`call(*args)`, with a decapsulation key the library refuses (§7.3) reported as bad input."""
    return with_key(scheme, "decapsulation key", call, *args)


def _ours(backend: Backend, scheme: str) -> bool:
    return scheme in backend.mlkem_sets or (scheme == XWING and "ml-kem-768" in backend.mlkem_sets)


def keygen(backend: Backend, scheme: str, seed: bytes) -> tuple[bytes, bytes] | None:
    if not _ours(backend, scheme):
        return None
    if scheme == XWING:
        seed = seed or os.urandom(XWING_SEED_BYTES)
        _need(scheme, "seed", seed, XWING_SEED_BYTES)
        seed_m, sk_x = _xwing_expand(seed)
        return backend.mlkem_public("ml-kem-768", seed_m) + _x25519_public(sk_x), seed
    seed = seed or os.urandom(SEED_BYTES)
    _need_secret(backend, scheme, seed, "seed")  # an expanded dk is imported as it is
    return _with_secret(scheme, backend.mlkem_public, scheme, seed), seed


def _encapsulate(backend: Backend, ps: str, public: bytes) -> tuple[bytes, bytes]:
    try:
        return backend.mlkem_encapsulate(ps, public)
    except ValueError as exc:  # FIPS 203 §7.2 encapsulation-key check
        raise SchemeInputError(f"{ps}: invalid encapsulation key ({exc})") from None


def encapsulate(backend: Backend, scheme: str, public: bytes) -> tuple[bytes, bytes] | None:
    if not _ours(backend, scheme):
        return None
    if scheme == XWING:
        _need(scheme, "public key", public, PUBLIC_BYTES["ml-kem-768"] + _X)
        pk_m, pk_x = public[:-_X], public[-_X:]
        ct_m, ss_m = _encapsulate(backend, "ml-kem-768", pk_m)
        ephemeral = os.urandom(_X)
        ct_x = _x25519_public(ephemeral)
        ss_x = _x25519(ephemeral, pk_x)
        return ct_m + ct_x, _xwing_combine(ss_m, ss_x, ct_x, pk_x)
    _need(scheme, "public key", public, PUBLIC_BYTES[scheme])
    return _encapsulate(backend, scheme, public)


def decapsulate(backend: Backend, scheme: str, secret: bytes, ciphertext: bytes) -> bytes | None:
    if not _ours(backend, scheme):
        return None
    if scheme == XWING:
        _need(scheme, "secret", secret, XWING_SEED_BYTES)
        _need(scheme, "ciphertext", ciphertext, CIPHERTEXT_BYTES["ml-kem-768"] + _X)
        seed_m, sk_x = _xwing_expand(secret)
        ct_m, ct_x = ciphertext[:-_X], ciphertext[-_X:]
        ss_m = backend.mlkem_decapsulate("ml-kem-768", seed_m, ct_m)
        return _xwing_combine(ss_m, _x25519(sk_x, ct_x), ct_x, _x25519_public(sk_x))
    _need_secret(backend, scheme, secret, "secret")
    _need(scheme, "ciphertext", ciphertext, CIPHERTEXT_BYTES[scheme])
    return _with_secret(scheme, backend.mlkem_decapsulate, scheme, secret, ciphertext)
