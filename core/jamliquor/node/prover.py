"""Ring-VRF ticket proofs in a child process.

bandersnatch-vrfs holds the GIL while it proves (0.2 s on an idle tiny ring, seconds on a busy
machine): on a thread, every proof would stall the event loop and the block importer for that
long (measured: imports 10× slower beside a proving thread). So a validator proves in one
persistent child process (started on the first proof; ~30–40 MB; it imports only the
Bandersnatch binding: `prover_child.py`) and only waits for the answer. Requests and answers
are E_4(size) ‖ CBOR over the child's stdin and stdout; the child exits when its stdin closes, so it never outlives
the node, even a SIGKILLed one.
"""

from __future__ import annotations

import asyncio
import struct
import sys

import cbor2

from ..author import TicketContext, TicketRejected
from ..errors import JamLiquorError
from ..keys import ValidatorKeys
from ..types import TicketEnvelope

_SIZE = struct.Struct("<I")
_CHILD = "from jamliquor.node.prover_child import serve; serve()"


class ProverError(JamLiquorError):
    """The prover process failed or went away."""


class Prover:
    def __init__(self) -> None:
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    async def prove(self, ctx: TicketContext, keys: ValidatorKeys, attempt: int) -> TicketEnvelope:
        """Our proof for `attempt` in the contest `ctx` (as `author.prove_ticket`, off-process)."""
        try:
            index = ctx.ring.index(keys.bandersnatch)
        except ValueError:
            raise TicketRejected(f"key {keys.bandersnatch.hex()[:16]}… is not in the epoch {ctx.epoch} ring") from None
        request = cbor2.dumps([list(ctx.ring), index, keys.bandersnatch_secret, ctx.vrf_input(attempt)])
        async with self._lock:
            proc = await self._child()
            try:
                proc.stdin.write(_SIZE.pack(len(request)) + request)
                await proc.stdin.drain()
                size = _SIZE.unpack(await proc.stdout.readexactly(4))[0]
                status, value = cbor2.loads(await proc.stdout.readexactly(size))
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                self._proc = None
                raise ProverError(f"the prover process failed: {exc}") from None
        if status != "ok":
            raise ProverError(f"ring proof failed: {value}")
        return TicketEnvelope(attempt, value)

    async def _child(self) -> asyncio.subprocess.Process:
        if self._proc is None or self._proc.returncode is not None:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _CHILD, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        return self._proc

    def pids(self) -> list[int]:
        return [self._proc.pid] if self._proc is not None and self._proc.returncode is None else []

    async def shutdown(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), 5)
            except TimeoutError:
                proc.kill()
                await proc.wait()
