"""Peer policy of JAMNP-S ("Required connectivity", "Grid structure") and our scoring of peers.

* P(a, b), the preferred initiator of a validator pair's connection;
* grid neighbours: same row (index / W) or column (index % W) within an epoch's set, W = ⌊√V⌋,
  or the same index in different epochs' sets;
* endpoints from validator metadata (16-octet IPv6 address ‖ E_2 port);
* scores: each fault costs points, a peer at zero is disconnected and refused for a while.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Sequence

import attrs


def preferred_initiator(a: bytes, b: bytes) -> bytes:
    """P(a, b) = a when (a_31 > 127) ⊕ (b_31 > 127) ⊕ (a < b), else b."""
    return a if (a[31] > 127) ^ (b[31] > 127) ^ (a < b) else b


def grid_neighbours(sets: Sequence[Sequence[bytes]], ours: bytes, theirs: bytes) -> bool:
    """Whether two Ed25519 keys are neighbours in the grid of the given validator sets
    (previous, current, next)."""
    for keys in sets:
        if ours in keys and theirs in keys:
            width = max(1, math.isqrt(len(keys)))
            i, j = keys.index(ours), keys.index(theirs)
            if i // width == j // width or i % width == j % width:
                return True
    for x in sets:
        for y in sets:
            if x is not y and ours in x and theirs in y and x.index(ours) == y.index(theirs):
                return True
    return False


def metadata_endpoint(metadata: bytes) -> tuple[str, int] | None:
    """The (host, port) in the first 18 octets of validator metadata; None if unset."""
    if len(metadata) < 18 or not any(metadata[:18]):
        return None
    ip = ipaddress.IPv6Address(metadata[:16])
    host = str(ip.ipv4_mapped) if ip.ipv4_mapped is not None else str(ip)
    port = int.from_bytes(metadata[16:18], "little")
    return (host, port) if port else None


# What each fault costs; a peer starts with START points and is dropped at 0.
START = 10
COST = {
    "malformed": 4,  # undecodable or oversize message, extra data, wrong stream kind
    "bad_block": 5,  # a block that fails import
    "bad_ticket": 3,  # a ticket that fails verification or was sent to the wrong proxy
    "timeout": 1,  # a stream that stalled
    "handshake": START,  # certificate or ALPN violation: one is enough
}
BAN_SECONDS = 60.0


@attrs.define(slots=True)
class _Score:
    points: int = START
    faults: int = 0
    banned_until: float = 0.0


class PeerScores:
    """Scores by peer key (or by address before a key is known)."""

    def __init__(self, ban_seconds: float = BAN_SECONDS, clock=time.monotonic) -> None:
        self._scores: dict[object, _Score] = {}
        self.ban_seconds = ban_seconds
        self._clock = clock

    def fault(self, peer: object, kind: str) -> bool:
        """Record a fault of `kind`; True if the peer has now run out of points (and is banned)."""
        score = self._scores.setdefault(peer, _Score())
        score.points -= COST.get(kind, 1)
        score.faults += 1
        if score.points <= 0:
            score.points = START
            score.banned_until = self._clock() + self.ban_seconds
            return True
        return False

    def banned(self, peer: object) -> bool:
        score = self._scores.get(peer)
        return score is not None and score.banned_until > self._clock()

    def faults(self, peer: object) -> int:
        score = self._scores.get(peer)
        return 0 if score is None else score.faults

    def forget_old(self, limit: int = 4096) -> None:
        """Bound the table: drop unbanned entries beyond `limit`."""
        if len(self._scores) > limit:
            now = self._clock()
            for peer in [p for p, s in self._scores.items() if s.banned_until <= now][: len(self._scores) - limit]:
                del self._scores[peer]
