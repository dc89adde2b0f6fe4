"""ML-DSA through the hooks: round trips per parameter set, contexts, external µ, expanded secret
keys, deterministic signing, the composite, and bad input (verify is False and never raises;
other calls give one clear error)."""

from __future__ import annotations

import hashlib

import pytest
from Crypto.PublicKey import MLDSA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jamliquor.crypto import schemes
from jamliquor.crypto.schemes import SchemeInputError, UnknownSchemeError

SETS = ("ml-dsa-44", "ml-dsa-65", "ml-dsa-87")
SIZES = {"ml-dsa-44": (1312, 2420), "ml-dsa-65": (1952, 3309), "ml-dsa-87": (2592, 4627)}
EXPANDED = {"ml-dsa-44": 2560, "ml-dsa-65": 4032, "ml-dsa-87": 4896}


def expanded_sk(scheme: str, seed: bytes) -> bytes:
    """The FIPS 204 skEncode of ξ = `seed`, as pycryptodome's key object holds it."""
    return MLDSA.construct(param_set=MLDSA.ParamSet(scheme.upper()), seed=seed).sk


def mu_of(public: bytes, message: bytes, context: bytes) -> bytes:
    """FIPS 204 Algorithm 7 line 6 for the pure interface: µ = H(H(pk, 64) ‖ 0 ‖ |ctx| ‖ ctx ‖ M, 64)."""
    tr = hashlib.shake_256(public).digest(64)
    return hashlib.shake_256(tr + bytes([0, len(context)]) + context + message).digest(64)


@pytest.mark.parametrize("scheme", SETS)
def test_round_trip_context_and_mu(host, scheme) -> None:
    public, secret = schemes.keygen(scheme, bytes(range(32)), host=host)
    assert (len(public), len(secret)) == (SIZES[scheme][0], 32)
    assert schemes.keygen(scheme, bytes(range(32)), host=host) == (public, secret)  # deterministic
    sig = schemes.sign(scheme, secret, b"plugin update", b"ctx", host=host)
    assert len(sig) == SIZES[scheme][1]
    assert schemes.verify(scheme, public, b"plugin update", sig, b"ctx", host=host)
    assert not schemes.verify(scheme, public, b"plugin update", sig, host=host)  # other context
    assert not schemes.verify(scheme, public, b"plugin updatE", sig, b"ctx", host=host)
    mu = mu_of(public, b"plugin update", b"ctx")
    assert schemes.verify(scheme + "-mu", public, mu, sig, host=host)  # the same signature, µ given
    sig_mu = schemes.sign(scheme + "-mu", secret, mu, host=host)
    assert schemes.verify(scheme, public, b"plugin update", sig_mu, b"ctx", host=host)


@pytest.mark.parametrize("scheme", SETS)
def test_expanded_key_is_imported_and_signs_like_its_seed(host, scheme) -> None:
    seed = bytes(range(32, 64))
    public, _ = schemes.keygen(scheme, seed, host=host)
    sk = expanded_sk(scheme, seed)
    assert len(sk) == EXPANDED[scheme]
    assert schemes.keygen(scheme, sk, host=host) == (public, sk)  # pk recomputed, the key kept as the secret
    for form in (sk, seed):
        assert schemes.verify(scheme, public, b"m", schemes.sign(scheme, form, b"m", b"c", host=host), b"c", host=host)
    # hedged: a fresh rnd each time
    assert schemes.sign(scheme, sk, b"m", host=host) != schemes.sign(scheme, sk, b"m", host=host)


@pytest.mark.parametrize("scheme", SETS)
def test_deterministic_schemes(host, scheme) -> None:
    seed = bytes(range(64, 96))
    public, secret = schemes.keygen(scheme + "-det", seed, host=host)
    assert (public, secret) == schemes.keygen(scheme, seed, host=host)  # the same keys
    sig = schemes.sign(scheme + "-det", secret, b"release 1.2", b"ctx", host=host)
    assert sig == schemes.sign(scheme + "-det", secret, b"release 1.2", b"ctx", host=host)  # rnd = 0^32
    assert sig == schemes.sign(scheme + "-det", expanded_sk(scheme, seed), b"release 1.2", b"ctx", host=host)
    assert sig != schemes.sign(scheme + "-det", secret, b"release 1.2", b"ctx2", host=host)
    assert schemes.verify(scheme, public, b"release 1.2", sig, b"ctx", host=host)  # any ML-DSA verifier accepts it
    assert schemes.verify(scheme + "-det", public, b"release 1.2", sig, b"ctx", host=host)
    assert not schemes.verify(scheme + "-det", public, b"release 1.3", sig, b"ctx", host=host)
    mu = mu_of(public, b"release 1.2", b"ctx")
    assert schemes.sign(scheme + "-det-mu", secret, mu, host=host) == sig  # Sign(M, ctx) = Sign_internal(µ)
    assert schemes.verify(scheme + "-det-mu", public, mu, sig, host=host)


def test_inconsistent_expanded_key_is_one_clear_error(host) -> None:
    sk = bytearray(expanded_sk("ml-dsa-65", bytes(32)))
    sk[100] ^= 1  # inside tr = H(pk): no longer the key's own
    with pytest.raises(SchemeInputError, match="ml-dsa-65: invalid secret key"):
        schemes.keygen("ml-dsa-65", bytes(sk), host=host)
    with pytest.raises(SchemeInputError, match="ml-dsa-65-det: invalid secret key"):
        schemes.sign("ml-dsa-65-det", bytes(sk), b"m", host=host)
    with pytest.raises(SchemeInputError, match=r"32 bytes \(ξ\) or 4032 bytes \(expanded sk\), got 2560"):
        schemes.sign("ml-dsa-65", expanded_sk("ml-dsa-44", bytes(32)), b"m", host=host)


def test_composite_needs_both_halves(host) -> None:
    scheme = "ed25519+ml-dsa-65"
    public, secret = schemes.keygen(scheme, bytes(64), host=host)
    sig = schemes.sign(scheme, secret, b"m", host=host)
    assert schemes.verify(scheme, public, b"m", sig, host=host)
    other_public, other_secret = schemes.keygen(scheme, bytes([1]) * 64, host=host)
    other = schemes.sign(scheme, other_secret, b"m", host=host)
    assert not schemes.verify(scheme, public, b"m", sig[:64] + other[64:], host=host)  # ML-DSA half forged
    assert not schemes.verify(scheme, public, b"m", other[:64] + sig[64:], host=host)  # Ed25519 half forged
    # neither half verifies on its own as a plain signature on the message
    assert not schemes.verify("ed25519", public[:32], b"m", sig[:64], host=host)
    assert not schemes.verify("ml-dsa-65", public[32:], b"m", sig[64:], host=host)


def test_bad_input_errors_are_clear(host) -> None:
    with pytest.raises(UnknownSchemeError, match="offered: .*ml-dsa-65"):
        schemes.sign("ml-dsa-66", bytes(32), b"m", host=host)
    with pytest.raises(UnknownSchemeError, match="offered: .*xmss-sha2_10_256"):
        schemes.keygen("nope", b"", host=host)
    with pytest.raises(SchemeInputError, match="32 bytes"):
        schemes.sign("ml-dsa-65", bytes(31), b"m", host=host)
    with pytest.raises(SchemeInputError, match="at most 255"):
        schemes.sign("ml-dsa-65", bytes(32), b"m", bytes(256), host=host)
    with pytest.raises(SchemeInputError, match="64 bytes"):
        schemes.sign("ml-dsa-65-mu", bytes(32), b"short", host=host)
    with pytest.raises(SchemeInputError, match="seed"):
        schemes.keygen("ml-dsa-44", bytes(5), host=host)


@pytest.fixture(scope="module")
def signed(host):
    public, secret = schemes.keygen("ml-dsa-44", bytes(32), host=host)
    return public, schemes.sign("ml-dsa-44", secret, b"msg", host=host)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 2419), flip=st.integers(0, 2420 * 8 - 1), junk=st.binary(max_size=64),
       scheme=st.sampled_from(["ml-dsa-44", "ml-dsa-44-mu", "ed25519+ml-dsa-65", "xmss-sha2_10_256", "unknown"]))
def test_verify_never_raises(host, signed, cut, flip, junk, scheme) -> None:
    public, sig = signed
    flipped = bytearray(sig)
    flipped[flip // 8] ^= 1 << (flip % 8)
    assert schemes.verify("ml-dsa-44", public, b"msg", sig, host=host)
    assert not schemes.verify("ml-dsa-44", public, b"msg", sig[:cut], host=host)  # truncated
    assert not schemes.verify("ml-dsa-44", public, b"msg", bytes(flipped), host=host)  # bit flip
    assert not schemes.verify("ml-dsa-44", public[: cut % 1312], b"msg", sig, host=host)  # wrong key size
    assert not schemes.verify(scheme, junk, b"msg", junk + sig[:cut], junk, host=host)
