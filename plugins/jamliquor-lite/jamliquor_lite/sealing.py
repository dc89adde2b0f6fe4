"""The light client's Safrole: what headers and proved state say of sealing (GP v0.7.2 §5, §6).

`SealingView` is the part of the Safrole state (GP eq. 6.3/6.4) a light client needs after a
verified block: τ, η, κ, γ_P, γ_S, γ_A and the offenders ψ_O. It advances by headers alone where
the GP makes the header decisive — the entropy accumulator (eq. 6.22) from the verified
entropy source, the rotations of eq. 6.13/6.23, the sealing series of eq. 6.24, ψ'_O from the
offenders marker — and takes the rest from proved state entries: ι when an epoch begins (the
keys of γ'_P, eq. 6.13/6.14) and γ_A when it decides a marker or a ticketed epoch (eq. 6.24,
6.28), since blocks change those by executing extrinsics the light client does not run. Every
proved entry is also compared with what the view says (`reconcile`).

A header N with verified parent H is checked in two steps: `seal_context` + `check_header`
need only the view after H (the seal proves N authentic, so N's prior-state root, which
commits the state after H, can then be trusted); `reconcile` + `check_markers` use that state's
entries proved against N's prior-state root; `advance` gives the view after N.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import attrs

from jamliquor import block as B
from jamliquor.codec import BOOL, H32, U32, Seq, Variant, field, struct
from jamliquor.seal import verify_entropy_source, verify_seal
from jamliquor.spec import ChainSpec
from jamliquor.stf.safrole import blacklist_filter, fallback_keys, outside_in
from jamliquor.types import (
    ENTROPY_BUFFER,
    TICKETS_ACCUMULATOR,
    TICKETS_OR_KEYS,
    VALIDATORS_DATA,
    EpochMark,
    EpochMarkValidatorKeys,
    Header,
    ValidatorData,
)

from .errors import InconsistentState

# State components (kernel names, `jamliquor.state.components`) the checks read.
ALWAYS = ("entropy", "timeslot")  # cheap, proved for every header: η and τ of the state after its parent
AT_EPOCH_START = ("safrole", "current_validators", "queued_validators", "disputes")
AT_TICKETS_MARKER = ("safrole",)


@struct
class SealingView:
    """The Safrole state after a verified block, as far as sealing needs it (encodable for the data dir)."""

    slot: int = field(U32)  # τ
    entropy: tuple[bytes, ...] = field(ENTROPY_BUFFER)  # η_0..η_3
    current: tuple[ValidatorData, ...] = field(VALIDATORS_DATA)  # κ
    pending: tuple[ValidatorData, ...] = field(VALIDATORS_DATA)  # γ_P
    sealing: Variant = field(TICKETS_OR_KEYS)  # γ_S
    accumulator: tuple = field(TICKETS_ACCUMULATOR)  # γ_A
    accumulator_exact: bool = field(BOOL)  # False once a block that may carry tickets is folded in unproved
    offenders: tuple[bytes, ...] = field(Seq(H32))  # ψ_O, sorted


def view_of_components(c: Mapping[str, Any]) -> SealingView:
    """The view of a state given its decoded components (the chainspec's genesis state)."""
    safrole = c["safrole"]
    return SealingView(c["timeslot"], tuple(c["entropy"]), tuple(c["current_validators"]), tuple(safrole.pending),
                       safrole.sealing_keys, tuple(safrole.ticket_accumulator), True, tuple(sorted(c["disputes"].offenders)))


@attrs.frozen(slots=True)
class SealContext:
    """What the seal of a block at `slot` is checked against: κ', γ'_S, η'_3 (GP eq. 6.13, 6.23, 6.24)."""

    slot: int
    new_epoch: bool
    current: tuple[ValidatorData, ...]
    sealing: Variant
    entropy: tuple[bytes, ...]  # η'_1..η'_3 (η'_0 needs the block's own entropy source)


def needs_accumulator(view: SealingView, slot: int, spec: ChainSpec) -> bool:
    """Whether the sealing series of a block at `slot` reads γ_A (GP eq. 6.24, first case) while the
    view's γ_A is not proved. The caller then proves γ_A against the parent's prior-state root:
    a parent in its epoch's tail carried no tickets (eq. 6.30), so its γ_A is its prior state's."""
    E, Y = spec.epoch_length, spec.ticket_submission_end
    e, m = divmod(view.slot, E)
    return slot // E == e + 1 and m >= Y and not view.accumulator_exact


def with_accumulator(view: SealingView, accumulator: tuple) -> SealingView:
    return attrs.evolve(view, accumulator=tuple(accumulator), accumulator_exact=True)


def seal_context(view: SealingView, slot: int, spec: ChainSpec) -> SealContext:
    """κ', γ'_S and η'_1..3 for a child block at `slot` of the block whose view is given."""
    E, Y = spec.epoch_length, spec.ticket_submission_end
    e, m = divmod(view.slot, E)
    e_post = slot // E
    eta = view.entropy
    if e_post > e:  # eq. (6.13): κ' = γ_P; eq. (6.23): (η'_1, η'_2, η'_3) = (η_0, η_1, η_2)
        current, entropy = view.pending, (eta[0], eta[1], eta[2])
    else:
        current, entropy = view.current, (eta[1], eta[2], eta[3])
    if needs_accumulator(view, slot, spec):
        raise InconsistentState("γ_A must be proved before the epoch after a closed ticket contest begins")
    if e_post == e + 1 and m >= Y and len(view.accumulator) == E:  # eq. (6.24)
        sealing = Variant("tickets", outside_in(view.accumulator))
    elif e_post == e:
        sealing = view.sealing
    else:
        sealing = Variant("keys", fallback_keys(spec, entropy[1], current))
    return SealContext(slot, e_post > e, current, sealing, entropy)


def check_header(header: Header, parent_hash: bytes, view: SealingView, ctx: SealContext, spec: ChainSpec) -> tuple[bytes, bool]:
    """The checks that need only the parent's view: parent linkage (GP §5, H_P), slot order
    (eq. 5.7), the author index into κ' (eq. 5.9), the seal (eq. 6.15/6.16) and the entropy
    source (eq. 6.17). Returns (Y(H_V), whether the block is ticket-sealed)."""
    if header.parent != parent_hash:
        raise B.BlockError(f"parent {header.parent.hex()} is not the verified block {parent_hash.hex()}")
    if header.slot <= view.slot:
        raise B.BadSlot(f"slot {header.slot} not after {view.slot}")
    if header.slot != ctx.slot:
        raise B.BadSlot(f"slot {header.slot} is not the one the sealing context was made for ({ctx.slot})")
    if header.author_index >= len(ctx.current):
        raise B.BadAuthorIndex(str(header.author_index))
    author = ctx.current[header.author_index].bandersnatch
    output, ticketed = verify_seal(header, spec, ctx.sealing, ctx.entropy[2], author)
    return verify_entropy_source(header, author, output), ticketed


def reconcile(view: SealingView, proved: Mapping[str, Any]) -> SealingView:
    """Compare the view after a block H with its state's entries proved against a child's
    prior-state root; return the view with γ_A taken from the proof when proved. A difference is
    `InconsistentState`: a verified header committed to a state its chain does not imply."""
    def differ(name: str, ours: Any, theirs: Any) -> None:
        if ours != theirs:
            raise InconsistentState(f"proved {name} differs from what the verified headers imply")

    if "timeslot" in proved:
        differ("τ", view.slot, proved["timeslot"])
    if "entropy" in proved:
        differ("η", view.entropy, tuple(proved["entropy"]))
    if "current_validators" in proved:
        differ("κ", view.current, tuple(proved["current_validators"]))
    if "disputes" in proved:
        differ("ψ_O", view.offenders, tuple(sorted(proved["disputes"].offenders)))
    if "safrole" in proved:
        safrole = proved["safrole"]
        differ("γ_P", view.pending, tuple(safrole.pending))
        differ("γ_S", view.sealing, safrole.sealing_keys)
        if view.accumulator_exact:
            differ("γ_A", view.accumulator, tuple(safrole.ticket_accumulator))
        view = with_accumulator(view, safrole.ticket_accumulator)
    return view


def _offenders_after(view: SealingView, header: Header) -> tuple[bytes, ...]:
    """ψ'_O = ψ_O ∪ H_O (GP eq. 10.19/10.20: the marker lists exactly the block's new offenders)."""
    return tuple(sorted({*view.offenders, *header.offenders_mark}))


def expected_markers(view: SealingView, queued: tuple[ValidatorData, ...] | None, header: Header,
                     spec: ChainSpec) -> tuple[EpochMark | None, tuple | None]:
    """H_E (eq. 6.27) and H_W (eq. 6.28) a block at `header.slot` must carry after `view`; `queued`
    is the proved ι of the state after the parent (needed when an epoch begins)."""
    E, Y = spec.epoch_length, spec.ticket_submission_end
    e, m = divmod(view.slot, E)
    e_post, m_post = divmod(header.slot, E)
    epoch_mark = tickets_mark = None
    if e_post > e:
        if queued is None:
            raise InconsistentState("ι must be proved to check an epoch marker")
        pending = blacklist_filter(queued, _offenders_after(view, header))
        epoch_mark = EpochMark(view.entropy[0], view.entropy[1],
                               tuple(EpochMarkValidatorKeys(k.bandersnatch, k.ed25519) for k in pending))
    elif m < Y <= m_post and len(view.accumulator) == E:
        if not view.accumulator_exact:
            raise InconsistentState("γ_A must be proved to check a winning-tickets marker")
        tickets_mark = outside_in(view.accumulator)
    return epoch_mark, tickets_mark


def check_markers(view: SealingView, queued: tuple[ValidatorData, ...] | None, header: Header, spec: ChainSpec) -> None:
    epoch_mark, tickets_mark = expected_markers(view, queued, header, spec)
    if header.epoch_mark != epoch_mark:
        raise B.BadEpochMark()
    if (tuple(header.tickets_mark) if header.tickets_mark is not None else None) != tickets_mark:
        raise B.BadTicketsMark()


def proved_components(view: SealingView, header: Header, spec: ChainSpec) -> tuple[str, ...]:
    """Which components of the state after the parent to prove for `header` (the view is the parent's)."""
    E, Y = spec.epoch_length, spec.ticket_submission_end
    e, m = divmod(view.slot, E)
    e_post, m_post = divmod(header.slot, E)
    if e_post > e:
        return ALWAYS + AT_EPOCH_START
    if m < Y <= m_post:
        return ALWAYS + AT_TICKETS_MARKER
    return ALWAYS


def advance(view: SealingView, header: Header, entropy_output: bytes, ctx: SealContext,
            queued: tuple[ValidatorData, ...] | None, spec: ChainSpec) -> SealingView:
    """The view after a verified block: τ' (eq. 6.1), η' (eq. 6.22/6.23), κ' and γ'_P (eq. 6.13,
    γ'_P = Φ(ι) from the proved ι), γ'_S (eq. 6.24), γ'_A (emptied on a new epoch, eq. 6.34; else
    unknown if the block could carry tickets, eq. 6.30) and ψ'_O."""
    offenders = _offenders_after(view, header)
    eta0 = hashlib.blake2b(view.entropy[0] + entropy_output, digest_size=32).digest()
    if ctx.new_epoch:
        if queued is None:
            raise InconsistentState("ι must be proved when an epoch begins")
        pending = blacklist_filter(queued, offenders)
        accumulator, exact = (), True
    else:
        pending, accumulator = view.pending, view.accumulator
        exact = view.accumulator_exact and header.slot % spec.epoch_length >= spec.ticket_submission_end
    return SealingView(header.slot, (eta0, *ctx.entropy), ctx.current, tuple(pending), ctx.sealing,
                       tuple(accumulator), exact, offenders)
