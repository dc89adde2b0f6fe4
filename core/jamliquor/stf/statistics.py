"""Validator activity statistics π_V, π_L (GP §13, statistics.tex, eq. 13.3–13.5)."""

from __future__ import annotations

from collections.abc import Collection

from ..spec import ChainSpec
from ..types import ValidatorActivityRecord
from .slices import TEST_CASES, StatisticsInput, StatisticsSlice

TestCase = TEST_CASES["statistics"]
State, Input = StatisticsSlice, StatisticsInput

_ZERO = ValidatorActivityRecord(0, 0, 0, 0, 0, 0)


def transition(
    spec: ChainSpec, state: StatisticsSlice, inp: StatisticsInput, reporters: Collection[bytes] | None = None
) -> tuple[StatisticsSlice, None]:
    """Roll the accumulator over on a new epoch, then credit this block's author (blocks,
    tickets, preimages), the guarantors in the reporters set R and the assurers.

    `reporters` is R of GP eq. (11.26) (the reports STF's output); the STF vectors omit it, so by
    default it is the Ed25519 keys of κ' at the guarantees' credential indices."""
    e, e_post = state.slot // spec.epoch_length, inp.slot // spec.epoch_length
    if e_post == e:
        acc, last = state.vals_curr_stats, state.vals_last_stats
    else:
        acc, last = (_ZERO,) * spec.validators_count, state.vals_curr_stats
    x = inp.extrinsic
    if reporters is None:
        reporters = {state.curr_validators[s.validator_index].ed25519 for g in x.guarantees for s in g.signatures}
    assurers = {a.validator_index for a in x.assurances}
    author = inp.author_index
    records = []
    for v, (r, keys) in enumerate(zip(acc, state.curr_validators)):
        is_author = v == author
        records.append(
            ValidatorActivityRecord(
                r.blocks + is_author,
                r.tickets + (len(x.tickets) if is_author else 0),
                r.pre_images + (len(x.preimages) if is_author else 0),
                r.pre_images_size + (sum(len(p.blob) for p in x.preimages) if is_author else 0),
                r.guarantees + (keys.ed25519 in reporters),
                r.assurances + (v in assurers),
            )
        )
    return StatisticsSlice(tuple(records), last, state.slot, state.curr_validators), None
