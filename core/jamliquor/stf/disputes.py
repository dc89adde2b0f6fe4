"""Disputes: verdicts, culprits and faults (GP §10, judgments.tex, eq. 10.1–10.20)."""

from __future__ import annotations

from collections.abc import Sequence

from ..codec import encode
from ..crypto import ed25519
from ..crypto.hashing import blake2b_256
from ..spec import ChainSpec
from ..types import DisputesRecords
from . import StateError, error_classes
from .slices import DISPUTES_ERRORS, TEST_CASES, DisputesInput, DisputesOutput, DisputesSlice

TestCase = TEST_CASES["disputes"]
State, Input = DisputesSlice, DisputesInput

X_VALID, X_INVALID, X_GUARANTEE = b"jam_valid", b"jam_invalid", b"jam_guarantee"


class DisputesError(StateError):
    """A disputes extrinsic the GP rejects."""


ERRORS = error_classes(DisputesError, DISPUTES_ERRORS)


def _strictly_increasing(values: Sequence) -> bool:
    return all(a < b for a, b in zip(values, values[1:]))


def _check_verdicts(spec: ChainSpec, state: DisputesSlice, verdicts) -> dict[bytes, int]:
    """GP eq. (10.3)–(10.8): ordering, novelty, age, judgement order/index/signature, vote split.
    Returns report hash → number of positive judgements."""
    judged = {*state.psi.good, *state.psi.bad, *state.psi.wonky}
    if not _strictly_increasing([v.target for v in verdicts]):
        raise ERRORS["verdicts_not_sorted_unique"]()
    epoch = state.tau // spec.epoch_length
    V = spec.validators_count
    splits = {0, V // 3, 2 * V // 3 + 1}
    tallies = {}
    for verdict in verdicts:
        if verdict.target in judged:
            raise ERRORS["already_judged"](verdict.target.hex())
        if verdict.age not in (epoch, epoch - 1):
            raise ERRORS["bad_judgement_age"](f"age {verdict.age} in epoch {epoch}")
        keys = state.kappa if verdict.age == epoch else state.lambda_
        if not _strictly_increasing([j.index for j in verdict.votes]):
            raise ERRORS["judgements_not_sorted_unique"]()
        for judgement in verdict.votes:
            if judgement.index >= V:
                raise ERRORS["bad_validator_index"](str(judgement.index))
            message = (X_VALID if judgement.vote else X_INVALID) + verdict.target
            if not ed25519.verify(keys[judgement.index].ed25519, message, judgement.signature):
                raise ERRORS["bad_signature"](f"judgement by {judgement.index}")
        positive = sum(j.vote for j in verdict.votes)
        if positive not in splits:
            raise ERRORS["bad_vote_split"](f"{positive} positive of {len(verdict.votes)}")
        tallies[verdict.target] = positive
    return tallies


def transition(spec: ChainSpec, state: DisputesSlice, inp: DisputesInput) -> tuple[DisputesSlice, DisputesOutput]:
    x = inp.disputes
    V = spec.validators_count
    tallies = _check_verdicts(spec, state, x.verdicts)
    good = set(state.psi.good) | {h for h, t in tallies.items() if t == 2 * V // 3 + 1}
    bad = set(state.psi.bad) | {h for h, t in tallies.items() if t == 0}
    wonky = set(state.psi.wonky) | {h for h, t in tallies.items() if t == V // 3}

    if not _strictly_increasing([c.key for c in x.culprits]):
        raise ERRORS["culprits_not_sorted_unique"]()
    if not _strictly_increasing([f.key for f in x.faults]):
        raise ERRORS["faults_not_sorted_unique"]()
    offenders = set(state.psi.offenders)
    allowed = {k.ed25519 for k in (*state.kappa, *state.lambda_)} - offenders  # eq. (10.5) k
    for c in x.culprits:  # eq. (10.5)
        if c.target not in bad:
            raise ERRORS["culprits_verdict_not_bad"](c.target.hex())
        if c.key in offenders:
            raise ERRORS["offender_already_reported"](c.key.hex())
        if c.key not in allowed:
            raise ERRORS["bad_guarantor_key"](c.key.hex())
        if not ed25519.verify(c.key, X_GUARANTEE + c.target, c.signature):
            raise ERRORS["bad_signature"]("culprit")
    for f in x.faults:  # eq. (10.6)
        if not (f.target in bad or f.target in good) or f.vote != (f.target in bad):
            raise ERRORS["fault_verdict_wrong"](f.target.hex())
        if f.key in offenders:
            raise ERRORS["offender_already_reported"](f.key.hex())
        if f.key not in allowed:
            raise ERRORS["bad_auditor_key"](f.key.hex())
        if not ed25519.verify(f.key, (X_VALID if f.vote else X_INVALID) + f.target, f.signature):
            raise ERRORS["bad_signature"]("fault")
    for target, positive in tallies.items():  # eq. (10.13)/(10.14)
        if positive == 2 * V // 3 + 1 and not any(f.target == target for f in x.faults):
            raise ERRORS["not_enough_faults"](target.hex())
        if positive == 0 and sum(c.target == target for c in x.culprits) < 2:
            raise ERRORS["not_enough_culprits"](target.hex())

    # eq. (10.15): clear reports judged bad or wonky from their cores.
    cleared = {h for h, t in tallies.items() if t < 2 * V // 3}
    rho = tuple(
        None if a is not None and cleared and blake2b_256(encode(a.report, spec)) in cleared else a for a in state.rho
    )
    new_offenders = [c.key for c in x.culprits] + [f.key for f in x.faults]
    psi = DisputesRecords(
        tuple(sorted(good)), tuple(sorted(bad)), tuple(sorted(wonky)), tuple(sorted(offenders | set(new_offenders)))
    )
    post = DisputesSlice(psi, rho, state.tau, state.kappa, state.lambda_)
    return post, DisputesOutput(tuple(new_offenders))
