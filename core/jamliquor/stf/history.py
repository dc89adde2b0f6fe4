"""Recent history β (GP §7, recent_history.tex)."""

from __future__ import annotations

import attrs

from ..merkle.mmr import mmr_append, mmr_super_peak
from ..spec import ChainSpec
from ..types import BlockInfo, Mmr, RecentBlocks
from .slices import TEST_CASES, HistoryInput, HistorySlice

TestCase = TEST_CASES["history"]
State, Input = HistorySlice, HistoryInput


def with_parent_state_root(recent: RecentBlocks, parent_state_root: bytes) -> RecentBlocks:
    """GP eq. (7.5) β†_H: the latest entry learns its posterior state root (= this block's H_R)."""
    if not recent.history:
        return recent
    last = attrs.evolve(recent.history[-1], state_root=parent_state_root)
    return attrs.evolve(recent, history=(*recent.history[:-1], last))


def transition(spec: ChainSpec, state: HistorySlice, inp: HistoryInput) -> tuple[HistorySlice, None]:
    """GP eq. (7.5)–(7.8): fix up the parent's state root, append the accumulation root to the
    belt β_B (keccak MMR), and push this block's entry, keeping the last H."""
    recent = with_parent_state_root(state.beta, inp.parent_state_root)
    peaks = mmr_append(recent.mmr.peaks, inp.accumulate_root)  # eq. (7.7)
    entry = BlockInfo(inp.header_hash, mmr_super_peak(peaks), bytes(32), tuple(inp.work_packages))  # eq. (7.8)
    history = (*recent.history, entry)[-spec.recent_history_len :]
    return HistorySlice(RecentBlocks(history, Mmr(peaks))), None
