"""State-transition functions, one module per GP chapter.

Each module exposes a pure function

    transition(spec, state, input) -> (posterior_state, output)

over its own *state slice* (an attrs class mirroring the slice the GP chapter reads and
writes; field names follow the vectors' `stf/<name>/<name>.asn`). On invalid input it raises a
`StateError` subclass whose `code` is the vectors' error code, and the prior state object is
untouched (states are immutable values). `jamliquor.importer` composes them into block import.
"""

from __future__ import annotations

from ..errors import JamLiquorError


class StateError(JamLiquorError):
    """Base of every STF rejection. `code` is the snake_case error code of the vectors' ASN.1."""

    code: str = "state_error"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(f"{self.code}: {detail}" if detail else self.code)


def error_classes(base: type[StateError], codes: list[str]) -> dict[str, type[StateError]]:
    """Create one `base` subclass per error code (CamelCase name, `code` attribute), keyed by code.

    Modules bind them to names for raising, e.g. `BadSlot = ERRORS["bad_slot"]`."""
    out: dict[str, type[StateError]] = {}
    for code in codes:
        name = "".join(part.capitalize() for part in code.split("_"))
        out[code] = type(name, (base,), {"code": code, "__module__": base.__module__, "__doc__": f"Error `{code}`."})
    return out
