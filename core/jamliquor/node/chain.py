"""The node's chain: every imported block (forks included) in the LMDB store, the tree of blocks
since the latest finalized one in memory, the best head (GP v0.7.2 best_chain.tex) and the
finalized block (the rule below). `Chain` implements `view.ChainView`.

Best chain (best_chain.tex, "Grandpa and the Best Chain"): among *acceptable* blocks — those with
the finalized block as an ancestor and no unfinalized ancestor (themselves included) whose slot
holds two known blocks (an equivocation) — the best head maximises the number of ancestors
sealed with a ticket rather than a fallback key (m = Σ_{H^A ∈ A^♭} T^A). Ties, which the GP leaves
open, go to the longer chain and then to the lower header hash, so every node that knows the
same blocks picks the same head. (The audit condition needs auditing, which this node does not
do: every block counts as audited.)

Finality (GRANDPA is out of scope): a block is finalized once the best chain holds descendants
of it authored by a supermajority — ⌊2n/3⌋ + 1 — of the n validators seated in κ. Building on a
block is an implicit vote for it, and the threshold is GRANDPA's, so a block is final when as
many distinct validators have built on it as GRANDPA would need to vote for it. The rule is
deterministic (a function of the block tree), never reverts (the best head is always chosen
among descendants of the finalized block), and stalls, as GRANDPA would, while more than a
third of the validators are away.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from collections.abc import Callable, Iterator

import attrs

from ..block import BadParentStateRoot, header_hash
from ..chainspec import ChainspecFile
from ..codec import decode, encode
from ..errors import JamLiquorError
from ..state import ChainState
from ..store import StateStore, UnknownStateError
from ..types import Block, Header, Statistics
from .view import BlockRef, ChainEvent, EventHub

_RECORD = struct.Struct("<32sIHBII32s")  # parent, slot, author, flags, weight, height, state root
_TICKETED = 1
FINALITY_WALK = 512  # blocks the finality rule looks back from the best head at most


class ChainError(JamLiquorError):
    """A block the chain cannot take (yet): unknown parent, stale, from the future, not stored."""


class UnknownParentError(ChainError):
    """The block's parent is not known (the node must sync its ancestry first)."""


class StaleBlockError(ChainError):
    """The block does not descend from the latest finalized block."""


class FutureBlockError(ChainError):
    """The block's slot has not begun yet (GP eq. 5.7: H_T · P ≤ T)."""


@attrs.define(slots=True, eq=False)
class BlockInfo:
    """What the chain keeps in memory per block (and in the store's index as a record)."""

    hash: bytes
    parent: bytes
    slot: int
    author: int
    ticketed: bool
    weight: int  # ticket-sealed blocks among this block and its ancestors
    height: int  # ancestors
    state_root: bytes  # posterior
    children: list[bytes] = attrs.field(factory=list)

    def record(self) -> bytes:
        return _RECORD.pack(self.parent, self.slot, self.author, _TICKETED if self.ticketed else 0, self.weight,
                            self.height, self.state_root)

    @classmethod
    def from_record(cls, h: bytes, raw: bytes) -> "BlockInfo":
        parent, slot, author, flags, weight, height, root = _RECORD.unpack(raw)
        return cls(h, parent, slot, author, bool(flags & _TICKETED), weight, height, root)

    @property
    def ref(self) -> BlockRef:
        return BlockRef(self.hash, self.slot)


@attrs.frozen(slots=True)
class Imported:
    """What adding one block changed: its info and the events to publish."""

    info: BlockInfo
    events: tuple[ChainEvent, ...]
    finalized: tuple[BlockInfo, ...] = ()  # newly finalized blocks, oldest first


class Chain:
    """Blocks, states, best and finalized heads; `ChainView` for the node's servers.

    Single-threaded by design: the node calls every mutating method from its event loop (the
    CPU-heavy import runs elsewhere and hands its posterior state to `add`)."""

    def __init__(self, chainspec: ChainspecFile, store: StateStore, state_cache: int = 4, keep_blocks: int | None = None) -> None:
        self.chainspec = chainspec
        self.keep_blocks = keep_blocks  # pruned profile: blocks of this many slots below the finalized one (None: all)
        self.spec = chainspec.spec
        self.store = store
        self.genesis_hash = chainspec.genesis_hash()
        self.hub = EventHub()
        self.blocks: dict[bytes, BlockInfo] = {}  # the finalized block and its known descendants
        self._slots: dict[int, list[bytes]] = {}  # unfinalized blocks by slot (equivocations)
        self._states: OrderedDict[bytes, ChainState] = OrderedDict()
        self._state_cache = state_cache
        self._seated: int | None = None
        self.submit: Callable[[int, bytes], None] | None = None  # set by the node: preimages into the pool
        self._open()

    # ------------------------------------------------------------------ opening

    def _open(self) -> None:
        g = self.genesis_hash
        if self.store.block_record(g) is None:
            state = self.chainspec.state()
            slot = self.chainspec.genesis_header.slot
            info = BlockInfo(g, bytes(32), slot, 0xFFFF, False, 0, 0, state.root())
            self.store.put_block(g, slot, info.record(), None, (bytes(32), info.state_root, state.kv))
            self.store.finalize([(slot, g)])
            self._remember(g, state)
        final = self.store.finalized() or g
        raw = self.store.block_record(final)
        if raw is None:
            raise ChainError(f"the store's finalized block {final.hex()} has no record")
        root = BlockInfo.from_record(final, raw)
        self.blocks = {final: root}
        for h, rec in self.store.records_from(root.slot):
            info = BlockInfo.from_record(h, rec)
            if h != final and info.parent in self.blocks and info.slot > self.blocks[info.parent].slot:
                self._link(info)
        self.finalized_hash = final
        self.best_hash = self._choose_best()

    def _link(self, info: BlockInfo) -> None:
        self.blocks[info.hash] = info
        self.blocks[info.parent].children.append(info.hash)
        self._slots.setdefault(info.slot, []).append(info.hash)

    # ------------------------------------------------------------------ ChainView

    def best(self) -> BlockRef:
        return self.blocks[self.best_hash].ref

    def finalized(self) -> BlockRef:
        return self.blocks[self.finalized_hash].ref

    def info(self, h: bytes) -> BlockInfo | None:
        info = self.blocks.get(h)
        if info is None:
            raw = self.store.block_record(h)
            info = None if raw is None else BlockInfo.from_record(h, raw)
        return info

    def knows(self, h: bytes) -> bool:
        return h in self.blocks or self.store.block_record(h) is not None

    def block(self, h: bytes) -> Block | None:
        raw = self.store.get_block(h)
        return None if raw is None else decode(Block, raw, self.spec)

    def block_bytes(self, h: bytes) -> bytes | None:
        return self.store.get_block(h)

    def header(self, h: bytes) -> Header | None:
        if h == self.genesis_hash:
            return self.chainspec.genesis_header
        block = self.block(h)
        return None if block is None else block.header

    def parent(self, h: bytes) -> BlockRef | None:
        info = self.info(h)
        if info is None or h == self.genesis_hash:
            return None
        parent = self.info(info.parent)
        return None if parent is None else parent.ref

    def state(self, h: bytes) -> ChainState | None:
        state = self._states.get(h)
        if state is not None:
            self._states.move_to_end(h)
            return state
        try:
            kv = self.store.get_state(h)
        except UnknownStateError:
            return None
        state = ChainState(kv, self.spec)
        self._remember(h, state)
        return state

    def statistics(self, h: bytes) -> Statistics | None:
        state = self.state(h)
        return None if state is None else state["statistics"]

    def subscribe(self):
        return self.hub.subscribe()

    def unsubscribe(self, queue) -> None:
        self.hub.unsubscribe(queue)

    def submit_preimage(self, requester: int, blob: bytes) -> None:
        if self.submit is None:
            raise ChainError("this node takes no preimages")
        self.submit(requester, blob)

    # ------------------------------------------------------------------ adding blocks

    def check(self, block: Block, now_slot: int | None = None) -> BlockInfo:
        """Cheap checks before import; returns the parent's info. Raises ChainError subtypes or
        BadParentStateRoot (GP eq. 5.8: H_R is the parent's posterior state root)."""
        H = block.header
        parent = self.blocks.get(H.parent)
        if parent is None:
            if self.store.block_record(H.parent) is not None:
                raise StaleBlockError(f"slot {H.slot}: parent {H.parent.hex()[:16]}… is not a descendant of the finalized block")
            raise UnknownParentError(f"slot {H.slot}: unknown parent {H.parent.hex()[:16]}…")
        if now_slot is not None and H.slot > now_slot:
            raise FutureBlockError(f"slot {H.slot} has not begun (now {now_slot})")
        if H.parent_state_root != parent.state_root:
            raise BadParentStateRoot(f"H_R {H.parent_state_root.hex()[:16]}… is not the parent's root {parent.state_root.hex()[:16]}…")
        return parent

    def add(self, block: Block, post: ChainState, h: bytes | None = None, root: bytes | None = None) -> Imported:
        """Store an imported `block` with its posterior state and update the heads."""
        H = block.header
        h = h or header_hash(H, self.spec)
        parent = self.blocks.get(H.parent)
        if parent is None:  # finality moved past the parent's fork while the block was imported
            raise StaleBlockError(f"slot {H.slot}: parent {H.parent.hex()[:16]}… is no longer a descendant of the finalized block")
        ticketed = post["safrole"].sealing_keys.name == "tickets"  # γ'_S sealed this block's slot
        info = BlockInfo(h, H.parent, H.slot, H.author_index, ticketed, parent.weight + ticketed, parent.height + 1,
                         root or post.root())
        self.store.put_block(h, H.slot, info.record(), encode(block, self.spec), (H.parent, info.state_root, post.kv))
        self._remember(h, post)
        self._link(info)
        events = [ChainEvent("imported", info.ref)]
        best = self._choose_best()
        if best != self.best_hash:
            self.best_hash = best
            events.append(ChainEvent("best", self.blocks[best].ref))
        finalized = self._advance_finality()
        if finalized:
            events.append(ChainEvent("finalized", finalized[-1].ref))
        return Imported(info, tuple(events), tuple(finalized))

    def publish(self, imported: Imported) -> None:
        for event in imported.events:
            self.hub.publish(event)

    def _remember(self, h: bytes, state: ChainState) -> None:
        self._states[h] = state
        self._states.move_to_end(h)
        while len(self._states) > self._state_cache:
            self._states.popitem(last=False)

    # ------------------------------------------------------------------ best and finalized

    def _acceptable(self) -> Iterator[BlockInfo]:
        """Descendants of the finalized block (itself included) with no equivocation among their
        unfinalized ancestors."""
        stack = [self.finalized_hash]
        while stack:
            info = self.blocks[stack.pop()]
            yield info
            stack.extend(c for c in info.children if len(self._slots.get(self.blocks[c].slot, ())) == 1)

    def _choose_best(self) -> bytes:
        best = min(self._acceptable(), key=lambda b: (-b.weight, -b.height, b.hash))
        return best.hash

    def seated(self) -> int:
        """n: validators holding a key in κ (the spec's V less null seats), from the best state."""
        if self._seated is None:
            state = self.state(self.best_hash) or self.state(self.finalized_hash)
            kappa = state["current_validators"] if state is not None else ()
            self._seated = max(1, sum(1 for v in kappa if any(v.ed25519)))
        return self._seated

    def _advance_finality(self) -> list[BlockInfo]:
        """Finalize the latest best-chain block whose best-chain descendants have ⌊2n/3⌋ + 1
        distinct authors; return the newly finalized blocks, oldest first."""
        need = 2 * self.seated() // 3 + 1
        authors: set[int] = set()
        info = self.blocks[self.best_hash]
        target = None
        for _ in range(FINALITY_WALK):
            if info.hash == self.finalized_hash:
                break
            if len(authors) >= need:
                target = info
                break
            authors.add(info.author)
            info = self.blocks[info.parent]
        if target is None:
            return []
        newly = []
        info = target
        while info.hash != self.finalized_hash:
            newly.append(info)
            info = self.blocks[info.parent]
        newly.reverse()
        self.store.finalize([(b.slot, b.hash) for b in newly])
        self.finalized_hash = target.hash
        self._prune()
        if self.keep_blocks is not None:  # the pruned profile, continuously as finality advances
            self.store.prune_blocks(target.slot - self.keep_blocks, keep=(self.genesis_hash,))
        return newly

    def _prune(self) -> None:
        """Forget (in memory) every block that is not the finalized one or its descendant."""
        keep: dict[bytes, BlockInfo] = {}
        stack = [self.finalized_hash]
        while stack:
            h = stack.pop()
            keep[h] = self.blocks[h]
            stack.extend(self.blocks[h].children)
        self.blocks = keep
        final_slot = keep[self.finalized_hash].slot
        self._slots = {s: [h for h in hs if h in keep] for s, hs in self._slots.items() if s > final_slot}

    # ------------------------------------------------------------------ queries for peers

    def leaves(self) -> list[BlockInfo]:
        """Descendants of the finalized block with no known children (UP 0 handshake)."""
        return [b for b in self.blocks.values() if not b.children]

    def is_ancestor(self, ancestor: bytes, h: bytes) -> bool:
        """Whether `ancestor` is `h` or one of its ancestors within the unfinalized tree."""
        info = self.blocks.get(h)
        while info is not None:
            if info.hash == ancestor:
                return True
            info = self.blocks.get(info.parent)
        return False

    def finalizable(self, h: bytes) -> bool:
        """On the finalized chain or descending from the finalized block."""
        if h in self.blocks:
            return True
        info = self.info(h)
        return info is not None and self.store.canon_hash(info.slot) == h

    def descending(self, h: bytes, limit: int) -> list[bytes] | None:
        """`h` and its ancestors, at most `limit`, genesis excluded; None if `h` cannot be finalized."""
        if not self.finalizable(h):
            return None
        out: list[bytes] = []
        info = self.info(h)
        while info is not None and len(out) < limit and info.hash != self.genesis_hash:
            out.append(info.hash)
            info = self.info(info.parent)
        return out

    def ascending(self, h: bytes, limit: int) -> list[bytes] | None:
        """Children of `h` onwards (towards the best head, or the best leaf below `h`), at most
        `limit`; None if `h` cannot be finalized."""
        if not self.finalizable(h):
            return None
        out: list[bytes] = []
        if h not in self.blocks:  # on the finalized chain, below the finalized block
            info = self.info(h)
            out = self.store.canon_after(info.slot, limit)
            if len(out) >= limit:
                return out
            h = self.finalized_hash
        if self.is_ancestor(h, self.best_hash):
            tip = self.best_hash
        else:
            below = [b for b in self._acceptable() if self.is_ancestor(h, b.hash)] or [self.blocks[h]]
            tip = min(below, key=lambda b: (-b.weight, -b.height, b.hash)).hash
        path = []
        info = self.blocks[tip]
        while info.hash != h:
            path.append(info.hash)
            info = self.blocks[info.parent]
        path.reverse()
        return (out + path)[:limit]
