"""The backend boundary: the only module that touches an ML-DSA / ML-KEM library.

Two backends, chosen once at load:

* ``cryptography`` (default; a kernel dependency whose wheel carries OpenSSL): ML-DSA-44/65/87
  and ML-KEM-768/1024 from FIPS seeds (``from_seed_bytes``), hedged signing, external µ.
* ``liboqs`` (``JAMLIQUOR_PQC_BACKEND=liboqs``): liboqs-python over the liboqs C library, used only
  where that library is already on the system (found with ``ctypes.util.find_library`` *before*
  importing ``oqs``, whose import would otherwise try to fetch and build liboqs). Offers
  ML-KEM-512 as well. **Untested here**: liboqs cannot be installed on the development VM, so
  every line of :class:`_Liboqs` is unexercised by the test-suite.

Secrets are always the FIPS seeds (ML-DSA ξ, 32 bytes; ML-KEM d ‖ z, 64 bytes), public keys,
signatures and ciphertexts the FIPS 203/204 encodings, so keys move between backends.
Functions raise ``ValueError`` for input the library refuses; the scheme layer above turns that
into :class:`jamliquor.crypto.schemes.SchemeInputError`.
"""

from __future__ import annotations

import ctypes.util
import functools
import os
from typing import Protocol

import cryptography
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.backends.openssl.backend import backend as _openssl
from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem

BACKEND_ENV = "JAMLIQUOR_PQC_BACKEND"


class Backend(Protocol):
    name: str
    mldsa_sets: tuple[str, ...]
    mlkem_sets: tuple[str, ...]

    def describe(self) -> str: ...
    def mldsa_public(self, ps: str, seed: bytes) -> bytes: ...
    def mldsa_sign(self, ps: str, seed: bytes, message: bytes, context: bytes) -> bytes: ...
    def mldsa_sign_mu(self, ps: str, seed: bytes, mu: bytes) -> bytes: ...
    def mldsa_verify(self, ps: str, public: bytes, message: bytes, signature: bytes, context: bytes) -> bool: ...
    def mldsa_verify_mu(self, ps: str, public: bytes, mu: bytes, signature: bytes) -> bool: ...
    def mlkem_public(self, ps: str, seed: bytes) -> bytes: ...
    def mlkem_encapsulate(self, ps: str, public: bytes) -> tuple[bytes, bytes]: ...
    def mlkem_decapsulate(self, ps: str, seed: bytes, ciphertext: bytes) -> bytes: ...


class _Cryptography:
    name = "cryptography"
    _DSA = {
        "ml-dsa-44": (mldsa.MLDSA44PrivateKey, mldsa.MLDSA44PublicKey),
        "ml-dsa-65": (mldsa.MLDSA65PrivateKey, mldsa.MLDSA65PublicKey),
        "ml-dsa-87": (mldsa.MLDSA87PrivateKey, mldsa.MLDSA87PublicKey),
    }
    _KEM = {
        "ml-kem-768": (mlkem.MLKEM768PrivateKey, mlkem.MLKEM768PublicKey),
        "ml-kem-1024": (mlkem.MLKEM1024PrivateKey, mlkem.MLKEM1024PublicKey),
    }
    mldsa_sets = tuple(_DSA)
    mlkem_sets = tuple(_KEM)

    def describe(self) -> str:
        return f"cryptography {cryptography.__version__} ({_openssl.openssl_version_text()})"

    # Expanding a seed costs a key generation (~0.4 ms for ML-DSA-65): keep the last few keys.
    @functools.lru_cache(maxsize=8)
    def _dsa_private(self, ps: str, seed: bytes):
        return self._DSA[ps][0].from_seed_bytes(seed)

    @functools.lru_cache(maxsize=8)
    def _kem_private(self, ps: str, seed: bytes):
        return self._KEM[ps][0].from_seed_bytes(seed)

    def mldsa_public(self, ps: str, seed: bytes) -> bytes:
        return self._dsa_private(ps, seed).public_key().public_bytes_raw()

    def mldsa_sign(self, ps: str, seed: bytes, message: bytes, context: bytes) -> bytes:
        return self._dsa_private(ps, seed).sign(message, context)

    def mldsa_sign_mu(self, ps: str, seed: bytes, mu: bytes) -> bytes:
        return self._dsa_private(ps, seed).sign_mu(mu)

    def mldsa_verify(self, ps: str, public: bytes, message: bytes, signature: bytes, context: bytes) -> bool:
        try:
            self._DSA[ps][1].from_public_bytes(public).verify(signature, message, context)
        except (InvalidSignature, ValueError):
            return False
        return True

    def mldsa_verify_mu(self, ps: str, public: bytes, mu: bytes, signature: bytes) -> bool:
        try:
            self._DSA[ps][1].from_public_bytes(public).verify_mu(signature, mu)
        except (InvalidSignature, ValueError):
            return False
        return True

    def mlkem_public(self, ps: str, seed: bytes) -> bytes:
        return self._kem_private(ps, seed).public_key().public_bytes_raw()

    def mlkem_encapsulate(self, ps: str, public: bytes) -> tuple[bytes, bytes]:
        shared, ciphertext = self._KEM[ps][1].from_public_bytes(public).encapsulate()
        return ciphertext, shared

    def mlkem_decapsulate(self, ps: str, seed: bytes, ciphertext: bytes) -> bytes:
        return self._kem_private(ps, seed).decapsulate(ciphertext)


class _Liboqs:  # UNTESTED: liboqs is not installable on the development VM (see module docstring)
    name = "liboqs"
    _NAMES = {"ml-dsa-44": "ML-DSA-44", "ml-dsa-65": "ML-DSA-65", "ml-dsa-87": "ML-DSA-87",
              "ml-kem-512": "ML-KEM-512", "ml-kem-768": "ML-KEM-768", "ml-kem-1024": "ML-KEM-1024"}

    def __init__(self) -> None:
        import oqs  # only after find_library("oqs") succeeded

        self._oqs = oqs
        sigs, kems = set(oqs.get_enabled_sig_mechanisms()), set(oqs.get_enabled_kem_mechanisms())
        seeded_sig = hasattr(oqs.Signature, "generate_keypair_seed")  # seed keygen: liboqs ≥ 0.14
        self.mldsa_sets = tuple(k for k in ("ml-dsa-44", "ml-dsa-65", "ml-dsa-87") if seeded_sig and self._NAMES[k] in sigs)
        seeded_kem = hasattr(oqs.KeyEncapsulation, "generate_keypair_seed")
        self.mlkem_sets = tuple(k for k in ("ml-kem-512", "ml-kem-768", "ml-kem-1024") if seeded_kem and self._NAMES[k] in kems)

    def describe(self) -> str:
        return f"liboqs {self._oqs.oqs_version()} (liboqs-python {self._oqs.oqs_python_version()})"

    def _signer(self, ps: str, seed: bytes):
        signer = self._oqs.Signature(self._NAMES[ps])
        public = signer.generate_keypair_seed(seed)
        return signer, public

    def mldsa_public(self, ps: str, seed: bytes) -> bytes:
        return bytes(self._signer(ps, seed)[1])

    def mldsa_sign(self, ps: str, seed: bytes, message: bytes, context: bytes) -> bytes:
        return bytes(self._signer(ps, seed)[0].sign_with_ctx_str(message, context))

    def mldsa_sign_mu(self, ps: str, seed: bytes, mu: bytes) -> bytes:
        raise ValueError("the liboqs backend has no external-µ signing")

    def mldsa_verify(self, ps: str, public: bytes, message: bytes, signature: bytes, context: bytes) -> bool:
        try:
            with self._oqs.Signature(self._NAMES[ps]) as verifier:
                return bool(verifier.verify_with_ctx_str(message, signature, context, public))
        except Exception:
            return False

    def mldsa_verify_mu(self, ps: str, public: bytes, mu: bytes, signature: bytes) -> bool:
        return False  # not offered by liboqs' interface

    def mlkem_public(self, ps: str, seed: bytes) -> bytes:
        return bytes(self._oqs.KeyEncapsulation(self._NAMES[ps]).generate_keypair_seed(seed))

    def mlkem_encapsulate(self, ps: str, public: bytes) -> tuple[bytes, bytes]:
        with self._oqs.KeyEncapsulation(self._NAMES[ps]) as kem:
            ciphertext, shared = kem.encap_secret(public)
        return bytes(ciphertext), bytes(shared)

    def mlkem_decapsulate(self, ps: str, seed: bytes, ciphertext: bytes) -> bytes:
        kem = self._oqs.KeyEncapsulation(self._NAMES[ps])
        kem.generate_keypair_seed(seed)
        return bytes(kem.decap_secret(ciphertext))


def liboqs_present() -> bool:
    return ctypes.util.find_library("oqs") is not None


class BackendError(RuntimeError):
    """The requested backend cannot be used on this system."""


def select(requested: str | None = None) -> Backend:
    """The backend named by `requested` (default: $JAMLIQUOR_PQC_BACKEND, else cryptography)."""
    name = (requested or os.environ.get(BACKEND_ENV) or "cryptography").strip().lower()
    if name == "cryptography":
        if not (_openssl.mldsa_supported() and _openssl.mlkem_supported()):
            raise BackendError(f"cryptography {cryptography.__version__} lacks ML-DSA/ML-KEM ({_openssl.openssl_version_text()})")
        return _Cryptography()
    if name == "liboqs":
        if not liboqs_present():
            raise BackendError(f"{BACKEND_ENV}=liboqs but the liboqs C library is not on this system")
        return _Liboqs()
    raise BackendError(f"unknown {BACKEND_ENV} {name!r}; backends: cryptography, liboqs")
