"""The backend boundary: the only module that touches an ML-DSA / ML-KEM library.

Three libraries, combined once at load:

* ``cryptography`` (default; a kernel dependency whose wheel carries OpenSSL): ML-DSA-44/65/87
  and ML-KEM-768/1024 from FIPS seeds (``from_seed_bytes``), hedged signing, external µ.
* ``pycryptodome`` (a kernel dependency too) completes it: what ``cryptography`` 50 cannot
  express goes there — expanded secret keys (FIPS 204 skEncode, FIPS 203 dk; cryptography
  imports seeds only), deterministic ML-DSA signing (rnd = 0^32), ML-KEM-512. Its 4.4.0 public
  API has no signing or verifying of a given µ and no bare ML-KEM Encaps/Decaps (only HPKE), so
  those use its private ``MLDSAKey._sign/_verify`` and ``MLKEMKey._encaps/_decaps``: the version is
  pinned exactly by the kernel and the methods are checked at load (:class:`BackendError`).
  ``JAMLIQUOR_PQC_BACKEND=pycryptodome`` uses it for everything.
* ``liboqs`` (``JAMLIQUOR_PQC_BACKEND=liboqs``): liboqs-python over the liboqs C library, used only
  where that library is already on the system (found with ``ctypes.util.find_library`` *before*
  importing ``oqs``, whose import would otherwise try to fetch and build liboqs), completed by
  pycryptodome like ``cryptography``. **Untested here**: liboqs cannot be installed on the
  development VM, so every line of :class:`_Liboqs` is unexercised by the test-suite.

Secrets are the FIPS seeds (ML-DSA ξ, 32 bytes; ML-KEM d ‖ z, 64 bytes) or, where a backend
takes them, the expanded encodings (told apart by size); public keys, signatures and
ciphertexts are the FIPS 203/204 encodings, so keys move between backends. Functions raise
``ValueError`` for input the library refuses; the scheme layer above turns that into
:class:`jamliquor.crypto.schemes.SchemeInputError`.
"""

from __future__ import annotations

import ctypes.util
import functools
import os
from typing import Protocol

import Crypto
import cryptography
from Crypto.PublicKey import MLDSA, MLKEM
from Crypto.Random import get_random_bytes
from Crypto.Signature import mldsa as pycryptodome_mldsa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.backends.openssl.backend import backend as _openssl
from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem

BACKEND_ENV = "JAMLIQUOR_PQC_BACKEND"
MLDSA_SEED_BYTES = 32  # ξ (FIPS 204 Algorithm 6)
MLKEM_SEED_BYTES = 64  # d ‖ z (FIPS 203 Algorithm 16)
RND_BYTES = 32  # FIPS 204 Algorithm 2: rnd; the deterministic variant fixes it to 0^32


class Backend(Protocol):
    name: str
    mldsa_sets: tuple[str, ...]
    mlkem_sets: tuple[str, ...]
    expanded_keys: bool  # secrets may be the expanded FIPS 204 sk / FIPS 203 dk
    deterministic: bool  # ML-DSA signing with rnd = 0^32
    external_mu: bool  # ML-DSA signing and verifying a given µ

    def describe(self) -> str: ...
    def mldsa_public(self, ps: str, secret: bytes) -> bytes: ...
    def mldsa_sign(self, ps: str, secret: bytes, message: bytes, context: bytes, deterministic: bool) -> bytes: ...
    def mldsa_sign_mu(self, ps: str, secret: bytes, mu: bytes, deterministic: bool) -> bytes: ...
    def mldsa_verify(self, ps: str, public: bytes, message: bytes, signature: bytes, context: bytes) -> bool: ...
    def mldsa_verify_mu(self, ps: str, public: bytes, mu: bytes, signature: bytes) -> bool: ...
    def mlkem_public(self, ps: str, secret: bytes) -> bytes: ...
    def mlkem_encapsulate(self, ps: str, public: bytes) -> tuple[bytes, bytes]: ...
    def mlkem_decapsulate(self, ps: str, secret: bytes, ciphertext: bytes) -> bytes: ...


class BackendError(RuntimeError):
    """The requested backend cannot be used on this system."""


def _seeds_only(name: str, secret: bytes, seed_bytes: int, deterministic: bool = False) -> None:
    """Guard for the seed-only, hedged-only backends (the router never asks them otherwise)."""
    if len(secret) != seed_bytes:
        raise ValueError(f"the {name} backend takes seeds only ({seed_bytes} bytes)")
    if deterministic:
        raise ValueError(f"the {name} backend has no deterministic signing")


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
    expanded_keys = deterministic = False
    external_mu = True

    def __init__(self) -> None:
        if not (_openssl.mldsa_supported() and _openssl.mlkem_supported()):
            raise BackendError(f"cryptography {cryptography.__version__} lacks ML-DSA/ML-KEM ({_openssl.openssl_version_text()})")

    def describe(self) -> str:
        return f"cryptography {cryptography.__version__} ({_openssl.openssl_version_text()})"

    # Expanding a seed costs a key generation (~0.4 ms for ML-DSA-65): keep the last few keys.
    @functools.lru_cache(maxsize=8)
    def _dsa_private(self, ps: str, seed: bytes):
        _seeds_only(self.name, seed, MLDSA_SEED_BYTES)
        return self._DSA[ps][0].from_seed_bytes(seed)

    @functools.lru_cache(maxsize=8)
    def _kem_private(self, ps: str, seed: bytes):
        _seeds_only(self.name, seed, MLKEM_SEED_BYTES)
        return self._KEM[ps][0].from_seed_bytes(seed)

    def mldsa_public(self, ps: str, secret: bytes) -> bytes:
        return self._dsa_private(ps, secret).public_key().public_bytes_raw()

    def mldsa_sign(self, ps: str, secret: bytes, message: bytes, context: bytes, deterministic: bool) -> bytes:
        _seeds_only(self.name, secret, MLDSA_SEED_BYTES, deterministic)
        return self._dsa_private(ps, secret).sign(message, context)

    def mldsa_sign_mu(self, ps: str, secret: bytes, mu: bytes, deterministic: bool) -> bytes:
        _seeds_only(self.name, secret, MLDSA_SEED_BYTES, deterministic)
        return self._dsa_private(ps, secret).sign_mu(mu)

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

    def mlkem_public(self, ps: str, secret: bytes) -> bytes:
        return self._kem_private(ps, secret).public_key().public_bytes_raw()

    def mlkem_encapsulate(self, ps: str, public: bytes) -> tuple[bytes, bytes]:
        shared, ciphertext = self._KEM[ps][1].from_public_bytes(public).encapsulate()
        return ciphertext, shared

    def mlkem_decapsulate(self, ps: str, secret: bytes, ciphertext: bytes) -> bytes:
        return self._kem_private(ps, secret).decapsulate(ciphertext)


class _Pycryptodome:
    name = "pycryptodome"
    _DSA = {"ml-dsa-44": MLDSA.ML_DSA_44, "ml-dsa-65": MLDSA.ML_DSA_65, "ml-dsa-87": MLDSA.ML_DSA_87}
    _KEM = {"ml-kem-512": MLKEM.ML_KEM_512, "ml-kem-768": MLKEM.ML_KEM_768, "ml-kem-1024": MLKEM.ML_KEM_1024}
    _PRIVATE_API = ((MLDSA.MLDSAKey, "_sign"), (MLDSA.MLDSAKey, "_verify"), (MLKEM.MLKEMKey, "_encaps"), (MLKEM.MLKEMKey, "_decaps"))
    mldsa_sets = tuple(_DSA)
    mlkem_sets = tuple(_KEM)
    expanded_keys = deterministic = external_mu = True

    def __init__(self) -> None:
        missing = [f"{cls.__name__}.{attr}" for cls, attr in self._PRIVATE_API if not callable(getattr(cls, attr, None))]
        if missing:
            raise BackendError(f"pycryptodome {Crypto.__version__} lacks {', '.join(missing)} (the kernel pins 4.4.0)")

    def describe(self) -> str:
        return f"pycryptodome {Crypto.__version__}"

    # Importing an expanded key checks it (and, for ML-KEM, runs a pairwise encapsulation):
    # ~0.3 ms, as much as expanding a seed. Keep the last few keys.
    @functools.lru_cache(maxsize=8)
    def _dsa_private(self, ps: str, secret: bytes) -> MLDSA.MLDSAKey:
        form = "seed" if len(secret) == MLDSA_SEED_BYTES else "sk"
        return MLDSA.construct(param_set=self._DSA[ps], **{form: secret})

    @functools.lru_cache(maxsize=8)
    def _kem_private(self, ps: str, secret: bytes) -> MLKEM.MLKEMKey:
        form = "seed" if len(secret) == MLKEM_SEED_BYTES else "expanded_dk"
        return MLKEM.construct(param_set=self._KEM[ps], **{form: secret})

    def mldsa_public(self, ps: str, secret: bytes) -> bytes:
        return self._dsa_private(ps, secret).pk

    def mldsa_sign(self, ps: str, secret: bytes, message: bytes, context: bytes, deterministic: bool) -> bytes:
        return pycryptodome_mldsa.new(self._dsa_private(ps, secret), context, deterministic=deterministic).sign(message)

    def mldsa_sign_mu(self, ps: str, secret: bytes, mu: bytes, deterministic: bool) -> bytes:
        rnd = bytes(RND_BYTES) if deterministic else get_random_bytes(RND_BYTES)
        return self._dsa_private(ps, secret)._sign(mu, rnd, external_mu=True)  # private: see module docstring

    def mldsa_verify(self, ps: str, public: bytes, message: bytes, signature: bytes, context: bytes) -> bool:
        try:
            pycryptodome_mldsa.new(MLDSA.construct(param_set=self._DSA[ps], pk=public), context).verify(message, signature)
        except (ValueError, TypeError):
            return False
        return True

    def mldsa_verify_mu(self, ps: str, public: bytes, mu: bytes, signature: bytes) -> bool:
        try:
            return MLDSA.construct(param_set=self._DSA[ps], pk=public)._verify(mu, signature, external_mu=True)
        except (ValueError, TypeError):
            return False

    def mlkem_public(self, ps: str, secret: bytes) -> bytes:
        return self._kem_private(ps, secret).ek

    def mlkem_encapsulate(self, ps: str, public: bytes) -> tuple[bytes, bytes]:
        shared, ciphertext = MLKEM.construct(param_set=self._KEM[ps], ek=public)._encaps()  # §7.2 check on construct
        return ciphertext, shared

    def mlkem_decapsulate(self, ps: str, secret: bytes, ciphertext: bytes) -> bytes:
        return self._kem_private(ps, secret)._decaps(ciphertext)


class _Liboqs:  # UNTESTED: liboqs is not installable on the development VM (see module docstring)
    name = "liboqs"
    _NAMES = {"ml-dsa-44": "ML-DSA-44", "ml-dsa-65": "ML-DSA-65", "ml-dsa-87": "ML-DSA-87",
              "ml-kem-512": "ML-KEM-512", "ml-kem-768": "ML-KEM-768", "ml-kem-1024": "ML-KEM-1024"}
    expanded_keys = deterministic = external_mu = False

    def __init__(self) -> None:
        if not liboqs_present():
            raise BackendError(f"{BACKEND_ENV}=liboqs but the liboqs C library is not on this system")
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
        _seeds_only(self.name, seed, MLDSA_SEED_BYTES)
        signer = self._oqs.Signature(self._NAMES[ps])
        public = signer.generate_keypair_seed(seed)
        return signer, public

    def mldsa_public(self, ps: str, secret: bytes) -> bytes:
        return bytes(self._signer(ps, secret)[1])

    def mldsa_sign(self, ps: str, secret: bytes, message: bytes, context: bytes, deterministic: bool) -> bytes:
        _seeds_only(self.name, secret, MLDSA_SEED_BYTES, deterministic)
        return bytes(self._signer(ps, secret)[0].sign_with_ctx_str(message, context))

    def mldsa_sign_mu(self, ps: str, secret: bytes, mu: bytes, deterministic: bool) -> bytes:
        raise ValueError("the liboqs backend has no external-µ signing")

    def mldsa_verify(self, ps: str, public: bytes, message: bytes, signature: bytes, context: bytes) -> bool:
        try:
            with self._oqs.Signature(self._NAMES[ps]) as verifier:
                return bool(verifier.verify_with_ctx_str(message, signature, context, public))
        except Exception:
            return False

    def mldsa_verify_mu(self, ps: str, public: bytes, mu: bytes, signature: bytes) -> bool:
        return False  # not offered by liboqs' interface

    def mlkem_public(self, ps: str, secret: bytes) -> bytes:
        _seeds_only(self.name, secret, MLKEM_SEED_BYTES)
        return bytes(self._oqs.KeyEncapsulation(self._NAMES[ps]).generate_keypair_seed(secret))

    def mlkem_encapsulate(self, ps: str, public: bytes) -> tuple[bytes, bytes]:
        with self._oqs.KeyEncapsulation(self._NAMES[ps]) as kem:
            ciphertext, shared = kem.encap_secret(public)
        return bytes(ciphertext), bytes(shared)

    def mlkem_decapsulate(self, ps: str, secret: bytes, ciphertext: bytes) -> bytes:
        _seeds_only(self.name, secret, MLKEM_SEED_BYTES)
        kem = self._oqs.KeyEncapsulation(self._NAMES[ps])
        kem.generate_keypair_seed(secret)
        return bytes(kem.decap_secret(ciphertext))


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return (*first, *(s for s in second if s not in first))


class _Routed:
    """A default backend completed by another: each call goes to the default unless it cannot
    express it (a parameter set it lacks, an expanded key, deterministic or external-µ signing)."""

    def __init__(self, default: Backend, complement: Backend) -> None:
        self.default, self.complement = default, complement
        self.name = f"{default.name}+{complement.name}"
        self.mldsa_sets = _union(default.mldsa_sets, complement.mldsa_sets)
        self.mlkem_sets = _union(default.mlkem_sets, complement.mlkem_sets)
        self.expanded_keys = default.expanded_keys or complement.expanded_keys
        self.deterministic = default.deterministic or complement.deterministic
        self.external_mu = default.external_mu or complement.external_mu

    def describe(self) -> str:
        d, c = self.default, self.complement
        roles = [s.upper() for s in (*c.mldsa_sets, *c.mlkem_sets) if s not in (*d.mldsa_sets, *d.mlkem_sets)]
        roles += [what for what, by_c, by_d in (
            ("expanded keys", c.expanded_keys, d.expanded_keys),
            ("deterministic ML-DSA", c.deterministic, d.deterministic),
            ("external µ", c.external_mu, d.external_mu),
        ) if by_c and not by_d]
        return f"{d.describe()} by default, {c.describe()} for {', '.join(roles) or 'nothing'}"

    def _dsa(self, ps: str, secret: bytes = b"", deterministic: bool = False, mu: bool = False) -> Backend:
        d = self.default
        seed = len(secret) in (0, MLDSA_SEED_BYTES)  # 0: verification, no secret
        if ps in d.mldsa_sets and (seed or d.expanded_keys) and (d.deterministic or not deterministic) and (d.external_mu or not mu):
            return d
        return self.complement

    def _kem(self, ps: str, secret: bytes = b"") -> Backend:
        d = self.default
        seed = len(secret) in (0, MLKEM_SEED_BYTES)
        return d if ps in d.mlkem_sets and (seed or d.expanded_keys) else self.complement

    def mldsa_public(self, ps: str, secret: bytes) -> bytes:
        return self._dsa(ps, secret).mldsa_public(ps, secret)

    def mldsa_sign(self, ps: str, secret: bytes, message: bytes, context: bytes, deterministic: bool) -> bytes:
        return self._dsa(ps, secret, deterministic).mldsa_sign(ps, secret, message, context, deterministic)

    def mldsa_sign_mu(self, ps: str, secret: bytes, mu: bytes, deterministic: bool) -> bytes:
        return self._dsa(ps, secret, deterministic, mu=True).mldsa_sign_mu(ps, secret, mu, deterministic)

    def mldsa_verify(self, ps: str, public: bytes, message: bytes, signature: bytes, context: bytes) -> bool:
        return self._dsa(ps).mldsa_verify(ps, public, message, signature, context)

    def mldsa_verify_mu(self, ps: str, public: bytes, mu: bytes, signature: bytes) -> bool:
        return self._dsa(ps, mu=True).mldsa_verify_mu(ps, public, mu, signature)

    def mlkem_public(self, ps: str, secret: bytes) -> bytes:
        return self._kem(ps, secret).mlkem_public(ps, secret)

    def mlkem_encapsulate(self, ps: str, public: bytes) -> tuple[bytes, bytes]:
        return self._kem(ps).mlkem_encapsulate(ps, public)

    def mlkem_decapsulate(self, ps: str, secret: bytes, ciphertext: bytes) -> bytes:
        return self._kem(ps, secret).mlkem_decapsulate(ps, secret, ciphertext)


def liboqs_present() -> bool:
    return ctypes.util.find_library("oqs") is not None


BACKENDS = ("cryptography", "pycryptodome", "liboqs")


def select(requested: str | None = None) -> Backend:
    """The backend named by `requested` (default: $JAMLIQUOR_PQC_BACKEND, else cryptography),
    completed by pycryptodome unless that is the one asked for."""
    name = (requested or os.environ.get(BACKEND_ENV) or "cryptography").strip().lower()
    if name not in BACKENDS:
        raise BackendError(f"unknown {BACKEND_ENV} {name!r}; backends: {', '.join(BACKENDS)}")
    complement = _Pycryptodome()
    if name == "pycryptodome":
        return complement
    return _Routed(_Cryptography() if name == "cryptography" else _Liboqs(), complement)
