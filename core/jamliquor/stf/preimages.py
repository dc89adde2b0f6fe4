"""Preimage provision E_P (GP §12.4, accumulation.tex "Preimage Integration", eq. 12.35–12.38)."""

from __future__ import annotations

import attrs

from ..crypto.hashing import blake2b_256
from ..spec import ChainSpec
from ..types import ServiceActivityRecord, ServicesStatisticsMapEntry
from . import StateError, error_classes
from .accumulate_types import PreimagesBlobMapEntry, PreimagesRequestsMapEntry
from .slices import PREIMAGES_ERRORS, TEST_CASES, PreimagesAccount, PreimagesAccountMapEntry, PreimagesInput, PreimagesSlice

TestCase = TEST_CASES["preimages"]
State, Input = PreimagesSlice, PreimagesInput


class PreimagesError(StateError):
    """A lookup extrinsic the GP rejects."""


ERRORS = error_classes(PreimagesError, PREIMAGES_ERRORS)
PreimageUnneeded = ERRORS["preimage_unneeded"]
PreimagesNotSortedUnique = ERRORS["preimages_not_sorted_unique"]

_EMPTY_STATS = ServiceActivityRecord(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def transition(spec: ChainSpec, state: PreimagesSlice, inp: PreimagesInput) -> tuple[PreimagesSlice, None]:
    """Check E_P is sorted and unique (eq. 12.36) and every item was solicited and not yet
    provided, i.e. its request history is [] (Y, eq. 12.37); then integrate them (I, eq. 12.38):
    request history := [τ'], preimage stored; and count them in the service statistics."""
    items = [(p.requester, p.blob) for p in inp.preimages]
    if any(a >= b for a, b in zip(items, items[1:])):
        raise PreimagesNotSortedUnique()
    accounts = {e.id: e.data for e in state.accounts}
    provided: dict[int, list[tuple[bytes, bytes]]] = {}
    for service, blob in items:
        h = blake2b_256(blob)
        account = accounts.get(service)
        request = None
        if account is not None:
            request = next((r for r in account.preimage_requests if r.key.hash == h and r.key.length == len(blob)), None)
        if request is None or request.value != ():
            raise PreimageUnneeded(f"service {service}, preimage {h.hex()}")
        provided.setdefault(service, []).append((h, blob))
    for service, blobs in provided.items():
        account = accounts[service]
        keys = {(h, len(b)) for h, b in blobs}
        requests = [
            PreimagesRequestsMapEntry(r.key, (inp.slot,)) if (r.key.hash, r.key.length) in keys else r
            for r in account.preimage_requests
        ]
        new = {h for h, _ in blobs}
        stored = [e for e in account.preimage_blobs if e.hash not in new] + [PreimagesBlobMapEntry(h, b) for h, b in blobs]
        accounts[service] = PreimagesAccount(tuple(sorted(stored, key=lambda e: e.hash)), tuple(requests))
    stats = {e.id: e.record for e in state.statistics}
    for service, blobs in provided.items():
        r = stats.get(service, _EMPTY_STATS)
        stats[service] = attrs.evolve(r, provided_count=r.provided_count + len(blobs), provided_size=r.provided_size + sum(len(b) for _, b in blobs))
    return (
        PreimagesSlice(
            tuple(PreimagesAccountMapEntry(s, a) for s, a in accounts.items()),
            tuple(ServicesStatisticsMapEntry(s, r) for s, r in sorted(stats.items())),
        ),
        None,
    )

