"""The importer reads the prior or the posterior validator set exactly where GP v0.7.2 says.

At the first block of an epoch κ' = γ_P, not κ (safrole.tex `eq:validatorkeys`, the new epoch's
keys). The official safrole trace rotates one key set, so the test makes κ differ: the block's
seal is under κ' = γ_P and stays valid whatever κ was. Assurances
are signed by the *prior* active set κ (reporting_assurance.tex `eq:assurancesig`); guarantor
assignments use κ' (`eq:guarantorsig`); the author index names a key of κ' (header.tex).
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from jamliquor import importer
from jamliquor.author import claim, seal_header
from jamliquor.keys import Keyring
from jamliquor.spec import TINY
from jamliquor.state import ChainState
from jamliquor.stf import assurances, reports
from jamliquor.vectors.traces import load_step, step_files


def epoch_change_step(vectors: Path):
    for path in step_files(vectors / "traces" / "safrole"):
        step = load_step(path, TINY)
        state = ChainState.from_keyvals(((kv.key, kv.value) for kv in step.pre_state.keyvals), TINY)
        if step.block.header.slot // TINY.epoch_length > state["timeslot"] // TINY.epoch_length:
            return state, step
    pytest.fail("the safrole trace crosses no epoch")


def test_assurances_use_prior_and_guarantees_posterior_set(vectors: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state, step = epoch_change_step(vectors)
    seen = {}
    real_assurances, real_reports = assurances.transition, reports.transition

    def spy_assurances(spec, slice_, inp):
        seen["assurances"] = slice_.curr_validators
        return real_assurances(spec, slice_, inp)

    def spy_reports(spec, slice_, inp):
        seen["reports"] = slice_.curr_validators
        return real_reports(spec, slice_, inp)

    monkeypatch.setattr(assurances, "transition", spy_assurances)
    monkeypatch.setattr(reports, "transition", spy_reports)
    assert importer.import_block(state, step.block).root() == step.post_state.state_root
    kappa = tuple(reversed(state["current_validators"]))  # a prior κ unlike κ' = γ_P
    changed = state.updated({"current_validators": kappa})
    # The block must now name the changed state's root (H_R) and be sealed again: the trace's
    # validators are the JIP-5 dev keys, so we hold the sealing key.
    header = attrs.evolve(step.block.header, parent_state_root=changed.root())
    header = seal_header(header, claim(changed, header.slot, Keyring.dev(TINY.validators_count)), TINY)
    post = importer.import_block(changed, attrs.evolve(step.block, header=header))

    kappa_post = post["current_validators"]
    assert kappa != kappa_post and post["previous_validators"] == kappa  # λ' = κ
    assert seen["assurances"] == kappa
    assert seen["reports"] == kappa_post
