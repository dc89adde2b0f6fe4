"""Extrinsic pools: what a node has heard of and may put in a block. A networked node feeds them
(preimages submitted over RPC, guarantees and assurances from peers, tickets per `tickets.py`)
and prunes them after each imported block; the authorer only reads them. Every pool is bounded.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from ..block import header_hash
from ..codec import U32, Seq, decode, encode
from ..errors import JamLiquorError
from ..spec import ChainSpec
from ..state import ChainState
from ..state.keys import preimage_key, request_key
from ..types import AvailAssurance, Block, Culprit, Fault, Preimage, ReportGuarantee, Verdict
from .tickets import TicketPool, contest_of_state

_TIMESLOTS = Seq(U32)


class PoolError(JamLiquorError, ValueError):
    """An item no pool can take (e.g. a preimage larger than the whole pool)."""


class PreimagePool:
    """Preimages offered for services' outstanding requests (JIP-2 `submitPreimage`), by
    (service, hash); the oldest go first when `max_bytes` would be exceeded."""

    def __init__(self, max_bytes: int = 8 * 1024 * 1024) -> None:
        self._items: OrderedDict[tuple[int, bytes], bytes] = OrderedDict()
        self._bytes = 0
        self.max_bytes = max_bytes

    def submit(self, service: int, blob: bytes) -> bytes:
        """Pool `blob` for `service`; return its hash. A blob larger than the pool is refused."""
        blob = bytes(blob)
        h = hashlib.blake2b(blob, digest_size=32).digest()
        if len(blob) > self.max_bytes:
            raise PoolError(f"preimage of {len(blob)} bytes exceeds the pool's {self.max_bytes}")
        if (service, h) not in self._items:
            self._items[(service, h)] = blob
            self._bytes += len(blob)
            while self._bytes > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old)
        return h

    def __len__(self) -> int:
        return len(self._items)

    def candidates(self) -> list[Preimage]:
        """Pooled preimages in E_P order (eq. 12.36: by service, then blob)."""
        return sorted((Preimage(s, b) for (s, _), b in self._items.items()), key=lambda p: (p.requester, p.blob))

    def prune(self, state: ChainState) -> None:
        """Drop preimages `state` no longer asks for (provided, or the request is not [])."""
        for (service, h), blob in list(self._items.items()):
            raw = state.kv.get(request_key(service, h, len(blob)))
            provided = preimage_key(service, h) in state.kv
            if provided or (raw is not None and decode(_TIMESLOTS, raw, state.spec) != ()):
                del self._items[(service, h)]
                self._bytes -= len(blob)


class GuaranteePool:
    """Guaranteed work reports by report hash (one guarantee per report), at most `limit`."""

    def __init__(self, spec: ChainSpec, limit: int = 1024) -> None:
        self.spec = spec
        self.limit = limit
        self._items: OrderedDict[bytes, ReportGuarantee] = OrderedDict()

    def add(self, guarantee: ReportGuarantee) -> bytes:
        h = hashlib.blake2b(encode(guarantee.report, self.spec), digest_size=32).digest()
        self._items[h] = guarantee
        while len(self._items) > self.limit:
            self._items.popitem(last=False)
        return h

    def __len__(self) -> int:
        return len(self._items)

    def candidates(self) -> list[ReportGuarantee]:
        return list(self._items.values())

    def prune(self, state: ChainState, block: Block) -> None:
        """Drop guarantees whose report is on chain now or whose slot is too old to be reported."""
        included = {hashlib.blake2b(encode(g.report, self.spec), digest_size=32).digest() for g in block.extrinsic.guarantees}
        R = self.spec.rotation_period
        oldest = R * (state["timeslot"] // R - 1)  # a guarantee's slot may lie in the prior rotation at most (reporting_assurance.tex, eq:guarantorsig)
        for h in [h for h, g in self._items.items() if h in included or g.slot < oldest]:
            del self._items[h]


class AssurancePool:
    """Availability assurances by (anchor, validator); only those anchored on the parent count."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._items: OrderedDict[tuple[bytes, int], AvailAssurance] = OrderedDict()

    def add(self, assurance: AvailAssurance) -> None:
        self._items[(assurance.anchor, assurance.validator_index)] = assurance
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def candidates(self, parent: bytes) -> list[AvailAssurance]:
        """Assurances anchored on `parent`, by validator index (eq. 11.12)."""
        return sorted((a for (anchor, _), a in self._items.items() if anchor == parent), key=lambda a: a.validator_index)

    def prune(self, head: bytes) -> None:
        """After a block: only assurances anchored on the new head can still be included."""
        for key in [k for k in self._items if k[0] != head]:
            del self._items[key]


class DisputePool:
    """Verdicts, culprits and faults waiting to be judged on chain."""

    def __init__(self, limit: int = 1024) -> None:
        self.limit = limit
        self.verdicts: OrderedDict[bytes, Verdict] = OrderedDict()
        self.culprits: OrderedDict[tuple[bytes, bytes], Culprit] = OrderedDict()
        self.faults: OrderedDict[tuple[bytes, bytes], Fault] = OrderedDict()

    def add(self, item: Verdict | Culprit | Fault) -> None:
        if isinstance(item, Verdict):
            self.verdicts[item.target] = item
        elif isinstance(item, Culprit):
            self.culprits[(item.target, item.key)] = item
        else:
            self.faults[(item.target, item.key)] = item
        for table in (self.verdicts, self.culprits, self.faults):
            while len(table) > self.limit:
                table.popitem(last=False)

    def __len__(self) -> int:
        return len(self.verdicts) + len(self.culprits) + len(self.faults)

    def prune(self, state: ChainState) -> None:
        """Drop what the disputes state ψ already records."""
        psi = state["disputes"]
        judged = set(psi.good) | set(psi.bad) | set(psi.wonky)
        offenders = set(psi.offenders)
        for t in [t for t in self.verdicts if t in judged]:
            del self.verdicts[t]
        for table in (self.culprits, self.faults):
            for k in [k for k in table if k[1] in offenders]:
                del table[k]


class ExtrinsicPools:
    """Every pool the authorer draws from."""

    def __init__(self, spec: ChainSpec) -> None:
        self.spec = spec
        self.tickets = TicketPool()
        self.preimages = PreimagePool()
        self.guarantees = GuaranteePool(spec)
        self.assurances = AssurancePool()
        self.disputes = DisputePool()

    def prune(self, state: ChainState, block: Block) -> None:
        """After importing `block` (posterior `state`): forget what it included or made useless."""
        safrole = state["safrole"]
        self.tickets.prune(contest_of_state(state), safrole.ticket_accumulator, self.spec.epoch_length)
        self.preimages.prune(state)
        self.guarantees.prune(state, block)
        self.assurances.prune(header_hash(block.header, self.spec))
        self.disputes.prune(state)

    def sizes(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in ("tickets", "preimages", "guarantees", "assurances", "disputes")}


