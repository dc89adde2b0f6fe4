"""Per-device calibration: the unit in which import costs are predicted.

Import time is measured and predicted in *calibration units* (cu): one cu is how long this
device takes to run `workload()` once, a fixed mix of what block import spends its time on
(codec encode/decode, BLAKE2b Merklization, interpreter-bound integer work). A block that takes
5 cu on the training machine takes about 5 cu on a Raspberry Pi too; multiplying by that device's
own unit (`unit_seconds`) turns the prediction into seconds there. `measure()` takes the minimum
over a few runs, so a machine shared with other work still gives a stable unit.
"""

from __future__ import annotations

import threading
import time

import attrs

from ..codec import decode, encode
from ..merkle.trie import StateTrie
from ..spec import TINY
from ..types import Header, TicketBody

_RUNS = 5


@attrs.frozen
class Calibration:
    unit_seconds: float  # wall-clock seconds one calibration unit takes on this device

    def to_units(self, seconds: float) -> float:
        return seconds / self.unit_seconds

    def to_seconds(self, units: float) -> float:
        return units * self.unit_seconds


def _header(i: int) -> Header:
    tickets = tuple(TicketBody(bytes([i, j]) * 16, j % 2) for j in range(TINY.epoch_length))
    return Header(bytes([i]) * 32, bytes(32), bytes(32), i, None, tickets, i % 6, bytes(96), (), bytes(96))


_HEADERS = tuple(_header(i) for i in range(8))
_ITEMS = {bytes([i, i ^ 0x5A]) + bytes(29): bytes([i]) * (i % 80) for i in range(256)}


def workload() -> int:
    """One calibration unit of work (about 10 ms on the 2-core development VM)."""
    acc = 0
    for header in _HEADERS:  # codec round trips, as for blocks and state components
        blob = encode(header, TINY)
        acc += decode(Header, blob, TINY).slot
    acc += StateTrie.from_items(_ITEMS).root[0]  # Merklization (Appendix D)
    regs = [0] * 13
    for i in range(40_000):  # register-machine style integer work, as in the PVM
        r = i % 13
        regs[r] = (regs[r] + i * 0x9E3779B1) & 0xFFFFFFFFFFFFFFFF
    return acc + regs[0]


def timed_workload() -> float:
    """CPU seconds of one `workload()` run."""
    start = time.process_time()
    workload()
    return time.process_time() - start


def measure(runs: int = _RUNS) -> Calibration:
    """Run the workload `runs` times (after one warm-up) and keep the fastest."""
    workload()
    return Calibration(min(timed_workload() for _ in range(runs)))


_device: Calibration | None = None
_lock = threading.Lock()


def device_calibration() -> Calibration:
    """This device's calibration, measured once per process on first use."""
    global _device
    with _lock:
        if _device is None:
            _device = measure()
        return _device
