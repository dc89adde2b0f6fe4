"""The backend boundary: which library answers which call, the two real libraries agreeing with
each other (keys, signatures and shared secrets cross over), and clear selection errors."""

from __future__ import annotations

import pytest

from jamliquor_pqc import backend, kem, mldsa


class Recorder:
    """A fake backend that records which calls reach it."""

    def __init__(self, name: str, mldsa_sets, mlkem_sets, rich: bool) -> None:
        self.name, self.mldsa_sets, self.mlkem_sets = name, tuple(mldsa_sets), tuple(mlkem_sets)
        self.expanded_keys = self.deterministic = rich
        self.external_mu = True
        self.calls: list[str] = []

    def describe(self) -> str:
        return f"{self.name} 1.0"

    def __getattr__(self, method: str):
        def record(ps, *args):
            self.calls.append(f"{method} {ps}")
            return b""
        return record


@pytest.fixture()
def routed():
    default = Recorder("default", ["ml-dsa-65"], ["ml-kem-768"], rich=False)
    complement = Recorder("complement", ["ml-dsa-65"], ["ml-kem-512", "ml-kem-768"], rich=True)
    return backend._Routed(default, complement), default, complement


def test_the_default_answers_what_it_can_and_the_complement_the_rest(routed) -> None:
    both, default, complement = routed
    seed, sk = bytes(32), bytes(4032)
    both.mldsa_public("ml-dsa-65", seed)
    both.mldsa_sign("ml-dsa-65", seed, b"m", b"", False)
    both.mldsa_sign_mu("ml-dsa-65", seed, bytes(64), False)
    both.mldsa_verify("ml-dsa-65", b"pk", b"m", b"sig", b"")
    both.mlkem_public("ml-kem-768", bytes(64))
    both.mlkem_encapsulate("ml-kem-768", b"ek")
    both.mlkem_decapsulate("ml-kem-768", bytes(64), b"c")
    assert complement.calls == []
    both.mldsa_public("ml-dsa-65", sk)  # expanded key
    both.mldsa_sign("ml-dsa-65", seed, b"m", b"", True)  # deterministic
    both.mldsa_sign_mu("ml-dsa-65", sk, bytes(64), False)
    both.mlkem_decapsulate("ml-kem-768", bytes(2400), b"c")  # expanded dk
    both.mlkem_encapsulate("ml-kem-512", b"ek")  # a set the default lacks
    assert len(default.calls) == 7
    assert complement.calls == ["mldsa_public ml-dsa-65", "mldsa_sign ml-dsa-65", "mldsa_sign_mu ml-dsa-65",
                                "mlkem_decapsulate ml-kem-768", "mlkem_encapsulate ml-kem-512"]
    assert (both.mlkem_sets, both.expanded_keys, both.deterministic) == (("ml-kem-768", "ml-kem-512"), True, True)
    assert both.describe() == "default 1.0 by default, complement 1.0 for ML-KEM-512, expanded keys, deterministic ML-DSA"


@pytest.fixture(scope="module")
def libraries():
    return backend._Cryptography(), backend._Pycryptodome()


@pytest.mark.parametrize("ps", ["ml-dsa-44", "ml-dsa-65", "ml-dsa-87"])
def test_the_libraries_agree_on_ml_dsa(libraries, ps) -> None:
    ours, theirs = libraries
    seed = bytes(range(1, 33))
    public = ours.mldsa_public(ps, seed)
    assert theirs.mldsa_public(ps, seed) == public
    for signer, verifier in ((ours, theirs), (theirs, ours)):
        sig = signer.mldsa_sign(ps, seed, b"m", b"ctx", False)
        assert verifier.mldsa_verify(ps, public, b"m", sig, b"ctx")
        assert not verifier.mldsa_verify(ps, public, b"m", sig, b"ctX")
        mu = bytes(range(64))
        sig = signer.mldsa_sign_mu(ps, seed, mu, False)
        assert verifier.mldsa_verify_mu(ps, public, mu, sig)
        assert not verifier.mldsa_verify_mu(ps, public, bytes(64), sig)


@pytest.mark.parametrize("ps", ["ml-kem-768", "ml-kem-1024"])
def test_the_libraries_agree_on_ml_kem(libraries, ps) -> None:
    ours, theirs = libraries
    seed = bytes(range(2, 66))
    public = ours.mlkem_public(ps, seed)
    assert theirs.mlkem_public(ps, seed) == public
    for encapsulator, decapsulator in ((ours, theirs), (theirs, ours)):
        ciphertext, shared = encapsulator.mlkem_encapsulate(ps, public)
        assert decapsulator.mlkem_decapsulate(ps, seed, ciphertext) == shared


def test_pycryptodome_alone_offers_every_scheme() -> None:
    alone = backend.select("pycryptodome")
    assert alone.describe().startswith("pycryptodome 4.4.0")
    assert {"ml-dsa-44-det", "ml-dsa-87-det-mu", "ed25519+ml-dsa-65"} <= set(mldsa.schemes(alone))
    assert kem.schemes(alone) == ("ml-kem-512", "ml-kem-768", "ml-kem-1024", "x25519+ml-kem-768")
    public, secret = mldsa.keygen(alone, "ed25519+ml-dsa-65", bytes(64))
    assert mldsa.verify(alone, "ed25519+ml-dsa-65", public, b"m", mldsa.sign(alone, "ed25519+ml-dsa-65", secret, b"m", b""), b"")


def test_selection_errors_are_clear(monkeypatch) -> None:
    with pytest.raises(backend.BackendError, match="unknown JAMLIQUOR_PQC_BACKEND 'openssl'; backends: cryptography, pycryptodome, liboqs"):
        backend.select("openssl")
    monkeypatch.setattr(backend, "liboqs_present", lambda: False)
    with pytest.raises(backend.BackendError, match="liboqs C library is not on this system"):
        backend.select("liboqs")
    monkeypatch.setattr(backend._Pycryptodome, "_PRIVATE_API", ((backend.MLKEM.MLKEMKey, "_gone"),))
    with pytest.raises(backend.BackendError, match="lacks MLKEMKey._gone"):
        backend.select("cryptography")
