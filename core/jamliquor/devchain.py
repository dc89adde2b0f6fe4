"""The dev chain: every validator's keys in one process, on a simulated clock (no sleeping).

For each slot the validator holding its sealing key authors a block through the `author_block`
hook and the chain advances by importing it through the `import_block` hook (one shared state);
the two posterior roots must agree. Validators make their Safrole tickets when a contest opens
(ids at once; a ring proof when a block first takes the ticket), and the preimages the genesis
service solicits arrive in the shared pool one per slot from slot 2, as RPC submissions would. The chain is written in the
official trace layout (`genesis.bin`, then `00000001.bin`… each a TraceStep of pre_state, block,
post_state; `traces/schema.asn`), with the JIP-4 `chainspec.json` and `authoring.jsonl` (one
authoring log per block).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import attrs

from .author import AuthoredBlock, ExtrinsicPools, contest_of_state
from .chainspec import ChainspecFile, dev_preimages
from .errors import JamLiquorError
from .keys import Keyring
from .plugins import PluginHost, default_host
from .profiles import AuthorBudget
from .spec import ChainSpec
from .state.keys import request_key
from .vectors.traces import raw_state, step_files, step_name, write_genesis, write_step

CHAINSPEC_FILE = "chainspec.json"
LOG_FILE = "authoring.jsonl"


def dev_pools(spec: ChainSpec) -> ExtrinsicPools:
    """Extrinsic pools holding every preimage the dev genesis solicits (requested by service 0)."""
    pools = ExtrinsicPools(spec)
    for blob in dev_preimages():
        pools.preimages.submit(0, blob)
    return pools


class DevchainError(JamLiquorError):
    """The dev chain cannot proceed: an unusable output directory, or import disagreeing with the author."""


@attrs.define(slots=True)
class DevchainSummary:
    blocks: int = 0
    ticket_sealed: int = 0
    fallback_sealed: int = 0
    empty_slots: int = 0  # slots whose sealer we do not hold (seats beyond V)
    tickets: int = 0
    preimages: int = 0
    budget_cuts: int = 0
    first_slot: int = 0
    last_slot: int = 0
    first_ticket_slot: int | None = None
    epochs_crossed: int = 0
    author_seconds: float = 0.0
    head: bytes = b""
    state_root: bytes = b""

    def lines(self, epoch_length: int) -> list[str]:
        return [
            f"blocks {self.blocks} (slots {self.first_slot}..{self.last_slot}, {self.empty_slots} without a held sealer)",
            f"sealed: {self.ticket_sealed} by ticket, {self.fallback_sealed} fallback"
            + (f" (first ticket-sealed slot {self.first_ticket_slot}, epoch {self.first_ticket_slot // epoch_length})"
               if self.first_ticket_slot is not None else ""),
            f"extrinsics: {self.tickets} tickets, {self.preimages} preimages; budget cut {self.budget_cuts} items",
            f"epochs crossed: {self.epochs_crossed}",
            f"authoring: {self.author_seconds / max(self.blocks, 1) * 1000:.0f} ms per block on average",
            f"head {self.head.hex()}, state root {self.state_root.hex()}",
        ]


def _prepare(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if step_files(out) or (out / "genesis.bin").exists():
        raise DevchainError(f"{out} already holds a trace; choose an empty directory")


def run_devchain(chainspec: ChainspecFile, keyring: Keyring, slots: int, out: Path, budget: AuthorBudget | None = None,
                 host: PluginHost | None = None, on_block: Callable[[int, AuthoredBlock | None], None] | None = None,
                 eager_tickets: bool = False) -> DevchainSummary:
    """Author and import `slots` slots after the genesis of `chainspec` with `keyring`, writing the
    trace to `out`. With `eager_tickets` every validator proves all N of its tickets when a contest
    opens, as in a network; by default only the tickets blocks take are proved (same chain, less work)."""
    host = host or default_host()
    spec = chainspec.spec
    _prepare(out)
    chainspec.write(out / CHAINSPEC_FILE)
    state = chainspec.state()
    write_genesis(out / "genesis.bin", chainspec.genesis_header, state.root(), state.kv, spec)

    pools = ExtrinsicPools(spec)
    offers = [blob for blob in dev_preimages()  # the dev preimages this genesis solicits
              if request_key(0, hashlib.blake2b(blob, digest_size=32).digest(), len(blob)) in state.kv]
    summary = DevchainSummary()
    contest = None
    first = state["timeslot"] + 1
    summary.first_slot, summary.last_slot = first, first + slots - 1
    with open(out / LOG_FILE, "w", buffering=1) as log_file:  # line-buffered: followable while it runs
        for slot in range(first, first + slots):
            if contest != (current := contest_of_state(state)):  # a contest opened: every validator makes its tickets
                contest = current
                pools.tickets.add_own(contest, keyring, prove_now=eager_tickets)
            if offers and slot >= 2:
                pools.preimages.submit(0, offers.pop(0))
            authored = host.call("author_block", state=state, slot=slot, keys=keyring, spec=spec, pools=pools, budget=budget)
            if authored is None:
                summary.empty_slots += 1
                if on_block:
                    on_block(slot, None)
                continue
            post = host.call("import_block", state=state, block=authored.block, spec=spec)
            if post is None or post.root() != authored.log.state_root:
                raise DevchainError(f"slot {slot}: importing our block gives another state root than authoring it did")
            summary.blocks += 1
            write_step(out / step_name(summary.blocks), raw_state(state.root(), state.kv), authored.block,
                       raw_state(post.root(), post.kv), spec)
            log = authored.log
            log_file.write(json.dumps(log.to_json()) + "\n")
            _count(summary, log, spec.epoch_length, state["timeslot"], slot)
            pools.prune(post, authored.block)
            state = post
            summary.head, summary.state_root = log.header_hash, log.state_root
            if on_block:
                on_block(slot, authored)
    return summary


def _count(summary: DevchainSummary, log, epoch_length: int, prior_slot: int, slot: int) -> None:
    if log.ticketed:
        summary.ticket_sealed += 1
        if summary.first_ticket_slot is None:
            summary.first_ticket_slot = slot
    else:
        summary.fallback_sealed += 1
    summary.tickets += log.kinds["tickets"].included
    summary.preimages += log.kinds["preimages"].included
    summary.budget_cuts += sum(n for k in log.kinds.values() for why, n in k.cut.items() if why != "per-block")
    summary.epochs_crossed += slot // epoch_length - prior_slot // epoch_length
    summary.author_seconds += log.seconds
