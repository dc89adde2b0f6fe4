"""`jamliquor bench author`: block production costs on the tiny and full (1023 validators) specs —
the dev genesis, a validator's ticket work per epoch (ids, then N ring proofs), sealing, and
authoring + sealing a block (which includes the author's own import of it)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from ..author import author_block, claim, contest_of_state, our_ticket_ids, prove_ticket, seal_header
from ..chainspec import dev_genesis
from ..devchain import dev_pools
from ..importer import import_block
from ..keys import Keyring, dev_keys
from ..spec import FULL, TINY
from ..types import Header


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def run(quick: bool) -> Iterator[tuple[str, float, str]]:
    for spec in (TINY,) if quick else (TINY, FULL):
        V, N = spec.validators_count, spec.tickets_per_validator
        tag = spec.name
        start = time.perf_counter()
        keys = dev_keys(V)
        yield f"keys: derive {V} (JIP-5), {tag}", _ms(start), "ms"
        start = time.perf_counter()
        state = dev_genesis(spec, keys).state
        state.root()
        yield f"genesis: state and root, {tag}", _ms(start), "ms"

        ctx = contest_of_state(state)
        validator = Keyring(keys[:1])
        start = time.perf_counter()
        our_ticket_ids(validator, ctx.entropy, N)
        yield f"tickets: {N} ids per validator, {tag}", _ms(start), "ms"
        proofs = 1 if quick else N
        start = time.perf_counter()
        envelopes = [prove_ticket(ctx, keys[0], attempt) for attempt in range(proofs)]
        per_proof = _ms(start) / proofs
        yield f"tickets: one ring proof, {tag}", per_proof, "ms"
        yield f"tickets: {N} proofs per validator, {tag}", per_proof * N / 1000, "s"

        sealer = state["safrole"].sealing_keys.value[1]
        holder = Keyring(k for k in keys if k.bandersnatch == sealer)
        slot_claim = claim(state, 1, holder)
        header = Header(bytes(32), bytes(32), bytes(32), 1, None, None, slot_claim.author_index, bytes(96), (), bytes(96))
        start = time.perf_counter()
        entropy_source, _ = slot_claim.entropy_source()
        seal_header(header, slot_claim, spec)
        yield f"seal: H_V and H_S, {tag}", _ms(start), "ms"

        author_block(state, 1, holder)  # warm: codecs bound, fallback keys and ring cached
        start = time.perf_counter()
        author_block(state, 1, holder)
        yield f"author+seal: empty block, {tag}", _ms(start), "ms"
        pools = dev_pools(spec)
        pools.tickets.contest(ctx)
        for envelope in envelopes:
            pools.tickets.add(ctx.epoch, envelope)
        start = time.perf_counter()
        authored = author_block(state, 1, holder, pools)
        label = f"{len(envelopes)} tickets, {len(authored.block.extrinsic.preimages)} preimages"
        yield f"author+seal: {label}, {tag}", _ms(start), "ms"
        start = time.perf_counter()
        import_block(state, authored.block)
        yield f"import: that block, {tag}", _ms(start), "ms"
