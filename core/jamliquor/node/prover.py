"""Ring-VRF ticket proofs in a child process.

bandersnatch-vrfs holds the GIL while it proves (0.2 s on an idle tiny ring, seconds on a busy
machine): on a thread, every proof would stall the event loop and the block importer for that
long (measured: imports 10× slower beside a proving thread). So a validator proves in one
persistent child process (spawned on the first proof; ~30 MB; it imports only the Bandersnatch
binding), and the node only waits for the answer."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from ..author import TicketContext, TicketRejected
from ..crypto import bandersnatch
from ..keys import ValidatorKeys
from ..types import TicketEnvelope


def ring_proof(ring: Sequence[bytes], index: int, secret: bytes, vrf_input: bytes) -> bytes:
    """In the child: the ring-VRF signature of GP eq. (6.29) with empty aux data."""
    return bandersnatch.ring_sign(list(ring), index, secret, vrf_input, b"")


class Prover:
    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def prove(self, ctx: TicketContext, keys: ValidatorKeys, attempt: int) -> TicketEnvelope:
        """Our proof for `attempt` in the contest `ctx` (as `author.prove_ticket`, off-process)."""
        try:
            index = ctx.ring.index(keys.bandersnatch)
        except ValueError:
            raise TicketRejected(f"key {keys.bandersnatch.hex()[:16]}… is not in the epoch {ctx.epoch} ring") from None
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        signature = await asyncio.get_running_loop().run_in_executor(
            self._pool, ring_proof, ctx.ring, index, keys.bandersnatch_secret, ctx.vrf_input(attempt))
        return TicketEnvelope(attempt, signature)

    def pids(self) -> list[int]:
        return [p.pid for p in (self._pool._processes or {}).values()] if self._pool is not None else []

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
