"""θ' (the accumulation output log, GP v0.7.2 accumulation.tex `eq:accseq`, `eq:accpar`,
`eq:finalstateaccumulation`): every (service, hash) pair yielded in any round of Δ* stays.

A service that always accumulates (χ_Z) transfers gas to itself in the first round of Δ*, so Δ*
recurses and the same service accumulates again on that transfer; it yields a different hash in
each round, and both pairs must be in θ', ordered, and committed in the accumulation root.
"""

from __future__ import annotations

import hashlib
import struct

from host_context import ME, account
from host_guest import FakeGuest
from jamliquor.crypto.hashing import keccak_256
from jamliquor.execution import ExecuteResult, ExitReason
from jamliquor.merkle.binary import well_balanced_root
from jamliquor.spec import TINY
from jamliquor.stf import host_calls as H
from jamliquor.stf.accounts import PartialState
from jamliquor.stf.accumulate import accumulate, accumulation_root

YIELDS = (b"\x22" * 32, b"\x11" * 32)  # first round, second round (out of order on purpose)
MEMO = 0x20000


class SelfTransferPVM:
    """Plays the `execute` hook: on its first run the service transfers 1000 gas to itself."""

    def __init__(self) -> None:
        self.runs = 0

    def require(self, hook: str, plugin: str, request) -> ExecuteResult:
        assert hook == "execute"
        guest = FakeGuest(gas=request.gas)
        if self.runs == 0:
            guest.map(MEMO, bytes(TINY.memo_size))
            guest.registers[7:11] = [ME, 1, 1000, MEMO]
            request.host(H.TRANSFER, guest)
            assert guest.registers[7] == H.OK
        output = YIELDS[self.runs]
        self.runs += 1
        used = request.gas - guest.gas
        return ExecuteResult(ExitReason.HALT, guest.gas, used, 0, guest.registers, output)


def test_a_service_yielding_in_two_rounds_keeps_both_outputs() -> None:
    me = account()
    code = b"\x00" + b"code"  # E(↕metadata = []) ‖ code
    me.code_hash = hashlib.blake2b(code, digest_size=32).digest()
    me.preimages[me.code_hash] = code
    queues = tuple((bytes(32),) * TINY.auth_queue_size for _ in range(TINY.core_count))
    state = PartialState({ME: me}, (), queues, 0, (0,) * TINY.core_count, 0, 0, {ME: 5000})
    empty = tuple(() for _ in range(TINY.epoch_length))
    pvm = SelfTransferPVM()

    post, _, _, outputs, stats = accumulate(TINY, pvm, 10, 9, bytes(32), [], empty, empty, state)

    assert pvm.runs == 2
    assert outputs == ((ME, b"\x11" * 32), (ME, b"\x22" * 32))  # θ': both pairs, in order
    leaves = [struct.pack("<I", ME) + h for _, h in outputs]
    assert accumulation_root(outputs) == well_balanced_root(leaves, keccak_256)
    assert stats[ME][0] > 0  # gas of both rounds counted
