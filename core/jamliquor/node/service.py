"""The node: chain, store, pools, network, sync, authoring, ticket distribution and (if built)
the JIP-2 RPC server, wired together and run until stopped.

Threads: everything runs on the asyncio event loop except the CPU-heavy calls — block import,
authoring — which run one at a time, most urgent first, on a single worker thread (so the pools
and the importer are never used concurrently); ticket checks on a verifier thread; and ring-VRF
ticket proofs in a prover process (`prover.py`: the binding holds the GIL while proving). The chain and the store are changed only from the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ..author import AuthoredBlock, ExtrinsicPools, PoolError
from ..block import BlockError, header_hash
from ..chainspec import Bootnode, ChainspecFile
from ..codec import encode
from ..files import write_private
from ..keys import Keyring, ValidatorKeys, key_name
from ..plugins import PluginCallError, PluginHost, default_host
from ..profiles import AuthorBudget
from ..state import ChainState, StateFormatError
from ..stf import StateError
from ..store import StateStore
from ..types import Block
from .authoring import Authoring
from .chain import Chain, ChainError, FutureBlockError, StaleBlockError, UnknownParentError
from .clock import SlotClock
from .network import Network
from .protocols.messages import BlockRef
from .prover import Prover
from .rpc import serve_rpc
from .stats import NodeStats, Reporter, rss_kb
from .sync import Syncer
from .ticketing import TicketDistribution
from .worker import BACKGROUND, NORMAL, URGENT, Worker

log = logging.getLogger("jamliquor.node")
T = TypeVar("T")

IDENTITY_FILE = "node-identity.key"  # a follower's Ed25519 TLS identity, kept across restarts
STATUS_PERIOD = 1.0
SHUTDOWN_TIMEOUT = 5.0


@attrs.frozen(slots=True)
class NodeConfig:
    chainspec: ChainspecFile
    data_dir: Path
    keys: ValidatorKeys | None = None
    listen: tuple[str, int] | None = None
    bootnodes: tuple[Bootnode, ...] = ()
    rpc: tuple[str, int] | None = None
    store_keep: int = 32
    budget: AuthorBudget | None = None
    status_file: Path | None = None
    events_file: Path | None = None
    last_slot: int | None = None  # author nothing after this slot (testnets)
    keep_blocks: int | None = None  # pruned profile: blocks of the last N slots below the finalized one (None: all)


def _identity(data_dir: Path) -> bytes:
    """A persistent random Ed25519 secret for a node without validator keys."""
    path = data_dir / IDENTITY_FILE
    if path.exists():
        secret = path.read_bytes()
        if len(secret) == 32:
            return secret
    secret = os.urandom(32)
    write_private(path, secret)
    return secret


class Node:
    def __init__(self, config: NodeConfig, host: PluginHost | None = None) -> None:
        self.config = config
        self.spec = config.chainspec.spec
        self.host = host or default_host()
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = StateStore(config.data_dir / "store", keep=config.store_keep)
        self.chain = Chain(config.chainspec, self.store, keep_blocks=config.keep_blocks)
        self.chain.submit = self._submit_preimage
        self.clock = SlotClock.of(config.chainspec)
        self.keyring = Keyring([config.keys] if config.keys else [])
        secret = config.keys.ed25519_seed if config.keys else _identity(config.data_dir)
        self.identity_public = Ed25519PrivateKey.from_private_bytes(secret).public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw)
        self.pools = ExtrinsicPools(self.spec)
        self.stats = NodeStats()
        self.reporter = Reporter(config.status_file, config.events_file)
        self._worker = Worker()
        self.prover = Prover()
        self._verifier = ThreadPoolExecutor(1, thread_name_prefix="jamliquor-verify")
        self.network = Network(self, secret)
        self.syncer = Syncer(self)
        self.tickets = TicketDistribution(self)
        self.authoring = Authoring(self, config.last_slot) if config.keys else None
        self.stop_event = asyncio.Event()
        self._background: set[asyncio.Task] = set()
        self.rpc_server: Any = None

    @property
    def name(self) -> str:
        return key_name(self.identity_public)

    # ------------------------------------------------------------------ running

    async def run(self) -> None:
        """Serve until `stop()`; then close streams, connections and the store cleanly."""
        cfg = self.config
        best, final = self.chain.best(), self.chain.finalized()
        log.info("node %s on %s: best slot %d %s…, finalized slot %d, %s", self.name[:12], cfg.chainspec.id, best.slot,
                 best.header_hash.hex()[:16], final.slot, "validator" if cfg.keys else "follower")
        if cfg.listen is not None:
            await self.network.listen(*cfg.listen)
            log.info("listening on %s:%d (ALPN %s)", cfg.listen[0], self.network.endpoint.listening_port or cfg.listen[1],
                     self.network.endpoint.alpns[0])
        if cfg.rpc is not None:
            await self._start_rpc(*cfg.rpc)
        stop = self.stop_event
        tasks = [asyncio.ensure_future(t) for t in (
            self.network.maintain(stop), self.syncer.run(stop), self.tickets.run(stop), self._report(stop),
            *([self.authoring.run(stop)] if self.authoring else []))]
        try:
            await stop.wait()
        finally:
            log.info("shutting down")
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self.rpc_server is not None:
                self.rpc_server.close()
                await asyncio.gather(self.rpc_server.wait_closed(), return_exceptions=True)
            await asyncio.wait_for(self.network.close(), SHUTDOWN_TIMEOUT)
            self._worker.shutdown()
            await self.prover.shutdown()
            self._verifier.shutdown(wait=False, cancel_futures=True)
            self._write_status()
            self.reporter.close()
            self.store.close()
            log.info("stopped: store committed at best slot %d", self.chain.best().slot)

    def stop(self) -> None:
        self.stop_event.set()

    async def _start_rpc(self, host: str, port: int) -> None:
        """The JIP-2 server over our chain (`ChainView`)."""
        self.rpc_server = await serve_rpc(self.chain, host, port)
        log.info("JIP-2 RPC on ws://%s:%d", host, port)

    async def in_worker(self, fn: Callable[..., T], *args: Any, priority: int = URGENT, **kwargs: Any) -> T:
        """Run on the chain worker (importer and pools), most urgent first."""
        return await self._worker.call(priority, fn, *args, **kwargs)

    def background(self, coro: Any) -> asyncio.Task:
        """Run `coro` without waiting for it (kept referenced until done; failures logged)."""
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed: %s", task.exception(), exc_info=task.exception())

    async def in_verifier(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a ticket check (pure: no pool) on the verifier thread, beside imports."""
        return await asyncio.get_running_loop().run_in_executor(self._verifier, lambda: fn(*args))

    # ------------------------------------------------------------------ blocks

    async def import_block(self, block: Block, source: bytes | None) -> str:
        """Check, import and add a block from a peer: "imported", "known", "orphan", "stale",
        "future", "unavailable" or "invalid" (the peer is scored down for that one)."""
        chain = self.chain
        h = header_hash(block.header, self.spec)
        if chain.knows(h):
            return "known"
        try:
            parent = chain.check(block, self.clock.slot() + 1)  # one slot of clock skew tolerated
        except UnknownParentError:
            return "orphan"
        except StaleBlockError:
            return "stale"
        except FutureBlockError as exc:
            log.info("block %s… from the future: %s", h.hex()[:16], exc)
            return "future"
        except BlockError as exc:
            self._bad_block(source, h, exc)
            return "invalid"
        prior = chain.state(parent.hash)
        if prior is None:
            log.warning("cannot import %s…: the state of its parent is no longer stored", h.hex()[:16])
            return "unavailable"

        cpu = [0.0]

        def run() -> tuple[ChainState, bytes]:
            begun = time.perf_counter()
            post = self.host.call("import_block", state=prior, block=block, spec=self.spec)
            root = post.root()
            cpu[0] = (time.perf_counter() - begun) * 1000
            return post, root

        started = time.perf_counter()
        try:
            post, root = await self.in_worker(run)
        except (BlockError, StateError, StateFormatError, PluginCallError) as exc:
            self._bad_block(source, h, exc)
            return "invalid"
        if chain.knows(h):
            return "known"
        await self.add_block(block, post, h, root, source=source, import_ms=(time.perf_counter() - started) * 1000,
                             run_ms=cpu[0])
        return "imported"

    def _bad_block(self, source: bytes | None, h: bytes, exc: Exception) -> None:
        conn = self.network.connection(source)
        detail = f"block {h.hex()[:16]}… fails import: {type(exc).__name__}: {exc}"
        if conn is not None:
            self.network.fault(conn, "bad_block", detail)
        else:
            log.warning(detail)

    async def add_block(self, block: Block, post: ChainState, h: bytes, root: bytes, source: bytes | None,
                        authored: AuthoredBlock | None = None, import_ms: float = 0.0, run_ms: float = 0.0) -> None:
        """Store an imported or authored block, announce it, and follow the heads it moved."""
        started = time.perf_counter()
        try:
            imported = self.chain.add(block, post, h, root)
        except ChainError as exc:
            log.warning("block %s… not added: %s", h.hex()[:16], exc)
            return
        store_ms = (time.perf_counter() - started) * 1000
        info = imported.info
        seal = "ticket" if info.ticketed else "fallback"
        work_ms = authored.log.seconds * 1000 if authored is not None else import_ms  # authoring or importing
        if authored is not None:
            self.stats.authored += 1
            log.info("authored slot %d %s… (%s-sealed, %s)", info.slot, h.hex()[:16], seal,
                     authored.log.summary().split(", ", 3)[-1])
        else:
            self.stats.imported += 1
            peer = self.network.peers.get(source) if source else None
            log.info("imported slot %d %s… author %d %s-sealed%s", info.slot, h.hex()[:16], info.author, seal,
                     f" from {peer.name}" if peer else "")
        self.reporter.event("authored" if authored else "imported", hash=h.hex(), slot=info.slot, author=info.author,
                            ticketed=info.ticketed, ms={"work": round(work_ms, 1), "run": round(run_ms, 1),
                                                        "store": round(store_ms, 1)})
        self.chain.publish(imported)
        self.network.announce(encode(block.header, self.spec), info.slot, h, exclude=source)
        if self.chain.best_hash == h:
            self.background(self.in_worker(self._prune_pools, post, block, priority=BACKGROUND))
        if imported.finalized:
            last = imported.finalized[-1]
            log.info("finalized slot %d %s…", last.slot, last.hash.hex()[:16])

    def _prune_pools(self, post: ChainState, block: Block) -> None:
        """After a new best head: forget extrinsics it included or made useless. Tickets stay: a
        fork may drop the block that carried them, and the authorer skips those already in γ_A
        (the pool holds at most V·N per contest)."""
        pools = self.pools
        pools.preimages.prune(post)
        pools.guarantees.prune(post, block)
        pools.assurances.prune(header_hash(block.header, self.spec))
        pools.disputes.prune(post)

    def _submit_preimage(self, requester: int, blob: bytes) -> None:
        """ChainView.submit_preimage: size-checked now, pooled on the worker thread."""
        if len(blob) > self.pools.preimages.max_bytes:
            raise PoolError(f"preimage of {len(blob)} bytes exceeds the pool's {self.pools.preimages.max_bytes}")
        self.background(self.in_worker(self.pools.preimages.submit, requester, bytes(blob), priority=NORMAL))

    # ------------------------------------------------------------------ UP 0 callbacks

    def on_handshake(self, up0, handshake) -> None:
        for leaf in handshake.leaves:
            self.syncer.want(leaf.header_hash, leaf.slot, up0.conn.peer_key)

    def on_announcement(self, up0, announcement, header_bytes: bytes) -> None:
        h = header_hash(announcement.header, self.spec)
        up0.remember(h)
        if up0.peer_best is None or announcement.header.slot > up0.peer_best.slot:
            up0.peer_best = BlockRef(h, announcement.header.slot)
        self.syncer.want(h, announcement.header.slot, up0.conn.peer_key, announcement.header.parent)

    # ------------------------------------------------------------------ reporting

    def status(self) -> dict[str, Any]:
        best, final = self.chain.best(), self.chain.finalized()
        rss, peak = rss_kb()
        traffic = self.network.endpoint.traffic
        return {
            "t": round(time.time(), 3), "pid": os.getpid(), "name": self.name,
            "best": {"slot": best.slot, "hash": best.header_hash.hex()},
            "finalized": {"slot": final.slot, "hash": final.header_hash.hex()},
            "peers": len(self.network.peers), "imported": self.stats.imported, "authored": self.stats.authored,
            "faults": self.stats.faults, "sent": traffic.sent, "received": traffic.received,
            "tickets": {"proved": self.tickets.proved, "received": self.tickets.received,
                        "pooled": len(self.pools.tickets)},
            "rss_kb": rss, "peak_rss_kb": peak, "uptime": round(time.time() - self.stats.started, 1),
            "cpu_s": round(time.process_time(), 2), "prover_pids": self.prover.pids(),
        }

    def _write_status(self) -> None:
        try:
            self.reporter.write_status(self.status())
        except OSError as exc:
            log.warning("cannot write the status file: %s", exc)

    async def _report(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._write_status()
            try:
                await asyncio.wait_for(stop.wait(), STATUS_PERIOD)
            except TimeoutError:
                pass
