"""`jamliquor-pqc`'s hook implementations (entry point `pqc` in group `jamliquor`).

Signature schemes: ML-DSA-44/65/87 (+ their deterministic `-det` and external-µ `-mu` forms),
`ed25519+ml-dsa-65`, and every XMSS set; KEMs: ML-KEM-512/768/1024 and `x25519+ml-kem-768`
(X-Wing). Each hook answers `None` for a scheme it does not offer, so other plugins are asked.
"""

from __future__ import annotations

from jamliquor.hookspecs import hookimpl

from . import backend as backends
from . import kem, mldsa
from .xmss import schemes as xmss

BACKEND = backends.select()  # once, at load: JAMLIQUOR_PQC_BACKEND or cryptography, completed by pycryptodome


@hookimpl
def jamliquor_signature_schemes() -> tuple[str, ...]:
    return (*mldsa.schemes(BACKEND), *xmss.SCHEMES)


@hookimpl
def jamliquor_keygen(scheme: str, seed: bytes) -> tuple[bytes, bytes] | None:
    result = mldsa.keygen(BACKEND, scheme, seed)
    return result if result is not None else xmss.keygen(scheme, seed)


@hookimpl
def jamliquor_sign(scheme: str, secret: bytes, message: bytes, context: bytes) -> bytes | None:
    result = mldsa.sign(BACKEND, scheme, secret, message, context)
    return result if result is not None else xmss.sign(scheme, secret, message, context)


@hookimpl
def jamliquor_verify(scheme: str, public: bytes, message: bytes, signature: bytes, context: bytes) -> bool | None:
    try:
        result = mldsa.verify(BACKEND, scheme, public, message, signature, context)
        return result if result is not None else xmss.verify(scheme, public, message, signature, context)
    except Exception:  # verification never raises: whatever cannot be checked is invalid
        return False


@hookimpl
def jamliquor_kem_schemes() -> tuple[str, ...]:
    return kem.schemes(BACKEND)


@hookimpl
def jamliquor_kem_keygen(scheme: str, seed: bytes) -> tuple[bytes, bytes] | None:
    return kem.keygen(BACKEND, scheme, seed)


@hookimpl
def jamliquor_kem_encapsulate(scheme: str, public: bytes) -> tuple[bytes, bytes] | None:
    return kem.encapsulate(BACKEND, scheme, public)


@hookimpl
def jamliquor_kem_decapsulate(scheme: str, secret: bytes, ciphertext: bytes) -> bytes | None:
    return kem.decapsulate(BACKEND, scheme, secret, ciphertext)


@hookimpl
def jamliquor_status() -> str:
    liboqs = "present" if backends.liboqs_present() else "not found"
    return f"backends: {BACKEND.describe()}; liboqs: {liboqs}"
