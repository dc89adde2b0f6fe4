"""Block features for cost prediction: what a block will cost to import, known *before* importing it.

The one place the `import-cost` model's inputs are defined. Every feature is read from the block
and the prior state without running any state transition: no signature is checked, no service
code runs, nothing is re-encoded beyond the block itself, so computing them costs a small fraction
of an import (`jamliquor bench ai` measures it). Counts map to the GP stage that pays for them:

* safrole (GP §6): an epoch change rotates the validator sets and computes a new ring root;
  each ticket is a ring-VRF proof to verify (eq. 6.29);
* disputes (§10): each verdict/culprit/fault carries signatures to check;
* assurances (§11.2): one Ed25519 signature each; the cores they make available (more than 2V/3
  assurers, eq. 11.16) release reports into accumulation this very block;
* guarantees (§11.4): credentials to check; their results accumulate only once assured later;
* accumulation (§12): the work results that become available, the gas they declare (eq. 12.20
  bounds what the PVM may run), the distinct services invoked, what waits in the ready queue ϑ,
  and the always-accumulate services of χ;
* preimages (§12.4): count and bytes to hash;
* Merklization (Appendix D): the number of state keys.

Changing the list changes `FEATURE_SET_ID`; models record the id they were trained for, and
using one with another feature set is an error naming the model: retrain after any change.
"""

from __future__ import annotations

import hashlib

import attrs

from ..codec import encode
from ..spec import ChainSpec
from ..state import ChainState
from ..stf.assurances import core_bit
from ..types import Block


@attrs.frozen
class Feature:
    name: str
    doc: str


FEATURES: tuple[Feature, ...] = (
    Feature("slot_gap", "H_T − τ: slots since the parent (skipped slots)"),
    Feature("epoch_change", "1 if the block is the first of a new epoch (GP eq. 6.13: rotation, new ring root)"),
    Feature("tickets", "|E_T|: ticket envelopes, one ring-VRF proof each"),
    Feature("dispute_items", "verdicts + culprits + faults in E_D"),
    Feature("assurances", "|E_A|: availability assurances (one signature each)"),
    Feature("cores_available", "cores whose report becomes available (more than 2V/3 assurers)"),
    Feature("available_results", "work results in the reports becoming available (accumulated now)"),
    Feature("available_gas", "accumulate gas declared by those results, in millions"),
    Feature("available_services", "distinct services among those results"),
    Feature("available_output_kib", "bytes of those results' refine outputs (what accumulation reads), in KiB"),
    Feature("available_refine_gas", "refine gas those results used (a hint of the work they carry), in millions"),
    Feature("ready_reports", "reports waiting in the ready queue ϑ of the prior state"),
    Feature("always_accumulate", "services of χ_Z accumulated every block"),
    Feature("guarantees", "|E_G|: guaranteed reports"),
    Feature("guarantee_results", "work results in E_G"),
    Feature("guarantee_gas", "accumulate gas declared by the results in E_G, in millions"),
    Feature("preimages", "|E_P|: preimages provided"),
    Feature("preimage_kib", "bytes of preimages in E_P, in KiB"),
    Feature("block_kib", "encoded block size, in KiB"),
    Feature("state_keys", "keys in the prior state σ, in thousands (Merklization work)"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
FEATURE_COUNT = len(FEATURES)
FEATURE_SET_ID = hashlib.blake2b("\n".join(FEATURE_NAMES).encode(), digest_size=4).hexdigest()
"""Names this exact feature list; a model file carries it in its input's name (`features_<id>`)."""

_MILLION = 1e6


def block_features(state: ChainState, block: Block) -> tuple[float, ...]:
    """The feature vector of `block` on top of the prior `state`, in `FEATURE_NAMES` order."""
    spec: ChainSpec = state.spec
    H, X = block.header, block.extrinsic
    tau = state["timeslot"]
    rho = state["availability"]

    assurers = [0] * spec.core_count
    for a in X.assurances:
        for core in range(spec.core_count):
            if core_bit(a.bitfield, core):
                assurers[core] += 1
    available = [rho[c].report for c in range(spec.core_count)
                 if rho[c] is not None and assurers[c] > 2 * spec.validators_count / 3]
    available_results = [r for report in available for r in report.results]
    guarantee_results = [r for g in X.guarantees for r in g.report.results]
    d = X.disputes

    values = (
        H.slot - tau,
        float(H.slot // spec.epoch_length > tau // spec.epoch_length),
        len(X.tickets),
        len(d.verdicts) + len(d.culprits) + len(d.faults),
        len(X.assurances),
        len(available),
        len(available_results),
        sum(r.accumulate_gas for r in available_results) / _MILLION,
        len({r.service_id for r in available_results}),
        sum(len(r.result.value) for r in available_results if r.result.name == "ok") / 1024,
        sum(r.refine_load.gas_used for r in available_results) / _MILLION,
        sum(len(group) for group in state["ready_queue"]),
        len(state["privileges"].always_acc),
        len(X.guarantees),
        len(guarantee_results),
        sum(r.accumulate_gas for r in guarantee_results) / _MILLION,
        len(X.preimages),
        sum(len(p.blob) for p in X.preimages) / 1024,
        len(encode(block, spec, Block)) / 1024,
        len(state.kv) / 1000,
    )
    return tuple(float(v) for v in values)
