"""KEMs through the hooks: ML-KEM-512/768/1024 and X-Wing round trips, expanded decapsulation
keys, X-Wing against pycryptodome's independent implementation, implicit rejection, and bad
input."""

from __future__ import annotations

import pytest
from Crypto.PublicKey import Hybrid, MLKEM

from jamliquor.crypto import schemes
from jamliquor.crypto.schemes import SchemeInputError, UnknownSchemeError

SIZES = {"ml-kem-512": (800, 768), "ml-kem-768": (1184, 1088), "ml-kem-1024": (1568, 1568), "x25519+ml-kem-768": (1216, 1120)}


def test_offered(host) -> None:
    assert host.kem_schemes() == ["ml-kem-1024", "ml-kem-512", "ml-kem-768", "x25519+ml-kem-768"]


@pytest.mark.parametrize("scheme", sorted(SIZES))
def test_round_trip_and_implicit_rejection(host, scheme) -> None:
    seed = bytes(range(64 if scheme.startswith("ml-kem") else 32))
    public, secret = schemes.kem_keygen(scheme, seed, host=host)
    assert schemes.kem_keygen(scheme, seed, host=host) == (public, secret)
    assert len(public) == SIZES[scheme][0]
    ciphertext, shared = schemes.kem_encapsulate(scheme, public, host=host)
    assert len(ciphertext) == SIZES[scheme][1] and len(shared) == 32
    assert schemes.kem_decapsulate(scheme, secret, ciphertext, host=host) == shared
    forged = bytearray(ciphertext)
    forged[5] ^= 1  # in the ML-KEM part: implicit rejection gives another secret, no error
    assert schemes.kem_decapsulate(scheme, secret, bytes(forged), host=host) != shared


@pytest.mark.parametrize("scheme", ["ml-kem-512", "ml-kem-768", "ml-kem-1024"])
def test_expanded_dk_is_imported_and_decapsulates_like_its_seed(host, scheme) -> None:
    seed = bytes(range(64, 128))
    public, _ = schemes.kem_keygen(scheme, seed, host=host)
    dk = MLKEM.construct(param_set=MLKEM.ParamSet(scheme.upper()), seed=seed).expanded_dk
    assert schemes.kem_keygen(scheme, dk, host=host) == (public, dk)  # ek read from dk, dk kept as the secret
    ciphertext, shared = schemes.kem_encapsulate(scheme, public, host=host)
    assert schemes.kem_decapsulate(scheme, dk, ciphertext, host=host) == shared
    assert schemes.kem_decapsulate(scheme, seed, ciphertext, host=host) == shared
    forged = bytearray(dk)
    forged[-40] ^= 1  # inside H(ek): the FIPS 203 §7.3 hash check fails
    with pytest.raises(SchemeInputError, match=f"{scheme}: invalid decapsulation key"):
        schemes.kem_keygen(scheme, bytes(forged), host=host)
    with pytest.raises(SchemeInputError, match=f"{scheme}: invalid decapsulation key"):
        schemes.kem_decapsulate(scheme, bytes(forged), ciphertext, host=host)


def test_xwing_matches_pycryptodome(host) -> None:
    """X-Wing here (cryptography's ML-KEM + X25519 + hashlib) and pycryptodome's X-Wing
    (MLKEM768-X25519 of draft-irtf-cfrg-concrete-hybrid-kems; a private constructor, pinned
    version) agree on keys and on shared secrets in both directions."""
    seed = bytes(range(100, 132))
    public, secret = schemes.kem_keygen("x25519+ml-kem-768", seed, host=host)
    theirs = Hybrid._construct(param_set=Hybrid.MLKEM768_X25519, seed=seed)
    assert theirs._pk == public
    ciphertext, shared = schemes.kem_encapsulate("x25519+ml-kem-768", public, host=host)
    assert theirs._decaps(ciphertext) == shared
    their_shared, their_ct = theirs.public_key()._encaps()
    assert schemes.kem_decapsulate("x25519+ml-kem-768", secret, their_ct, host=host) == their_shared


def test_bad_input(host) -> None:
    with pytest.raises(UnknownSchemeError, match="offered: ml-kem-1024, ml-kem-512, ml-kem-768, x25519\\+ml-kem-768"):
        schemes.kem_encapsulate("ml-kem-256", bytes(800), host=host)
    with pytest.raises(SchemeInputError, match="1184 bytes"):
        schemes.kem_encapsulate("ml-kem-768", bytes(10), host=host)
    with pytest.raises(SchemeInputError, match="invalid encapsulation key"):
        schemes.kem_encapsulate("ml-kem-768", b"\xff" * 1184, host=host)  # coefficients ≥ q (FIPS 203 §7.2)
    with pytest.raises(SchemeInputError, match="ciphertext must be 1120"):
        schemes.kem_decapsulate("x25519+ml-kem-768", bytes(32), bytes(3), host=host)
    with pytest.raises(SchemeInputError, match="invalid X25519 share"):
        schemes.kem_decapsulate("x25519+ml-kem-768", bytes(32), bytes(1120), host=host)  # low-order point
    with pytest.raises(SchemeInputError, match="seed must be 64 bytes .d ‖ z. or 3168 bytes .expanded dk., got 32"):
        schemes.kem_keygen("ml-kem-1024", bytes(32), host=host)
