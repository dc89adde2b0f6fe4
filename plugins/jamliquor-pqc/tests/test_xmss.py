"""XMSS through the hooks: known answers (liboqs), verification across sets, the index store
(batches, restarts, concurrency floor, exhaustion, corrupt state), and the SIGKILL test: signer
processes killed at random instants never emit two signatures with one index."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jamliquor.crypto import schemes
from jamliquor.crypto.schemes import SchemeInputError
from jamliquor_pqc.xmss import params as xparams
from jamliquor_pqc.xmss.state import ExhaustedError, IndexStore, key_id

from pqc_testdata import PQC_VECTORS, XMSS

LIBOQS = PQC_VECTORS / "xmss" / "liboqs"
SIGNER = Path(__file__).with_name("xmss_signer.py")


def rsp(name: str) -> dict[str, str]:
    out = {}
    for line in (LIBOQS / f"{name}.rsp").read_text().splitlines():
        key, _, value = line.partition(" = ")
        if value:
            out[key.strip()] = value.strip()
    return out


def test_known_answer_sha2_10_256(host, data_dir) -> None:
    """liboqs' KAT: the key from its seeds, then the first signature, byte for byte."""
    case = rsp("XMSS-SHA2_10_256")
    sk, n = bytes.fromhex(case["sk"]), 32
    sk_seed, sk_prf, pub_seed = sk[8 : 8 + n], sk[8 + n : 8 + 2 * n], sk[8 + 3 * n : 8 + 4 * n]
    public, secret = schemes.keygen(XMSS, sk_seed + sk_prf + pub_seed, host=host)
    assert public == bytes.fromhex(case["pk"]) and secret == sk[: len(secret)]
    message = bytes.fromhex(case["msg"])[: int(case["mlen"])]
    assert schemes.sign(XMSS, secret, message, host=host) == bytes.fromhex(case["sm"])


@pytest.mark.parametrize("name", ["XMSS-SHA2_16_256", "XMSS-SHA2_20_512", "XMSS-SHAKE_16_256", "XMSS-SHAKE256_10_192", "XMSS-SHA2_10_192"])
def test_verify_vectors(host, name) -> None:
    case = rsp(name)
    scheme = name.lower()
    public, sm = bytes.fromhex(case["pk"]), bytes.fromhex(case["sm"])
    message = bytes.fromhex(case["msg"])[: int(case["mlen"])]
    assert schemes.verify(scheme, public, message, sm, host=host)
    assert not schemes.verify(scheme, public, message + b"x", sm, host=host)
    assert not schemes.verify(scheme, public, message, sm[:-1], host=host)
    assert not schemes.verify(scheme, public, message, sm, b"ctx", host=host)


def test_indices_are_never_reused_across_restarts(host, xmss_key, tmp_path, monkeypatch) -> None:
    public, secret, state = xmss_key
    monkeypatch.setenv("JAMLIQUOR_DATA_DIR", str(tmp_path))
    shutil.copytree(state / "xmss", tmp_path / "xmss")  # the cached tree; no index used yet there
    first = schemes.sign(XMSS, secret, b"a", host=host)
    second = schemes.sign(XMSS, secret, b"b", host=host)
    assert [int.from_bytes(s[:4], "big") for s in (first, second)] == [0, 1]
    assert schemes.verify(XMSS, public, b"a", first, host=host)
    # a restarted process (a fresh store) starts after the whole reserved batch
    fresh = IndexStore(tmp_path / "xmss")
    kid = key_id(public)
    assert fresh.high_water(kid) == 16 and fresh.reserve(kid, 0, 1024) == 16
    assert fresh.reserve(kid, 100, 1024) == 100  # the secret's own index is a floor


def test_exhaustion_and_corrupt_state(host, xmss_key, tmp_path, monkeypatch) -> None:
    public, secret, state = xmss_key
    store = IndexStore(tmp_path / "s", batch=2)
    assert [store.reserve("k", 0, 3) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ExhaustedError, match="all 3 one-time keys"):
        store.reserve("k", 0, 3)
    monkeypatch.setenv("JAMLIQUOR_DATA_DIR", str(tmp_path))
    shutil.copytree(state / "xmss", tmp_path / "xmss")
    (tmp_path / "xmss" / f"{key_id(public)}.idx").write_text("1024\n")
    with pytest.raises(SchemeInputError, match="all 1024 one-time keys .* are used"):
        schemes.sign(XMSS, secret, b"m", host=host)
    (tmp_path / "xmss" / f"{key_id(public)}.idx").write_text("garbage")
    with pytest.raises(SchemeInputError, match="corrupt XMSS state"):
        schemes.sign(XMSS, secret, b"m", host=host)
    with pytest.raises(SchemeInputError, match="secret key must be"):
        schemes.sign(XMSS, secret[:-1], b"m", host=host)
    with pytest.raises(SchemeInputError, match="no context"):
        schemes.sign(XMSS, secret, b"m", b"ctx", host=host)


def test_sigkill_at_random_instants_never_repeats_an_index(host, xmss_key, tmp_path) -> None:
    """Rounds of two concurrent signer processes, each SIGKILLed at a random instant; every
    signature that left a process is valid and no two share an index."""
    public, secret, state = xmss_key
    shutil.copytree(state / "xmss", tmp_path / "xmss")
    env = {**os.environ, "JAMLIQUOR_DATA_DIR": str(tmp_path)}
    rng = random.Random(16)
    seen: dict[int, bytes] = {}
    for _ in range(5):
        procs = [subprocess.Popen([sys.executable, str(SIGNER), XMSS, secret.hex(), "50"], env=env,
                                  stdout=subprocess.PIPE, text=True) for _ in range(2)]
        for proc in procs:
            assert proc.stdout.readline().strip() == "READY"
        time.sleep(rng.uniform(0.0, 0.25))
        for proc in procs:
            proc.send_signal(signal.SIGKILL)
            time.sleep(rng.uniform(0.0, 0.02))
        for proc in procs:
            out, _ = proc.communicate(timeout=30)
            for line in out.splitlines():
                parts = line.split()
                if len(parts) != 2 or len(parts[1]) != 2 * xparams.PARAMS[XMSS].signature_bytes:
                    continue  # a line cut by the kill
                number, sig = int(parts[0]), bytes.fromhex(parts[1])
                index = int.from_bytes(sig[:4], "big")
                assert index not in seen, f"index {index} used twice"
                assert schemes.verify(XMSS, public, b"message %d" % number, sig, host=host)
                seen[index] = sig
    assert len(seen) >= 10  # the kills landed while signing, not before


def test_partial_tree_cache_recomputes_lower_levels(xmss_key) -> None:
    """Tall trees keep only their upper levels (state.CACHE_LEVELS); the authentication path
    from a partial cache (lower levels rebuilt from the leaf's subtree) equals the full one."""
    from jamliquor_pqc.xmss import tree
    from jamliquor_pqc.xmss.hashing import Keyed

    public, secret, state = xmss_key
    params = xparams.PARAMS[XMSS]
    store = IndexStore(state / "xmss")
    levels = store.load_tree(key_id(public), params, public[4:36])
    assert levels is not None and levels[0] is not None
    sk_seed, pub_seed = secret[8:40], secret[104:136]
    keyed = Keyed(params, pub_seed, sk_seed)
    partial = [None, None, None, *levels[3:]]
    for index in (0, 5, 8, 1023):
        assert tree.auth_path(keyed, partial, 0, 0, index, sk_seed) == tree.auth_path(keyed, levels, 0, 0, index, sk_seed)
