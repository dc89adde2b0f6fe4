"""The light client's verified header tree, grown from the chainspec's genesis by a peer.

`LightChain.import_header` verifies one header N whose parent H is verified (`sealing` for the
GP rules): the seal against the view after H; then the entries of the state after H that the
checks need, proved (CE 129, `proof`) against N's prior-state root — which N's valid seal makes
trustworthy — reconciled with the view and used for N's markers; only then is N recorded. Any
failure leaves the tree and the best head as they were. The best head follows the GP's rule
(best_chain.tex): the verified chain with the most ticket-sealed blocks; ties go to the longer
chain, then the lower header hash, as the node breaks them. (The light client keeps no finality
and does not screen equivocations: it follows what its peers' verified headers say.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from jamliquor.block import BadExtrinsicHash, extrinsic_hash, header_hash
from jamliquor.chainspec import ChainspecFile
from jamliquor.codec import BOOL, H32, U32, CodecError, decode, encode, field, struct
from jamliquor.errors import JamLiquorError
from jamliquor.state.components import COMPONENTS
from jamliquor.state.keys import component_key
from jamliquor.types import Block, Header

from .errors import InconsistentState, LightError, PeerError, UnknownParent
from .peer import ASCENDING_EXCLUSIVE, DESCENDING_INCLUSIVE, Peer
from .proof import verify_key
from .sealing import (
    SealingView,
    advance,
    check_header,
    check_markers,
    needs_accumulator,
    proved_components,
    reconcile,
    seal_context,
    view_of_components,
    with_accumulator,
)

MAX_RESPONSE = 1 << 22  # CE 129 maximum size asked for one key (a single pair may exceed it anyway)
CHECKPOINT_FILE = "light-head.bin"


@attrs.frozen(slots=True)
class Verified:
    """A verified header, the Safrole view after its block, and its chain's ticket-sealed count."""

    hash: bytes
    header: Header
    view: SealingView
    ticketed: bool
    weight: int
    parent_slot: int  # the slot of the block whose posterior state this header's H_R commits
    height: int = 0  # ancestors since genesis (the best-chain tie-break)

    def rank(self) -> tuple[int, int, bytes]:
        """Best chain (best_chain.tex): most ticket-sealed blocks, then the longer chain, then (as
        the node breaks ties, deterministically) the lower header hash."""
        return (self.weight, self.height, bytes(255 - b for b in self.hash))


@struct
class Checkpoint:
    """The data dir's record of the best verified head (resumed on restart)."""

    genesis: bytes = field(H32)
    header: Header = field(Header)
    view: SealingView = field(SealingView)
    ticketed: bool = field(BOOL)
    weight: int = field(U32)
    parent_slot: int = field(U32)
    height: int = field(U32)


@attrs.define
class Stats:
    headers: int = 0
    proofs: int = 0
    proof_bytes: int = 0
    rejected: int = 0


class LightChain:
    """Verified headers from genesis (or a checkpoint) on; `best` is the head it answers for."""

    def __init__(self, chainspec: ChainspecFile, keep: int = 256, log: Callable[[str], None] | None = None) -> None:
        self.chainspec = chainspec
        self.spec = chainspec.spec
        self.keep = keep
        self.log = log or (lambda line: None)
        self.stats = Stats()
        state = chainspec.state()
        view = view_of_components({n: state[n] for n in ("safrole", "timeslot", "entropy", "current_validators", "disputes")})
        self.genesis = Verified(chainspec.genesis_hash(), chainspec.genesis_header, view, False, 0, view.slot)
        self.records: dict[bytes, Verified] = {self.genesis.hash: self.genesis}
        self.best = self.genesis
        self.on_best: list[Callable[[Verified], None]] = []  # told of every new best head

    # ------------------------------------------------------------------ proved state

    async def prove(self, peer: Peer, anchor: Verified, keys: Sequence[bytes]) -> dict[bytes, bytes | None]:
        """The entries `keys` of the state after `anchor`'s parent, each proved against anchor's
        prior-state root (for genesis: the chainspec's genesis state, trusted as given)."""
        if anchor is self.genesis:
            return {k: self.chainspec.genesis_state.get(k) for k in keys}
        root, state_of = anchor.header.parent_state_root, anchor.header.parent
        try:
            answers = await asyncio.gather(*(peer.state_range(state_of, k, k, MAX_RESPONSE) for k in keys))
        except (CodecError, OSError, asyncio.TimeoutError) as exc:
            raise PeerError(f"{peer.name}: state request failed: {exc}") from exc
        out: dict[bytes, bytes | None] = {}
        for key, (nodes, pairs) in zip(keys, answers):
            out[key] = verify_key(root, key, nodes, pairs)
            self.stats.proofs += 1
            self.stats.proof_bytes += 64 * len(nodes) + sum(31 + len(v) for _, v in pairs)
        return out

    async def components(self, peer: Peer, anchor: Verified, names: Iterable[str]) -> dict[str, Any]:
        """State components (kernel names) of the state after `anchor`'s parent, proved and decoded."""
        names = tuple(names)
        raw = await self.prove(peer, anchor, [component_key(COMPONENTS[n][0]) for n in names])
        out = {}
        for name in names:
            value = raw[component_key(COMPONENTS[name][0])]
            if value is None:
                raise InconsistentState(f"the proved state has no component {name!r}")
            try:
                out[name] = decode(COMPONENTS[name][1], value, self.spec)
            except CodecError as exc:
                raise InconsistentState(f"proved component {name!r} does not decode: {exc}") from exc
        return out

    # ------------------------------------------------------------------ headers

    async def import_header(self, peer: Peer, header: Header) -> Verified:
        """Verify `header` (its parent must be verified) and record it; raise and change nothing otherwise."""
        h = header_hash(header, self.spec)
        known = self.records.get(h)
        if known is not None:
            return known
        parent = self.records.get(header.parent)
        if parent is None:
            raise UnknownParent(f"header {h.hex()} at slot {header.slot}: parent {header.parent.hex()} is not verified")
        try:
            verified = await self._verify(peer, parent, header, h)
        except JamLiquorError:
            self.stats.rejected += 1
            raise
        self._record(verified)
        return verified

    async def _verify(self, peer: Peer, parent: Verified, header: Header, h: bytes) -> Verified:
        spec = self.spec
        view = parent.view
        if needs_accumulator(view, header.slot, spec):  # γ_A of the parent = its prior state's (eq. 6.30)
            proved = await self.components(peer, parent, ("safrole",))
            safrole = proved["safrole"]
            if tuple(safrole.pending) != view.pending or safrole.sealing_keys != view.sealing:
                raise InconsistentState("proved γ differs from what the verified headers imply")
            view = with_accumulator(view, safrole.ticket_accumulator)
        ctx = seal_context(view, header.slot, spec)
        entropy_output, ticketed = check_header(header, parent.hash, view, ctx, spec)
        # The seal is valid: N's prior-state root commits the state after H; prove what the rest needs.
        anchor = Verified(h, header, view, ticketed, parent.weight + ticketed, parent.header.slot, parent.height + 1)
        proved = await self.components(peer, anchor, proved_components(view, header, spec))
        view = reconcile(view, proved)
        queued = tuple(proved["queued_validators"]) if "queued_validators" in proved else None
        check_markers(view, queued, header, spec)
        return attrs.evolve(anchor, view=advance(view, header, entropy_output, ctx, queued, spec))

    def _record(self, verified: Verified) -> None:
        self.records[verified.hash] = verified
        self.stats.headers += 1
        if verified.rank() > self.best.rank():
            self.best = verified
            for listener in self.on_best:
                listener(verified)
        if len(self.records) > self.keep:  # forget the oldest (never genesis or the best head)
            for old in sorted(self.records.values(), key=lambda r: r.header.slot)[: len(self.records) - self.keep]:
                if old is not self.genesis and old is not self.best:
                    del self.records[old.hash]

    async def import_block(self, peer: Peer, block: Block) -> Verified:
        """A whole block from CE 128: its extrinsic must be the one H_X commits to (GP eq. 5.4)."""
        if extrinsic_hash(block.extrinsic, self.spec) != block.header.extrinsic_hash:
            self.stats.rejected += 1
            raise BadExtrinsicHash(f"block at slot {block.header.slot}")
        return await self.import_header(peer, block.header)

    # ------------------------------------------------------------------ following a peer

    async def catch_up(self, peer: Peer, batch: int = 32, limit: int | None = None) -> int:
        """Verify the peer's blocks after our best head (CE 128 ascending), batch by batch; return how many."""
        count = 0
        while limit is None or count < limit:
            blocks = await peer.blocks(self.best.hash, ASCENDING_EXCLUSIVE, batch if limit is None else min(batch, limit - count))
            if not blocks:
                break
            for block in blocks:
                await self.import_block(peer, block)
                count += 1
        return count

    async def on_announcement(self, peer: Peer, header: Header, max_gap: int = 256) -> Verified:
        """A header a peer announced (UP 0): fetch missing ancestors (CE 128 descending) down to a
        verified block, at most `max_gap` of them, then verify them in order and the header itself."""
        if header.parent not in self.records:
            missing: list[Block] = []
            cursor = header.parent
            while cursor not in self.records:
                if len(missing) >= max_gap:
                    raise UnknownParent(f"no verified ancestor within {max_gap} blocks of slot {header.slot}")
                got = await peer.blocks(cursor, DESCENDING_INCLUSIVE, min(64, max_gap - len(missing)))
                if not got or header_hash(got[0].header, self.spec) != cursor:
                    raise PeerError(f"{peer.name}: block request for {cursor.hex()} returned another chain")
                for block in got:
                    if header_hash(block.header, self.spec) != cursor:
                        raise PeerError(f"{peer.name}: descending blocks do not link")
                    if cursor in self.records:
                        break
                    missing.append(block)
                    cursor = block.header.parent
            for block in reversed(missing):
                await self.import_block(peer, block)
        return await self.import_header(peer, header)

    # ------------------------------------------------------------------ data dir

    def save(self, data_dir: Path) -> None:
        """Write the best head as the data dir's checkpoint (atomically replaced)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        b = self.best
        blob = encode(Checkpoint(self.genesis.hash, b.header, b.view, b.ticketed, b.weight, b.parent_slot, b.height), self.spec)
        tmp = data_dir / (CHECKPOINT_FILE + ".tmp")
        tmp.write_bytes(blob)
        tmp.replace(data_dir / CHECKPOINT_FILE)

    def resume(self, data_dir: Path) -> bool:
        """Start from the data dir's checkpoint if there is one for this genesis; return whether."""
        path = data_dir / CHECKPOINT_FILE
        if not path.exists():
            return False
        try:
            cp = decode(Checkpoint, path.read_bytes(), self.spec)
        except CodecError as exc:
            raise LightError(f"{path}: not a light-client checkpoint for this chainspec: {exc}") from exc
        if cp.genesis != self.genesis.hash:
            raise LightError(f"{path}: checkpoint of another chain (genesis {cp.genesis.hex()})")
        record = Verified(header_hash(cp.header, self.spec), cp.header, cp.view, cp.ticketed, cp.weight, cp.parent_slot, cp.height)
        self.records[record.hash] = record
        self.best = record
        return True
