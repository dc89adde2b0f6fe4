"""A minimal fuzz-protocol v1 client: drive a `jamliquor fuzz-target` process over its socket.

Used by `jamliquor bench memory` (and tests) to replay recorded sessions and trace directories
against a fresh target process, timing each ImportBlock round trip and reading the target's peak
resident memory (VmHWM) from /proc.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from ..codec import Variant, encode
from ..spec import ChainSpec
from ..vectors.traces import load_genesis, load_step, step_files
from .messages import MESSAGE, Initialize, KeyValue, PeerInfo, Version

_LEN = struct.Struct("<I")


class TargetProcess:
    """`jamliquor fuzz-target` in a subprocess on a socket in `workdir`."""

    def __init__(self, workdir: Path, spec: ChainSpec, extra: tuple[str, ...] = ()) -> None:
        self.sock_path = workdir / "target.sock"
        exe = Path(sys.executable).parent / "jamliquor"
        self.proc = subprocess.Popen([str(exe), "fuzz-target", "--socket", str(self.sock_path), "--spec", spec.name, *extra],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(600):
            if self.sock_path.exists():
                break
            if self.proc.poll() is not None:
                raise RuntimeError(f"fuzz-target exited: {self.proc.stderr.read()}")
            time.sleep(0.05)
        self.conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.conn.connect(str(self.sock_path))

    def request(self, payload: bytes, timeout: float = 600.0) -> bytes:
        self.conn.settimeout(timeout)
        self.conn.sendall(_LEN.pack(len(payload)) + payload)
        (n,) = _LEN.unpack(self.conn.recv(4, socket.MSG_WAITALL))
        return self.conn.recv(n, socket.MSG_WAITALL)

    def peak_rss_mb(self) -> float:
        """Peak RSS (VmHWM) of the target plus its live child processes (the VRF verifier)."""
        return self.own_peak_rss_mb() + sum(_vm_hwm_kb(pid) for pid in _children(self.proc.pid)) / 1024

    def own_peak_rss_mb(self) -> float:
        """Peak RSS (VmHWM) of the target process alone."""
        kb = _vm_hwm_kb(self.proc.pid)
        return kb / 1024 if kb else float("nan")

    def close(self) -> None:
        self.conn.close()
        self.proc.kill()
        self.proc.wait()


def _vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:  # gone meanwhile
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()]
    except OSError:
        return []


def recorded_session(directory: Path) -> Iterator[tuple[str, bytes]]:
    """(kind, message) of each fuzzer message of a recorded session, in order."""
    for path in sorted(directory.glob("*_fuzzer_*.bin")):
        yield path.stem.split("_fuzzer_", 1)[1], path.read_bytes()


def trace_session(directory: Path, spec: ChainSpec) -> Iterator[tuple[str, bytes]]:
    """The messages that replay a trace directory: handshake, Initialize(genesis), ImportBlock × N."""
    yield "peer_info", encode(Variant("peer_info", PeerInfo(1, 3, Version(0, 7, 2), Version(0, 1, 0), "bench")), spec, MESSAGE)
    genesis = load_genesis(directory / "genesis.bin", spec)
    init = Initialize(genesis.header, tuple(KeyValue(kv.key, kv.value) for kv in genesis.state.keyvals), ())
    yield "initialize", encode(Variant("initialize", init), spec, MESSAGE)
    for path in step_files(directory):
        yield "import_block", encode(Variant("import_block", load_step(path, spec).block), spec, MESSAGE)


def replay(target: TargetProcess, messages: Iterator[tuple[str, bytes]]) -> list[float]:
    """Send every message; return the ImportBlock round trips in milliseconds."""
    times = []
    for kind, payload in messages:
        start = time.perf_counter()
        target.request(payload)
        if kind == "import_block":
            times.append((time.perf_counter() - start) * 1000)
    return times
