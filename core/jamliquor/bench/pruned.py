"""`jamliquor bench pruned`: the pruned full-node profile's data directory over a long dev chain.

Six dev validators author a tiny-spec chain with fallback sealing only (no tickets are made, so a
block costs a seal and an import, not ring proofs); every block goes through the node's `Chain`
into its LMDB store, which keeps the last `KEEP_STATES` states (`store_keep`) and the blocks of
the last `KEEP_BLOCKS` slots below the finalized block (`block_keep`), pruning continuously as
finality advances. Prints the store's size on disk as it grows, what an archive node would hold
in block bodies alone, and the time per block. `--quick` runs 300 blocks.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from ..author import author_block
from ..chainspec import dev_chainspec
from ..codec import encode
from ..keys import Keyring
from ..node.chain import Chain
from ..spec import TINY
from ..store import StateStore

VALIDATORS = 6
KEEP_STATES = 32
KEEP_BLOCKS = 600  # one full-spec epoch: an hour of blocks at 6 s slots for peers catching up


def disk_bytes(directory: Path) -> int:
    """Octets the directory's files occupy on disk (allocated blocks: LMDB files are sparse)."""
    return sum(p.stat().st_blocks * 512 for p in directory.rglob("*") if p.is_file())


def run(quick: bool) -> Iterator[tuple[str, float, str]]:
    blocks = 300 if quick else 10_000
    keep_blocks = 60 if quick else KEEP_BLOCKS
    chainspec = dev_chainspec(TINY, VALIDATORS)
    keyring = Keyring.dev(VALIDATORS)
    with tempfile.TemporaryDirectory(prefix="jamliquor-pruned-") as tmp:
        directory = Path(tmp) / "store"
        store = StateStore(directory, keep=KEEP_STATES)
        chain = Chain(chainspec, store, keep_blocks=keep_blocks)
        state = chainspec.state()
        archive = 0
        start = time.perf_counter()
        report = {blocks // 10 * i for i in range(1, 11)}
        for slot in range(1, blocks + 1):
            authored = author_block(state, slot, keyring)  # no pools: no tickets, fallback-sealed
            chain.add(authored.block, authored.post_state)
            archive += len(encode(authored.block, TINY))
            state = authored.post_state
            if slot in report:
                yield f"data dir after {slot} blocks", disk_bytes(directory) / 2**20, "MiB"
        seconds = time.perf_counter() - start
        final = chain.blocks[chain.finalized_hash].slot
        kept = sum(1 for s in range(0, blocks + 1) if store.canon_hash(s) is not None)
        store.close()
        yield f"finalized slot (of {blocks})", final, "slot"
        yield f"finalized blocks kept (keep_blocks {keep_blocks})", kept, "blocks"
        yield f"states kept (store_keep {KEEP_STATES})", KEEP_STATES, "states"
        yield "block bodies an archive node would hold", archive / 2**20, "MiB"
        yield "time per block (author + import + store)", seconds / blocks * 1000, "ms"
        yield "LMDB file size (data.mdb, sparse)", os.path.getsize(directory / "data.mdb") / 2**20, "MiB"
