"""Bandersnatch VRFs (GP §3.8.3, appendix bandersnatch.tex) through `bandersnatch-vrfs` (ark-vrf).

IETF VRF signatures seal blocks and source entropy; ring VRF proofs anonymously prove a ticket
came from a member of the pending validator set, whose ring commitment γ_Z is in state. Ring
operations need the public SRS (`zcash-srs-2-11-uncompressed.bin`): it is read once, on first
use, from `$JAM_RING_SRS` or the kernel's package data (`jamliquor/data/`, put there by the
install from `../shared`, never committed), checked by hash; ring contexts are cached per key set,
because building one costs ~50 ms (6 keys) to ~0.2 s (1023 keys).
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from threading import Lock

import bandersnatch_vrfs as _vrf

from ..errors import JamLiquorError
from . import vrf_worker

SRS_FILE = "zcash-srs-2-11-uncompressed.bin"


class BandersnatchError(ValueError):
    """A VRF signature or ring proof that does not verify, or a malformed key/signature."""


class SrsError(JamLiquorError, RuntimeError):
    """The ring SRS file is missing or unusable."""


# The public Zcash powers-of-tau parameters (2^11, uncompressed) the GP's ring VRF uses; any other
# file would give other ring roots, so the bytes are pinned by their hash.
SRS_BLAKE2B_256 = "454b747c4f9315de1c7e056792358597bdc6f4dcca853801792ee39912ded777"
PACKAGED_SRS = Path(__file__).resolve().parent.parent / "data" / SRS_FILE


def srs_path() -> Path:
    """`$JAM_RING_SRS` if set, else the copy installed with the kernel (package data)."""
    env = os.environ.get("JAM_RING_SRS")
    return Path(env) if env else PACKAGED_SRS


@lru_cache(maxsize=1)
def load_srs() -> bytes:
    """The SRS bytes, read once on first use; a missing or wrong file raises `SrsError`."""
    path = srs_path()
    try:
        data = path.read_bytes()
    except OSError as exc:
        hint = "set JAM_RING_SRS" if path != PACKAGED_SRS else "reinstall the kernel with `make install`, or set JAM_RING_SRS"
        raise SrsError(f"ring SRS not readable at {path} ({hint}): {exc.strerror or exc}") from exc
    if hashlib.blake2b(data, digest_size=32).hexdigest() != SRS_BLAKE2B_256:
        raise SrsError(f"ring SRS at {path} is corrupt or not {SRS_FILE} (blake2b-256 mismatch)")
    return data


def check_srs() -> Path:
    """Validate the configured SRS now (start-up check); return its path."""
    load_srs()
    return srs_path()


def secret_from_seed(seed: bytes) -> bytes:
    return bytes(_vrf.secret_from_seed(bytes(seed)))


def public_from_secret(secret: bytes) -> bytes:
    return bytes(_vrf.public_from_secret(bytes(secret)))


def ietf_sign(secret: bytes, vrf_input: bytes, aux: bytes) -> bytes:
    return bytes(_vrf.ietf_vrf_sign(bytes(secret), bytes(vrf_input), bytes(aux)))


def vrf_output(secret: bytes, vrf_input: bytes) -> bytes:
    """Y: the 32-byte VRF output a signature or ring proof by `secret` on `vrf_input` will carry
    (it does not depend on the message/aux data, so ticket ids and seal outputs are known before signing)."""
    return bytes(_vrf.vrf_output(bytes(secret), bytes(vrf_input)))


def ietf_verify(public: bytes, vrf_input: bytes, aux: bytes, signature: bytes) -> bytes:
    """Verify an IETF VRF signature; return Y(signature), its 32-byte VRF output."""
    key = _memo_key(b"ietf", public, vrf_input, aux, signature)
    output = _memo_get(key)
    if output is None:
        try:
            output = bytes(_vrf.ietf_vrf_verify(bytes(public), bytes(vrf_input), bytes(aux), bytes(signature)))
        except Exception as exc:
            raise BandersnatchError(f"invalid Bandersnatch signature: {exc}") from exc
        _memo_put(key, output)
    return output


# Verified VRFs, by a digest of everything checked: the same proof seen twice (a ticket gossiped,
# then included in a block; a block's checks verified in one parallel batch, then looked up by the
# chapter that owns them) is verified once. Only successes are kept; bounded, oldest out.
_MEMO: OrderedDict[bytes, bytes] = OrderedDict()
_MEMO_SIZE = 1024
_MEMO_LOCK = Lock()


def _memo_key(kind: bytes, *parts: bytes | Sequence[bytes]) -> bytes:
    h = hashlib.blake2b(kind, digest_size=32)
    for part in parts:
        if not isinstance(part, (bytes, bytearray)):
            part = b"".join(part)  # a ring's keys
        h.update(len(part).to_bytes(4, "little"))
        h.update(part)
    return h.digest()


def _memo_get(key: bytes) -> bytes | None:
    with _MEMO_LOCK:
        output = _MEMO.get(key)
        if output is not None:
            _MEMO.move_to_end(key)
        return output


def _memo_put(key: bytes, output: bytes) -> None:
    with _MEMO_LOCK:
        _MEMO[key] = output
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)


def forget_verdicts() -> None:
    """Drop every memoised verification (benchmarks measure the verification itself)."""
    with _MEMO_LOCK:
        _MEMO.clear()


_RINGS: OrderedDict[tuple[bytes, ...], object] = OrderedDict()
_RINGS_LOCK = Lock()
_RING_CACHE_SIZE = 4  # current and next key sets, plus slack for forks


def _ring(keys: Sequence[bytes]) -> object:
    key = tuple(bytes(k) for k in keys)
    with _RINGS_LOCK:
        ring = _RINGS.get(key)
        if ring is not None:
            _RINGS.move_to_end(key)
            return ring
    vrf_worker.warm_ring(key, str(srs_path()))  # the verifier child builds it meanwhile
    try:
        ring = _vrf.RingContext(load_srs(), list(key))
    except SrsError:
        raise
    except Exception as exc:
        raise BandersnatchError(f"cannot build ring from {len(key)} keys: {exc}") from exc
    with _RINGS_LOCK:
        _RINGS[key] = ring
        while len(_RINGS) > _RING_CACHE_SIZE:
            _RINGS.popitem(last=False)
    return ring


def ring_commitment(keys: Sequence[bytes]) -> bytes:
    """GP eq. (6.13) O(γ_P): the ring root of a key set (144 bytes)."""
    return bytes(_ring(keys).commitment)


def ring_verify(keys: Sequence[bytes], vrf_input: bytes, aux: bytes, proof: bytes) -> bytes:
    """Verify a ring VRF proof against the ring of `keys`; return its 32-byte VRF output."""
    key = _memo_key(b"ring", [bytes(k) for k in keys], vrf_input, aux, proof)
    output = _memo_get(key)
    if output is None:
        try:
            output = bytes(_ring(keys).ring_vrf_verify(bytes(vrf_input), bytes(aux), bytes(proof)))
        except (SrsError, BandersnatchError):
            raise
        except Exception as exc:
            raise BandersnatchError(f"invalid ring proof: {exc}") from exc
        _memo_put(key, output)
    return output


def ring_sign(keys: Sequence[bytes], index: int, secret: bytes, vrf_input: bytes, aux: bytes) -> bytes:
    """A ring VRF proof by member `index` of `keys` (ticket authoring)."""
    return bytes(_ring(keys).ring_vrf_sign(index, bytes(secret), bytes(vrf_input), bytes(aux)))


RING, IETF = "ring", "ietf"
# What one check costs, relative: a tiny-ring proof ~7 ms, an IETF signature ~1.2 ms.
_COST = {RING: 6, IETF: 1}


def verify_batch(checks: Sequence[tuple], local: Sequence[int] = (),
                 meanwhile: Callable[[], None] | None = None) -> list[bytes | BandersnatchError]:
    """Verify independent checks — (RING, keys, VRF input, aux, proof) or (IETF, public key,
    VRF input, aux, signature) — in parallel where a worker is free (`vrf_worker`). Each result is
    the VRF output or the check's error; every success is memoised, so the code that owns a check
    and verifies it again finds it at once. The checks at indices `local` are verified in this
    process, and `meanwhile` runs here once they are, while the worker may still be busy."""
    requests = [[kind, [bytes(k) for k in who] if kind == RING else bytes(who), bytes(i), bytes(a), bytes(p)]
                for kind, who, i, a, p in checks]
    pending = [n for n, r in enumerate(requests) if _memo_get(_memo_key(r[0].encode(), *r[1:])) is None]
    todo = [requests[n] for n in pending]
    mine = [k for k, n in enumerate(pending) if n in local]
    if len(todo) >= 2:
        for ring in {tuple(r[1]) for r in todo if r[0] == RING}:
            try:
                _ring(ring)  # built (and cached) before the work is shared: our share needs it anyway
            except BandersnatchError:
                pass  # a bad key set: each of its checks reports the error below
    results = vrf_worker.verify_all(todo, _local, str(srs_path()), cost=lambda r: _COST[r[0]], mine=mine,
                                    meanwhile=meanwhile)
    for request, result in zip(todo, results):
        if isinstance(result, bytes):
            _memo_put(_memo_key(request[0].encode(), *request[1:]), result)
    return [_outcome(r) for r in requests]


def _local(request: list) -> bytes:
    kind, who, vrf_input, aux, proof = request
    return ring_verify(who, vrf_input, aux, proof) if kind == RING else ietf_verify(who, vrf_input, aux, proof)


def _outcome(request: list) -> bytes | BandersnatchError:
    try:
        return _local(request)  # memoised if verified; else its error, found again here
    except BandersnatchError as exc:
        return exc


def prestart_verifier() -> None:
    """Start the parallel verifier (if configured) before the blocks that need it."""
    vrf_worker.prestart(str(srs_path()))


def ring_verify_many(keys: Sequence[bytes], items: Sequence[tuple[bytes, bytes, bytes]]) -> list[bytes | BandersnatchError]:
    """`ring_verify` of each (VRF input, aux, proof) against the ring of `keys`, in parallel."""
    return verify_batch([(RING, keys, i, a, p) for i, a, p in items])


def ietf_verify_many(items: Sequence[tuple[bytes, bytes, bytes, bytes]]) -> list[bytes | BandersnatchError]:
    """`ietf_verify` of each (public key, VRF input, aux, signature), in parallel."""
    return verify_batch([(IETF, k, i, a, s) for k, i, a, s in items])
