"""Wall-clock slots: slot s spans [T_0 + s·P, T_0 + (s+1)·P) where P is the chainspec's slot
length (protocol parameter P, GP B.5) and T_0 the genesis time — the JAM Common Era
(2025-01-01 12:00:00 UTC, GP §4.4) unless a dev chainspec records its own (`genesis_time`)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ..chainspec import ChainspecFile
from ..errors import JamLiquorError

JAM_COMMON_ERA = 1_735_732_800  # 2025-01-01T12:00:00Z, in Unix seconds
EXTRA_KEY = "jamliquor"  # our section of a JIP-4 chainspec (other implementations ignore it)


class ClockError(JamLiquorError):
    """A chainspec whose genesis time is not a number."""


def genesis_time(chainspec: ChainspecFile) -> float:
    section: Any = chainspec.extra.get(EXTRA_KEY) or {}
    value = section.get("genesis_time", JAM_COMMON_ERA) if isinstance(section, dict) else JAM_COMMON_ERA
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ClockError(f"chainspec {EXTRA_KEY}.genesis_time must be Unix seconds, got {value!r}")
    return float(value)


class SlotClock:
    def __init__(self, genesis: float, slot_seconds: int, now=time.time) -> None:
        self.genesis = genesis
        self.slot_seconds = slot_seconds
        self._now = now

    @classmethod
    def of(cls, chainspec: ChainspecFile) -> "SlotClock":
        return cls(genesis_time(chainspec), chainspec.spec.slot_seconds)

    def now(self) -> float:
        return self._now()

    def slot(self, at: float | None = None) -> int:
        """The slot in progress (negative before genesis)."""
        return int(((self._now() if at is None else at) - self.genesis) // self.slot_seconds)

    def start(self, slot: int) -> float:
        return self.genesis + slot * self.slot_seconds

    async def sleep_until(self, at: float, stop: asyncio.Event) -> bool:
        """Sleep until `at` (Unix seconds); False if `stop` was set first."""
        delay = at - self._now()
        if delay > 0:
            try:
                await asyncio.wait_for(stop.wait(), delay)
            except TimeoutError:
                pass
        return not stop.is_set()
