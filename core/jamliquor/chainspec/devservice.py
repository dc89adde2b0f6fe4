"""The development genesis service's code: a standard PVM program (GP A.7) that halts at once
from both entry points (refine at instruction 0, accumulate at 5; GP eq. B.9), prefixed by its
metadata as service code preimages are (GP eq. 9.4: E(↕m) ‖ c)."""

from __future__ import annotations

from ..codec import encode_natural
from ..execution import program_blob

METADATA = b"jamliquor dev service"
_HALT_OPCODE = 50  # jump_ind ω_A + 0: ω_0 holds 2^32 − 2^16 at start, and jumping there halts (GP A.7)


def standard_program(code: bytes, ro: bytes = b"", rw: bytes = b"", heap_pages: int = 0, stack: int = 0) -> bytes:
    """GP eq. (A.38): E_3(|o|) ‖ E_3(|w|) ‖ E_2(z) ‖ E_3(s) ‖ o ‖ w ‖ E_4(|c|) ‖ c."""
    return (len(ro).to_bytes(3, "little") + len(rw).to_bytes(3, "little") + heap_pages.to_bytes(2, "little")
            + stack.to_bytes(3, "little") + ro + rw + len(code).to_bytes(4, "little") + code)


def halting_code() -> bytes:
    """A code preimage whose refine and accumulate entry points both halt with no output."""
    refine = bytes((_HALT_OPCODE, 0, 0, 0, 0))  # five octets, so accumulate starts at 5
    accumulate = bytes((_HALT_OPCODE, 0))
    out = bytearray()
    encode_natural(len(METADATA), out)
    return bytes(out) + METADATA + standard_program(program_blob([refine, accumulate]))
