"""The authoring log: what one authored block holds, what was dropped as invalid, and what the
budget cut (by which limit), so an operator can see the budget at work."""

from __future__ import annotations

from typing import Any

import attrs

from ..profiles import AuthorBudget

KINDS = ("disputes", "tickets", "assurances", "guarantees", "preimages")  # the GP's order of checking


@attrs.define(slots=True)
class KindLog:
    offered: int = 0  # candidates the pool held for this block
    invalid: int = 0  # dropped because the importer would reject them
    included: int = 0
    bytes: int = 0  # encoded size of the included ones
    cut: dict[str, int] = attrs.field(factory=dict)  # limit ("bytes", "items", "gas", "per-block", "time") → items cut


@attrs.define(slots=True)
class AuthoringLog:
    slot: int
    author_index: int
    ticketed: bool
    budget: AuthorBudget
    kinds: dict[str, KindLog] = attrs.field(factory=lambda: {k: KindLog() for k in KINDS})
    bytes_used: int = 0
    items_used: int = 0
    gas_used: int = 0
    header_hash: bytes = b""
    state_root: bytes = b""  # the posterior root, as the author's own import computed it
    seconds: float = 0.0
    predicted_seconds: float | None = None  # import time the cost model predicts on the budget's device
    notes: list[str] = attrs.field(factory=list)  # anything unusual (e.g. a fallback to a smaller block)

    def cut_total(self) -> int:
        return sum(sum(k.cut.values()) for k in self.kinds.values())

    def cut_by(self, why: str) -> int:
        return sum(k.cut.get(why, 0) for k in self.kinds.values())

    def summary(self) -> str:
        """One line for a log or progress output."""
        seal = "ticket" if self.ticketed else "fallback"
        parts = [f"slot {self.slot}", f"author {self.author_index}", f"{seal}-sealed"]
        for name, k in self.kinds.items():
            if k.included or k.invalid or k.cut:
                text = f"{name} {k.included}"
                if k.invalid:
                    text += f" (-{k.invalid} invalid)"
                if k.cut:
                    text += " (cut " + ", ".join(f"{n} by {why}" for why, n in k.cut.items()) + ")"
                parts.append(text)
        parts.append(f"{self.bytes_used} B")
        if self.predicted_seconds is not None:
            parts.append(f"predicted import {self.predicted_seconds:.3f} s")
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "slot": self.slot,
            "author_index": self.author_index,
            "sealed_by": "ticket" if self.ticketed else "fallback",
            "header_hash": self.header_hash.hex(),
            "state_root": self.state_root.hex(),
            "budget": attrs.asdict(self.budget),
            "used": {"bytes": self.bytes_used, "items": self.items_used, "gas": self.gas_used},
            "extrinsics": {name: attrs.asdict(k) for name, k in self.kinds.items()},
            "seconds": round(self.seconds, 4),
            "predicted_seconds": None if self.predicted_seconds is None else round(self.predicted_seconds, 4),
            "notes": list(self.notes),
        }


class BudgetMeter:
    """Admits extrinsic items against the budget in the order they are offered, recording cuts."""

    __slots__ = ("budget", "log")

    def __init__(self, budget: AuthorBudget, log: AuthoringLog) -> None:
        self.budget = budget
        self.log = log

    def check(self, size: int, items: int = 1, gas: int = 0) -> str | None:
        """The budget limit that `size` bytes, `items` entries and `gas` would exceed, or None."""
        log, budget = self.log, self.budget
        if log.bytes_used + size > budget.bytes:
            return "bytes"
        if log.items_used + items > budget.items:
            return "items"
        if log.gas_used + gas > budget.gas:
            return "gas"
        return None

    def take(self, kind: str, size: int, items: int = 1, gas: int = 0) -> None:
        log = self.log
        log.bytes_used += size
        log.items_used += items
        log.gas_used += gas
        log.kinds[kind].included += items
        log.kinds[kind].bytes += size

    def admit(self, kind: str, size: int, items: int = 1, gas: int = 0) -> bool:
        """Take what an item needs if all of it fits the budget; else record the cut."""
        why = self.check(size, items, gas)
        if why is not None:
            self.cut(kind, why, items)
            return False
        self.take(kind, size, items, gas)
        return True

    def cut(self, kind: str, why: str, items: int = 1) -> None:
        """Record items left out by a limit other than the budget (e.g. the spec's K per block)."""
        k = self.log.kinds[kind]
        k.cut[why] = k.cut.get(why, 0) + items

    def release(self, kind: str, size: int, items: int = 1, gas: int = 0) -> None:
        """Give back what an admitted item took (it turned out invalid in combination)."""
        log = self.log
        log.bytes_used -= size
        log.items_used -= items
        log.gas_used -= gas
        log.kinds[kind].included -= items
        log.kinds[kind].bytes -= size
