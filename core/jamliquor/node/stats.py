"""What a running node reports about itself: counters, a status file rewritten every second
(`--status FILE`, JSON) and an event file (`--events FILE`, one JSON line per authored or
imported block) — read by `jamliquor testnet` for its live table and summary."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import attrs


def rss_kb() -> tuple[int, int]:
    """(current, peak) resident set size of this process in KiB (Linux /proc; 0 elsewhere)."""
    return process_rss_kb(os.getpid())


def process_rss_kb(pid: int) -> tuple[int, int]:
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


@attrs.define(slots=True)
class NodeStats:
    imported: int = 0
    authored: int = 0
    faults: int = 0
    connections: int = 0
    started: float = attrs.field(factory=time.time)


class Reporter:
    """Writes the status file and appends to the event file (both optional)."""

    def __init__(self, status: Path | None, events: Path | None) -> None:
        self.status = status
        self._events = open(events, "a", buffering=1) if events is not None else None

    def event(self, kind: str, **fields: Any) -> None:
        if self._events is not None:
            self._events.write(json.dumps({"t": round(time.time(), 4), "event": kind, **fields}) + "\n")

    def write_status(self, document: dict[str, Any]) -> None:
        if self.status is None:
            return
        tmp = self.status.with_name(self.status.name + ".tmp")
        tmp.write_text(json.dumps(document))
        os.replace(tmp, self.status)

    def close(self) -> None:
        if self._events is not None:
            self._events.close()
            self._events = None
