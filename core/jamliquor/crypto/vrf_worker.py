"""Verifying independent Bandersnatch VRFs in parallel: a second process.

bandersnatch-vrfs holds the GIL while it verifies and offers no batch verification, so threads
cannot overlap two checks. One persistent child process (`vrf_child.py`, ~15 MB, started on
first use) takes part of each batch while this process verifies the rest: a block's ticket ring
proofs (3 on tiny, 16 on full, each 5–10 ms) and, for a ticket-sealed block, the entropy source
beside the seal. Results are identical to verifying here; a dead or failing child is replaced by
local verification, never by a different answer. A command that will verify blocks starts the
child up front (`prestart`), and a ring context built here is built there too (`warm_ring`), so
neither the child's start nor its ring context sits inside the first block that needs them.

`JAMLIQUOR_VRF_WORKERS` (config `vrf_workers`): 0 verifies everything in-process (the smallest
footprint); 1 (the default on a machine with two or more CPUs) uses the child.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence

import cbor2

SIZE = struct.Struct("<I")
_CHILD = "import sys; from jamliquor.crypto.vrf_child import serve; serve(sys.argv[1])"

Request = list  # ["ring", keys, input, aux, proof] or ["ietf", public, input, aux, signature]
# ["warm", keys] builds a ring context in the child and is not answered.


class VrfWorker:
    """A verification child process; `submit` sends a request, `collect` reads its answer."""

    def __init__(self, srs_path: str) -> None:
        self.srs_path = srs_path
        self._proc: subprocess.Popen | None = None
        self.lock = threading.Lock()  # one batch at a time

    def start(self) -> None:
        """Start the child now (it loads while this process goes on)."""
        with self.lock:
            try:
                self._child()
            except OSError:
                self.close()

    def warm(self, keys: Sequence[bytes]) -> None:
        """Have the child build the ring context of `keys`, unless it is busy with a batch."""
        if not self.lock.acquire(blocking=False):
            return
        try:
            data = cbor2.dumps(["warm", [bytes(k) for k in keys]])
            proc = self._child()
            proc.stdin.write(SIZE.pack(len(data)) + data)
            proc.stdin.flush()
        except OSError:
            self.close()
        finally:
            self.lock.release()

    def _child(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen([sys.executable, "-c", _CHILD, self.srs_path],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        return self._proc

    def submit(self, requests: Sequence[Request]) -> bool:
        """Send `requests` to the child; False if it cannot take them (verify locally then)."""
        try:
            proc = self._child()
            data = b"".join(SIZE.pack(len(d)) + d for d in map(cbor2.dumps, requests))
            proc.stdin.write(data)
            proc.stdin.flush()
            return True
        except OSError:
            self.close()
            return False

    def collect(self, count: int) -> list[tuple[str, bytes | str]] | None:
        """The answers to the last `count` submitted requests, or None if the child failed."""
        try:
            out = []
            for _ in range(count):
                head = self._proc.stdout.read(4)
                size = SIZE.unpack(head)[0]
                out.append(tuple(cbor2.loads(self._proc.stdout.read(size))))
            return out
        except (OSError, struct.error, ValueError, cbor2.CBORDecodeError, AttributeError):
            self.close()
            return None

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.stdin.close()
            proc.wait(timeout=5)


_worker: VrfWorker | None = None
_worker_lock = threading.Lock()


def workers_wanted() -> int:
    value = os.environ.get("JAMLIQUOR_VRF_WORKERS", "auto")
    if value == "auto":
        return 1 if (os.cpu_count() or 1) >= 2 else 0
    return 1 if int(value) > 0 else 0


def prestart(srs_path: str) -> None:
    """Start the verification child now, if parallel verification is on."""
    w = worker(srs_path)
    if w is not None:
        w.start()


def warm_ring(keys: Sequence[bytes], srs_path: str) -> None:
    """Build the ring context of `keys` in the child too, if one runs (no wait for it)."""
    w = _worker
    if w is not None and workers_wanted():
        w.warm(keys)


def worker(srs_path: str) -> VrfWorker | None:
    """The process-wide worker, or None when parallel verification is off."""
    global _worker
    if not workers_wanted():
        return None
    with _worker_lock:
        if _worker is None:
            _worker = VrfWorker(srs_path)
        return _worker


def verify_all(requests: Sequence[Request], local: Callable[[Request], bytes], srs_path: str,
               cost: Callable[[Request], int] = lambda r: 1, mine: Sequence[int] = (),
               meanwhile: Callable[[], None] | None = None) -> list[bytes | Exception]:
    """Verify every request, the child and this process sharing the work by estimated `cost`
    (the requests at indices `mine` stay here; of the rest the child takes the costliest first,
    each side then the next while it has the lighter load). `meanwhile` runs here after this
    side's share, before the child's answers are awaited: a check that needs one of ours first.
    Each result is the VRF output or the exception `local` raised (or the child's verdict)."""
    def here(request: Request) -> bytes | Exception:
        try:
            return local(request)
        except Exception as exc:  # the caller maps it to its typed error
            return exc

    w = worker(srs_path) if len(requests) >= 2 else None
    if w is None:
        results = [here(r) for r in requests]
        if meanwhile is not None:
            meanwhile()
        return results
    theirs_idx, mine_idx, load = [], list(mine), [0, sum(cost(requests[i]) for i in mine)]
    for i in sorted(set(range(len(requests))) - set(mine), key=lambda i: -cost(requests[i])):
        side = 0 if load[0] <= load[1] else 1
        (theirs_idx, mine_idx)[side].append(i)
        load[side] += cost(requests[i])
    results: list[bytes | Exception | None] = [None] * len(requests)
    with w.lock:
        if not w.submit([requests[i] for i in theirs_idx]):
            results = [here(r) for r in requests]
            if meanwhile is not None:
                meanwhile()
            return results
        for i in mine_idx:
            results[i] = here(requests[i])
        if meanwhile is not None:
            meanwhile()
        answers = w.collect(len(theirs_idx))
    for n, i in enumerate(theirs_idx):
        if answers is None:  # the child went away: verify its share here
            results[i] = here(requests[i])
        else:
            status, value = answers[n]
            results[i] = bytes(value) if status == "ok" else ValueError(value)
    return results
