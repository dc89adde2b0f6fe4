"""Device profiles: what one block may ask of a class of device, and so what our authorer packs.

JAM has no difficulty; a slot's author decides how much work its block carries. The authoring
budget (`author_budget` in the config, defaults from `device_profile`) bounds a block's extrinsic
bytes, its extrinsic items, and the accumulate gas its reports declare, so that the block still
imports within a target time on the profile's device (README "Block authoring" gives the
measurements behind the numbers). The spec's own limits (K tickets, G_T) always apply as well.

With a cost model installed (plugin jamliquor-ai, model `import-cost`), the budget also bounds the
block's *predicted* import time on the profile's device — the slowest device class the chain must
keep on time: `seconds`, with that device's calibration unit `unit_ms` (`jamliquor ai models`
prints it when run there; `jamliquor.predict.calibration`). Without the model, or with
`seconds` unset, the static limits above are the whole budget.
"""

from __future__ import annotations

import attrs


@attrs.frozen(slots=True)
class AuthorBudget:
    bytes: int  # encoded extrinsic octets
    items: int  # extrinsic entries (tickets, preimages, guarantees, assurances, dispute entries)
    gas: int  # accumulate gas declared by the included reports' work digests
    seconds: float | None = None  # predicted import time of one block on the profile's device (with a cost model)
    unit_ms: float | None = None  # that device's calibration unit, ms (None: this machine's own)

    def limited_by(self, max_block_gas: int) -> "AuthorBudget":
        """This budget within the spec's per-block accumulation gas G_T."""
        return attrs.evolve(self, gas=min(self.gas, max_block_gas))


# Targets (README "Block authoring" has the measured rates behind them): a block of ours imports
# in about 2 s on `edge` (128 MB, ~1 GHz: about a third of the 2-core development VM's speed) and
# in about 2 s on `desktop`; `server` is bounded by the spec alone. Items leave room for a full
# spec's V assurances, C guarantees and K tickets (1023 + 341 + 16); gas is what accumulating the
# included reports later costs on the portable Python PVM backend (7–25 M gas/s on the VM; the
# compiled backend is ~40× faster), the dominant import cost.
# The predicted-time limit: 2 s on both; the edge unit assumes the same third of the VM's speed
# (the VM's calibration unit is about 7 ms of CPU time), to be replaced by a measured one.
DEVICE_PROFILES: dict[str, AuthorBudget] = {
    "edge": AuthorBudget(bytes=512 * 1024, items=2048, gas=10_000_000, seconds=2.0, unit_ms=21.0),
    "desktop": AuthorBudget(bytes=4 * 1024 * 1024, items=8192, gas=100_000_000, seconds=2.0, unit_ms=7.0),
    "server": AuthorBudget(bytes=64 * 1024 * 1024, items=1 << 20, gas=2**64 - 1),
}
DEFAULT_PROFILE = "edge"
