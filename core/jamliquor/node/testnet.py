"""A local multi-process testnet: a chainspec seating V dev validators on loopback, V `jamliquor
node` processes, a live table from their status files, and a summary from their event files.

Every node writes `status.json` (rewritten each second) and `events.jsonl` (one line per block
authored or imported, with its wall-clock time) in its directory `node-I/`; its log goes to
`node-I/node.log`. All processes share one clock, so the time from a block's authoring to its
import by the last node is its propagation latency.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from ..chainspec import ChainspecFile, dev_chainspec
from ..errors import JamLiquorError
from ..spec import ChainSpec, decode_parameters, encode_parameters
from ..store import StateStore
from .chain import BlockInfo
from .clock import EXTRA_KEY
from .stats import process_rss_kb

CHAINSPEC = "chainspec.json"


def startup_margin(validators: int) -> float:
    """Seconds from writing the chainspec to genesis: V processes start (imports, genesis root,
    first ticket proofs) on a shared machine; slot 1 should find them all listening."""
    return 5.0 + 2.5 * validators
_LAUNCH = "import sys; from jamliquor.cli import main; sys.argv[0] = 'jamliquor'; main()"


class TestnetError(JamLiquorError):
    __test__ = False
    """The testnet cannot start (an unusable directory, a node that exits at once)."""


def testnet_chainspec(spec: ChainSpec, validators: int, base_port: int, genesis_time: float) -> ChainspecFile:
    document = dev_chainspec(spec, validators, base_port, f"jamliquor-testnet-{spec.name}-{validators}")
    return attrs.evolve(document, extra={**document.extra, EXTRA_KEY: {"genesis_time": round(genesis_time, 3)}})


@attrs.define
class NodeProcess:
    index: int
    directory: Path
    args: list[str]
    proc: subprocess.Popen | None = None
    peak_rss_kb: int = 0
    peak_prover_kb: int = 0  # the node's ring-proof child process
    restarts: int = 0

    @property
    def status_file(self) -> Path:
        return self.directory / "status.json"

    @property
    def events_file(self) -> Path:
        return self.directory / "events.jsonl"

    def status(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.status_file.read_text())
        except (OSError, ValueError):
            return None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def sample_rss(self) -> int:
        if not self.alive():
            return 0
        rss, hwm = process_rss_kb(self.proc.pid)
        self.peak_rss_kb = max(self.peak_rss_kb, hwm, rss)
        for pid in (self.status() or {}).get("prover_pids", ()):
            self.peak_prover_kb = max(self.peak_prover_kb, *process_rss_kb(pid))
        return rss


class Testnet:
    __test__ = False  # not a pytest test class
    def __init__(self, spec: ChainSpec, validators: int, data_dir: Path, base_port: int = 40000,
                 slot_seconds: int | None = None, log_level: str = "info", startup: float | None = None,
                 extra_args: list[str] | None = None, last_slot: int | None = None,
                 rpc_base_port: int | None = None) -> None:
        if slot_seconds is not None and slot_seconds != spec.slot_seconds:
            spec = decode_parameters(encode_parameters(attrs.evolve(spec, slot_seconds=slot_seconds)))
        self.spec = spec
        self.validators = validators
        self.data_dir = data_dir
        self.base_port = base_port
        self.log_level = log_level
        self.startup = startup_margin(validators) if startup is None else startup
        self.last_slot = last_slot
        self.rpc_base_port = rpc_base_port
        self.extra_args = extra_args or []
        self.nodes: list[NodeProcess] = []
        self.chainspec: ChainspecFile | None = None
        self.genesis_time = 0.0

    def prepare(self) -> ChainspecFile:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if (self.data_dir / CHAINSPEC).exists():
            raise TestnetError(f"{self.data_dir} already holds a testnet; choose an empty directory")
        self.genesis_time = time.time() + self.startup
        self.chainspec = testnet_chainspec(self.spec, self.validators, self.base_port, self.genesis_time)
        self.chainspec.write(self.data_dir / CHAINSPEC)
        for i in range(self.validators):
            directory = self.data_dir / f"node-{i}"
            directory.mkdir()
            args = ["node", "--chainspec", str(self.data_dir / CHAINSPEC), "--dev-validator", str(i),
                    "--listen", f"127.0.0.1:{self.base_port + i}", "--data-dir", str(directory),
                    "--status", str(directory / "status.json"), "--events", str(directory / "events.jsonl"),
                    "--log-level", self.log_level, *self.extra_args]
            if self.last_slot is not None:
                args += ["--last-slot", str(self.last_slot)]
            if self.rpc_base_port is not None:
                args += ["--rpc", f"127.0.0.1:{self.rpc_base_port + i}"]
            self.nodes.append(NodeProcess(i, directory, args))
        return self.chainspec

    def start(self, index: int) -> None:
        node = self.nodes[index]
        if node.alive():
            return
        log = open(node.directory / "node.log", "ab")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        node.proc = subprocess.Popen([sys.executable, "-c", _LAUNCH, *node.args], stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        log.close()

    def start_all(self) -> None:
        for i in range(len(self.nodes)):
            self.start(i)

    def kill(self, index: int, sig: int = signal.SIGKILL) -> None:
        node = self.nodes[index]
        if node.alive():
            node.sample_rss()
            node.proc.send_signal(sig)
            node.proc.wait(timeout=30)

    def restart(self, index: int) -> None:
        self.nodes[index].restarts += 1
        self.start(index)

    def stop_all(self, timeout: float = 20.0) -> list[int | None]:
        for node in self.nodes:
            if node.alive():
                node.sample_rss()
                node.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        codes = []
        for node in self.nodes:
            if node.proc is None:
                codes.append(None)
                continue
            try:
                codes.append(node.proc.wait(timeout=max(0.1, deadline - time.monotonic())))
            except subprocess.TimeoutExpired:
                node.proc.kill()
                codes.append(node.proc.wait())
        return codes

    def rpc_url(self, index: int) -> str | None:
        return None if self.rpc_base_port is None else f"ws://127.0.0.1:{self.rpc_base_port + index}"

    def slot(self) -> int:
        return int((time.time() - self.genesis_time) // self.spec.slot_seconds)

    def statuses(self) -> list[dict[str, Any] | None]:
        return [n.status() for n in self.nodes]

    def sample(self) -> None:
        for node in self.nodes:
            node.sample_rss()

    def table(self) -> str:
        """One line per node: best slot and hash, finalized slot, peers, imported, authored, RSS
        (the current RSS of a running node, the peak of a stopped one)."""
        rows = [f"{'node':>4} {'state':>5} {'best':>6} {'hash':<10} {'final':>5} {'peers':>5} {'imported':>8} "
                f"{'authored':>8} {'RSS MB':>6}"]
        for node in self.nodes:
            s = node.status() or {}
            rss = node.sample_rss() if node.alive() else node.peak_rss_kb  # a stopped node: its peak
            state = "up" if node.alive() else "down"
            best = s.get("best", {})
            rows.append(f"{node.index:>4} {state:>5} {best.get('slot', '-'):>6} {best.get('hash', '-')[:8]:<10} "
                        f"{s.get('finalized', {}).get('slot', '-'):>5} {s.get('peers', '-'):>5} {s.get('imported', '-'):>8} "
                        f"{s.get('authored', '-'):>8} {rss / 1024:>6.1f}")
        return "\n".join(rows)

    def wait(self, until: Callable[[], bool], timeout: float, poll: float = 0.5,
             every: Callable[[], None] | None = None) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if every is not None:
                every()
            if until():
                return True
            time.sleep(poll)
        return until()

    def agree(self) -> bool:
        """Every node up and on the same best block."""
        statuses = self.statuses()
        bests = {s["best"]["hash"] for s in statuses if s}
        return all(statuses) and all(n.alive() for n in self.nodes) and len(bests) == 1

    def summary(self) -> "Summary":
        return summarize(self)


@attrs.define
class Summary:
    blocks: int
    forks: int
    ticket_sealed: int
    fallback_sealed: int
    best_slot: int
    best_hash: str
    agree: bool
    finalized_slot: int
    latency_p50: float | None
    latency_p95: float | None
    seconds: float
    per_node: list[dict[str, Any]]

    def lines(self) -> list[str]:
        lat = ("n/a" if self.latency_p50 is None else
               f"p50 {self.latency_p50 * 1000:.0f} ms, p95 {self.latency_p95 * 1000:.0f} ms")
        out = [
            f"best block: slot {self.best_slot} {self.best_hash[:16]}… on {'every node' if self.agree else 'NOT every node'}; "
            f"finalized slot {self.finalized_slot}",
            f"blocks authored {self.blocks} ({self.forks} off the best chain); best chain: "
            f"{self.ticket_sealed} ticket-sealed, {self.fallback_sealed} fallback-sealed",
            f"propagation (author → every node imported): {lat}",
        ]
        for n in self.per_node:
            out.append(f"node {n['index']}: authored {n['authored']}, imported {n['imported']}, "
                       f"sent {n['sent_per_s'] / 1024:.1f} KiB/s, received {n['received_per_s'] / 1024:.1f} KiB/s, "
                       f"peak RSS {n['peak_rss_kb'] / 1024:.1f} MB (prover process {n['peak_prover_kb'] / 1024:.1f} MB), "
                       f"CPU {n['cpu_s']:.1f} s")
        return out


def _events(node: NodeProcess) -> list[dict[str, Any]]:
    try:
        lines = node.events_file.read_text().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            pass  # a line cut by SIGKILL
    return out


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summarize(net: Testnet) -> Summary:
    events = [_events(n) for n in net.nodes]
    authored: dict[str, dict[str, Any]] = {}
    imported_at: dict[str, dict[int, float]] = {}
    for i, evs in enumerate(events):
        for e in evs:
            if e["event"] == "authored":
                authored[e["hash"]] = {**e, "by": i}
                imported_at.setdefault(e["hash"], {})[i] = e["t"]
            elif e["event"] == "imported":
                imported_at.setdefault(e["hash"], {}).setdefault(i, e["t"])
    statuses = net.statuses()
    best_counts: dict[str, int] = {}
    for s in statuses:
        if s:
            best_counts[s["best"]["hash"]] = best_counts.get(s["best"]["hash"], 0) + 1
    best_hash = max(best_counts, key=best_counts.get) if best_counts else ""
    best_status = next((s for s in statuses if s and s["best"]["hash"] == best_hash), {})
    on_chain = _best_chain(net, best_hash)
    ticketed = sum(1 for h in on_chain if authored.get(h, {}).get("ticketed"))
    latencies = []
    n = len(net.nodes)
    for h, a in authored.items():
        times = imported_at.get(h, {})
        if len(times) == n:
            latencies.append(max(times.values()) - a["t"])
    span = max(1e-9, time.time() - net.genesis_time)
    per_node = []
    for node, s in zip(net.nodes, statuses):
        s = s or {}
        up = max(1e-9, s.get("uptime", span))
        per_node.append({"index": node.index, "authored": s.get("authored", 0), "imported": s.get("imported", 0),
                         "sent_per_s": s.get("sent", 0) / up, "received_per_s": s.get("received", 0) / up,
                         "peak_rss_kb": max(node.peak_rss_kb, s.get("peak_rss_kb", 0)),
                         "peak_prover_kb": node.peak_prover_kb, "cpu_s": s.get("cpu_s", 0.0), "restarts": node.restarts})
    return Summary(
        blocks=len(authored), forks=len([h for h in authored if h not in on_chain]) if on_chain else 0,
        ticket_sealed=ticketed, fallback_sealed=len(on_chain) - ticketed,
        best_slot=best_status.get("best", {}).get("slot", 0), best_hash=best_hash,
        agree=len(best_counts) == 1 and all(statuses),
        finalized_slot=min((s["finalized"]["slot"] for s in statuses if s), default=0),
        latency_p50=_percentile(latencies, 0.5), latency_p95=_percentile(latencies, 0.95),
        seconds=span, per_node=per_node)


def _best_chain(net: Testnet, best_hash: str) -> set[str]:
    """Header hashes of the best chain, read from a stopped node's store (or empty if none can)."""
    if not best_hash:
        return set()
    for node in net.nodes:
        if node.alive():
            continue
        try:
            store = StateStore(node.directory / "store")
        except JamLiquorError:
            continue
        try:
            out: set[str] = set()
            h = bytes.fromhex(best_hash)
            while True:
                raw = store.block_record(h)
                if raw is None:
                    break
                info = BlockInfo.from_record(h, raw)
                if info.height == 0:
                    break
                out.add(h.hex())
                h = info.parent
            if out:
                return out
        finally:
            store.close()
    return set()
