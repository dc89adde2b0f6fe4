"""Independent VRF checks verified in parallel by a child process give exactly the answers of
in-process verification: outputs in order, invalid proofs as errors, a dead child replaced."""

from __future__ import annotations

import itertools

import pytest

from jamliquor.crypto import bandersnatch as bs
from jamliquor.crypto import vrf_worker

SECRETS = [bs.secret_from_seed(bytes([i]) * 32) for i in range(6)]
KEYS = [bs.public_from_secret(s) for s in SECRETS]


_salt = itertools.count()


def ticket(attempt: int) -> tuple[bytes, bytes, bytes]:
    """A fresh proof each call (verified results are memoised, so a repeat would not be verified)."""
    vrf_input = b"jam_ticket_seal" + next(_salt).to_bytes(32, "little") + bytes((attempt,))
    return vrf_input, b"", bs.ring_sign(KEYS, attempt, SECRETS[attempt], vrf_input, b"")


@pytest.fixture(params=["0", "1"], ids=["in-process", "child"])
def workers(request, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("JAMLIQUOR_VRF_WORKERS", request.param)
    return request.param


def test_ring_proofs_in_order_with_errors_where_invalid(workers: str) -> None:
    items = [ticket(a) for a in range(4)]
    bad = bytearray(items[0][2])
    bad[100] ^= 1
    items[0] = (items[0][0], b"", bytes(bad))  # in the child's share when it is used
    items[3] = (items[2][0], b"", items[3][2])  # a valid proof for another input, in ours
    results = bs.ring_verify_many(KEYS, items)
    assert isinstance(results[0], bs.BandersnatchError) and isinstance(results[3], bs.BandersnatchError)
    assert results[1:3] == [bs.ring_verify(KEYS, *items[i]) for i in (1, 2)]
    assert (vrf_worker.worker(str(bs.srs_path())) is not None) == (workers == "1")


def test_ietf_signatures_in_parallel(workers: str) -> None:
    message = next(_salt).to_bytes(8, "little")
    sig = bs.ietf_sign(SECRETS[0], b"in", message)
    results = bs.ietf_verify_many([(KEYS[0], b"in", message, sig), (KEYS[1], b"in", message, sig)])
    assert results[0] == bs.ietf_verify(KEYS[0], b"in", message, sig)
    assert isinstance(results[1], bs.BandersnatchError)


def test_verified_checks_are_memoised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAMLIQUOR_VRF_WORKERS", "0")
    item = ticket(1)
    first = bs.ring_verify(KEYS, *item)
    monkeypatch.setattr(bs, "_ring", lambda keys: pytest.fail("verified twice"))
    assert bs.ring_verify(KEYS, *item) == first and bs.ring_verify_many(KEYS, [item, item]) == [first, first]


def test_a_dead_child_is_replaced_by_local_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAMLIQUOR_VRF_WORKERS", "1")
    items = [ticket(a) for a in range(2)]
    assert all(isinstance(r, bytes) for r in bs.ring_verify_many(KEYS, items))
    w = vrf_worker.worker(str(bs.srs_path()))
    w._proc.kill()
    w._proc.wait()
    items = [ticket(a) for a in range(2)]
    assert all(isinstance(r, bytes) for r in bs.ring_verify_many(KEYS, items)) and w._proc.poll() is None  # new child
    w._proc.stdin.write(b"\x01\x00\x00\x00\xff")  # not CBOR: the child dies in the middle of the next batch
    w._proc.stdin.flush()
    items = [ticket(a) for a in range(2)]
    assert all(isinstance(r, bytes) for r in bs.ring_verify_many(KEYS, items))  # its share verified here instead


def test_prestart_and_warm_ring_keep_the_child_in_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """The child starts before any batch, a "warm" request builds a ring there without an answer
    (a bad key set included), and the batches that follow get exactly their own answers."""
    monkeypatch.setenv("JAMLIQUOR_VRF_WORKERS", "1")
    bs.prestart_verifier()
    w = vrf_worker.worker(str(bs.srs_path()))
    assert w._proc is not None and w._proc.poll() is None
    other = KEYS[1:] + KEYS[:1]  # a ring not built yet: warmed in the child while built here
    vrf_worker.warm_ring([b"\x00" * 31], str(bs.srs_path()))  # not a key set: ignored by the child
    bs.ring_commitment(other)
    vrf_input = b"jam_ticket_seal" + next(_salt).to_bytes(32, "little") + b"\x00"
    items = [(vrf_input, b"", bs.ring_sign(other, i, SECRETS[(i + 1) % 6], vrf_input, b"")) for i in range(2)]
    assert bs.ring_verify_many(other, items) == [bs.ring_verify(other, *item) for item in items]
    assert all(isinstance(r, bytes) for r in bs.ring_verify_many(KEYS, [ticket(a) for a in range(2)]))
