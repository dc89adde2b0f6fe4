"""Hashes, Ed25519 under ZIP-215, Bandersnatch IETF/ring VRFs against the safrole vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import require
from jamliquor.crypto import bandersnatch as bs
from jamliquor.crypto import ed25519
from jamliquor.crypto.hashing import blake2b_256, keccak_256
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

ZIP215 = Path(__file__).resolve().parents[2] / "shared" / "crypto" / "ed25519-zip215-vectors.json"


def test_hashes() -> None:
    assert keccak_256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert blake2b_256(b"").hex() == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"


def test_ed25519_sign_verify() -> None:
    seed = bytes(range(32))
    sig = ed25519.sign(seed, b"jam")
    assert ed25519.verify(ed25519.public_key(seed), b"jam", sig)
    assert not ed25519.verify(ed25519.public_key(seed), b"jaM", sig)
    assert not ed25519.verify(b"short", b"jam", sig)
    assert not ed25519.verify(ed25519.public_key(seed), b"jam", sig[:10])


def test_zip215_vectors_all_valid_and_libsodium_differs() -> None:
    """Consensus verification must accept all 196 ZIP-215 vectors; libsodium (pynacl) rejects them,
    which is why pynacl is used only to sign."""
    cases = json.loads(require(ZIP215, "../shared/crypto ZIP-215 vectors").read_text())
    sodium_accepts = 0
    for c in cases:
        pk, msg, sig = bytes.fromhex(c["pk"]), bytes.fromhex(c["msg"]), bytes.fromhex(c["r"] + c["s"])
        assert ed25519.verify(pk, msg, sig), c["desc"]
        try:
            VerifyKey(pk).verify(msg, sig)
            sodium_accepts += 1
        except (BadSignatureError, ValueError, Exception):
            pass
    assert len(cases) == 196 and sodium_accepts < len(cases)


def _hex(s: str) -> bytes:
    return bytes.fromhex(s.removeprefix("0x"))


def test_ring_commitment_and_ticket_proofs(vectors: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAM_RING_SRS", str(vectors / "stf" / "safrole" / bs.SRS_FILE))
    case = json.loads((vectors / "stf" / "safrole" / "tiny" / "publish-tickets-no-mark-2.json").read_text())
    post_keys = [_hex(v["bandersnatch"]) for v in case["post_state"]["gamma_k"]]
    assert bs.ring_commitment(post_keys) == _hex(case["post_state"]["gamma_z"])
    keys = [_hex(v["bandersnatch"]) for v in case["pre_state"]["gamma_k"]]
    eta2 = _hex(case["pre_state"]["eta"][2])
    ids = []
    for envelope in case["input"]["extrinsic"]:
        vrf_input = b"jam_ticket_seal" + eta2 + bytes([envelope["attempt"]])
        proof = _hex(envelope["signature"])
        ids.append(bs.ring_verify(keys, vrf_input, b"", proof))
        tampered = proof[:100] + bytes([proof[100] ^ 1]) + proof[101:]
        with pytest.raises(bs.BandersnatchError):
            bs.ring_verify(keys, vrf_input, b"", tampered)
    assert ids == [_hex(t["id"]) for t in case["post_state"]["gamma_a"]]


def test_ietf_sign_verify_and_tamper() -> None:
    secret = bs.secret_from_seed(bytes(32))
    public = bs.public_from_secret(secret)
    sig = bs.ietf_sign(secret, b"jam_entropy", b"msg")
    assert len(bs.ietf_verify(public, b"jam_entropy", b"msg", sig)) == 32
    with pytest.raises(bs.BandersnatchError):
        bs.ietf_verify(public, b"jam_entropy", b"other", sig)


def test_missing_srs_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JAM_RING_SRS", str(tmp_path / "nope.bin"))
    bs.load_srs.cache_clear()
    try:
        with pytest.raises(bs.SrsError, match="JAM_RING_SRS"):
            bs.check_srs()
        (tmp_path / "bad.bin").write_bytes(b"garbage")
        monkeypatch.setenv("JAM_RING_SRS", str(tmp_path / "bad.bin"))
        bs.load_srs.cache_clear()
        with pytest.raises(bs.SrsError, match="corrupt"):
            bs.check_srs()
    finally:
        bs.load_srs.cache_clear()
