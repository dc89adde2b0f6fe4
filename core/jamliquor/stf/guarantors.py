"""Guarantor assignments G and G* (GP §11.3, reporting_assurance.tex eq. 11.18–11.21)."""

from __future__ import annotations

from collections.abc import Sequence

from ..crypto.shuffle import shuffle
from ..spec import ChainSpec
from ..types import ValidatorData
from .safrole import blacklist_filter


def core_assignments(spec: ChainSpec, entropy: bytes, slot: int) -> list[int]:
    """GP eq. (11.19) P(e, t): shuffled [⌊C·i/V⌋], rotated by ⌊(t mod E)/R⌋ cores."""
    C, V = spec.core_count, spec.validators_count
    base = shuffle([C * i // V for i in range(V)], entropy)
    shift = (slot % spec.epoch_length) // spec.rotation_period
    return [(c + shift) % C for c in base]


def assignments(
    spec: ChainSpec, slot: int, eta: Sequence[bytes], kappa: Sequence[ValidatorData], offenders: Sequence[bytes]
) -> tuple[list[int], tuple[ValidatorData, ...]]:
    """GP eq. (11.20) G = (P(η'_2, τ'), Φ(κ'))."""
    return core_assignments(spec, eta[2], slot), blacklist_filter(kappa, offenders)


def previous_assignments(
    spec: ChainSpec,
    slot: int,
    eta: Sequence[bytes],
    kappa: Sequence[ValidatorData],
    lambda_: Sequence[ValidatorData],
    offenders: Sequence[bytes],
) -> tuple[list[int], tuple[ValidatorData, ...]]:
    """GP eq. (11.21) G*: the assignments of the previous rotation (previous epoch's keys and η'_3
    if that rotation was in the previous epoch)."""
    earlier = slot - spec.rotation_period
    if earlier // spec.epoch_length == slot // spec.epoch_length:
        entropy, keys = eta[2], kappa
    else:
        entropy, keys = eta[3], lambda_
    return core_assignments(spec, entropy, earlier), blacklist_filter(keys, offenders)
