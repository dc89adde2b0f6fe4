"""`jamliquor bench crypto`: throughput of hashes, signatures, VRFs, ring commitments and the state trie."""

from __future__ import annotations

import time
from collections.abc import Iterator

from ..crypto import bandersnatch, ed25519
from ..crypto.hashing import blake2b_256, keccak_256
from ..merkle.trie import StateTrie
from ..spec import TINY
from ..vectors import default_root
from ..vectors.traces import load_step, step_files
from . import ops_per_second


def _largest_trace_state() -> dict[bytes, bytes] | None:
    root = default_root() / "traces"
    if not root.exists():
        return None
    best: dict[bytes, bytes] = {}
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        steps = step_files(d)
        if steps:
            kv = {x.key: x.value for x in load_step(steps[-1], TINY).post_state.keyvals}
            if sum(map(len, kv.values())) > sum(map(len, best.values())):
                best = kv
    return best


def run(quick: bool) -> Iterator[tuple[str, float, str]]:
    s = 0.05 if quick else 0.5
    small, page = bytes(32), bytes(4096)
    yield "blake2b-256, 32 B", ops_per_second(lambda: blake2b_256(small), s), "ops/s"
    yield "blake2b-256, 4 KiB", ops_per_second(lambda: blake2b_256(page), s), "ops/s"
    yield "keccak-256, 32 B", ops_per_second(lambda: keccak_256(small), s), "ops/s"

    seed = bytes(range(32))
    pk, sig = ed25519.public_key(seed), ed25519.sign(seed, b"jam")
    yield "Ed25519 verify (ZIP-215)", ops_per_second(lambda: ed25519.verify(pk, b"jam", sig), s), "ops/s"

    secret = bandersnatch.secret_from_seed(bytes(32))
    public = bandersnatch.public_from_secret(secret)
    vrf = bandersnatch.ietf_sign(secret, b"jam_entropy", b"")
    yield "Bandersnatch IETF VRF verify", ops_per_second(lambda: (bandersnatch.forget_verdicts(), bandersnatch.ietf_verify(public, b"jam_entropy", b"", vrf)), s), "ops/s"

    try:
        bandersnatch.check_srs()
    except bandersnatch.SrsError as exc:
        yield f"ring operations skipped ({exc})", 0.0, ""
    else:
        for n in (6, 1023):
            keys = [bandersnatch.public_from_secret(bandersnatch.secret_from_seed(i.to_bytes(32, "little"))) for i in range(n)]
            start = time.perf_counter()
            bandersnatch._RINGS.clear()  # measure a cold ring context + commitment
            bandersnatch.ring_commitment(keys)
            yield f"ring commitment, {n} keys (cold)", (time.perf_counter() - start) * 1000, "ms"
        keys = keys[:6] if quick else keys
        proof = bandersnatch.ring_sign(keys, 0, bandersnatch.secret_from_seed((0).to_bytes(32, "little")), b"jam_ticket_seal", b"")
        yield f"ring proof verify ({len(keys)} keys)", ops_per_second(lambda: (bandersnatch.forget_verdicts(), bandersnatch.ring_verify(keys, b"jam_ticket_seal", b"", proof)), s), "ops/s"

    kv = _largest_trace_state()
    if kv:
        yield f"trie root, full ({len(kv)} keys)", ops_per_second(lambda: StateTrie.from_items(kv).root, s), "roots/s"
        trie = StateTrie.from_items(kv)
        trie.root
        changed = {k: v + b"\x01" for k, v in list(kv.items())[:10]}
        yield "trie root after a 10-key change (incremental)", ops_per_second(lambda: trie.updated(changed).root, s), "roots/s"
