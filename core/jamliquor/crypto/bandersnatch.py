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
from collections.abc import Sequence
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
    try:
        return bytes(_vrf.ietf_vrf_verify(bytes(public), bytes(vrf_input), bytes(aux), bytes(signature)))
    except Exception as exc:
        raise BandersnatchError(f"invalid Bandersnatch signature: {exc}") from exc


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
    try:
        return bytes(_ring(keys).ring_vrf_verify(bytes(vrf_input), bytes(aux), bytes(proof)))
    except (SrsError, BandersnatchError):
        raise
    except Exception as exc:
        raise BandersnatchError(f"invalid ring proof: {exc}") from exc


def ring_sign(keys: Sequence[bytes], index: int, secret: bytes, vrf_input: bytes, aux: bytes) -> bytes:
    """A ring VRF proof by member `index` of `keys` (ticket authoring)."""
    return bytes(_ring(keys).ring_vrf_sign(index, bytes(secret), bytes(vrf_input), bytes(aux)))


def ring_verify_many(keys: Sequence[bytes], items: Sequence[tuple[bytes, bytes, bytes]]) -> list[bytes | BandersnatchError]:
    """`ring_verify` of each (VRF input, aux, proof) against the ring of `keys`, independent
    proofs verified in parallel (`vrf_worker`); each result is the output or the error."""
    ring = [bytes(k) for k in keys]
    if len(items) >= 2:
        _ring(ring)  # build (and cache) the ring here first: a bad key set is one error for all
    requests = [["ring", ring, bytes(i), bytes(a), bytes(p)] for i, a, p in items]
    results = vrf_worker.verify_all(requests, lambda r: ring_verify(r[1], r[2], r[3], r[4]), str(srs_path()))
    return [_result(r, "invalid ring proof") for r in results]


def ietf_verify_many(items: Sequence[tuple[bytes, bytes, bytes, bytes]]) -> list[bytes | BandersnatchError]:
    """`ietf_verify` of each (public key, VRF input, aux, signature), in parallel where worthwhile."""
    requests = [["ietf", bytes(k), bytes(i), bytes(a), bytes(s)] for k, i, a, s in items]
    results = vrf_worker.verify_all(requests, lambda r: ietf_verify(r[1], r[2], r[3], r[4]), str(srs_path()))
    return [_result(r, "invalid Bandersnatch signature") for r in results]


def _result(r: bytes | Exception, what: str) -> bytes | BandersnatchError:
    """A verification result: the output, or the proof's error. Anything else (a missing SRS,
    a bug) is not a verdict on the proof and is raised."""
    if isinstance(r, (bytes, BandersnatchError)):
        return r
    if isinstance(r, ValueError) and not isinstance(r, JamLiquorError):  # the child's verdict
        return BandersnatchError(f"{what}: {r}")
    raise r
