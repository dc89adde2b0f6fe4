"""Availability assurances (GP §11.2, reporting_assurance.tex, eq. 11.10–11.17)."""

from __future__ import annotations

from ..crypto import ed25519
from ..crypto.hashing import blake2b_256
from ..spec import ChainSpec
from . import StateError, error_classes
from .slices import ASSURANCES_ERRORS, TEST_CASES, AssurancesInput, AssurancesOutput, AssurancesSlice

TestCase = TEST_CASES["assurances"]
State, Input = AssurancesSlice, AssurancesInput

X_AVAILABLE = b"jam_available"


class AssurancesError(StateError):
    """An assurances extrinsic the GP rejects."""


ERRORS = error_classes(AssurancesError, ASSURANCES_ERRORS)


def core_bit(bitfield: bytes, core: int) -> bool:
    """Bit `core` of a GP bitstring (packed least-significant bit first, GP C "bit sequences")."""
    return bool(bitfield[core >> 3] >> (core & 7) & 1)


def transition(spec: ChainSpec, state: AssurancesSlice, inp: AssurancesInput) -> tuple[AssurancesSlice, AssurancesOutput]:
    """Validate E_A (anchor = parent, assurers ascending, signatures by the *prior* active set κ —
    eq. 11.13 `eq:assurancesig` writes κ without a prime — bits only on engaged cores), then W: reports assured by more than 2V/3 (eq. 11.16), and ρ‡ without the available
    or timed-out reports (eq. 11.17)."""
    rho = state.avail_assignments
    V, C = spec.validators_count, spec.core_count
    counts = [0] * C
    previous = -1
    for a in inp.assurances:
        if a.anchor != inp.parent:
            raise ERRORS["bad_attestation_parent"](a.anchor.hex())
        if a.validator_index >= V:
            raise ERRORS["bad_validator_index"](str(a.validator_index))
        if a.validator_index <= previous:
            raise ERRORS["not_sorted_or_unique_assurers"](str(a.validator_index))
        previous = a.validator_index
        message = X_AVAILABLE + blake2b_256(inp.parent + a.bitfield)
        if not ed25519.verify(state.curr_validators[a.validator_index].ed25519, message, a.signature):
            raise ERRORS["bad_signature"](f"assurance by {a.validator_index}")
        for core in range(C):
            if core_bit(a.bitfield, core):
                if rho[core] is None:
                    raise ERRORS["core_not_engaged"](str(core))
                counts[core] += 1
    available = [core for core in range(C) if counts[core] > 2 * V / 3]
    reported = tuple(rho[core].report for core in available)
    new_rho = tuple(
        None if a is None or core in available or inp.slot >= a.timeout + spec.assurance_timeout_period else a
        for core, a in enumerate(rho)
    )
    return AssurancesSlice(new_rho, state.curr_validators), AssurancesOutput(reported)
