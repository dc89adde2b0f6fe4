"""The light client follows a dev chain across two epoch changes with proved state only, and
rejects every lying-peer case with a typed error, its verified head unchanged."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from jamliquor import block as B
from jamliquor.block import header_hash
from jamliquor.chainspec import load_chainspec
from jamliquor.crypto import bandersnatch
from jamliquor.errors import JamLiquorError
from jamliquor.keys import Keyring
from jamliquor.seal import X_FALLBACK, X_TICKET
from jamliquor.state.keys import component_key
from jamliquor.types import Block, Header, Preimage, unsigned_header_encoding

from jamliquor_lite.chain import LightChain
from jamliquor_lite.errors import (
    InconsistentState,
    KeyOutOfRange,
    MissingNode,
    RootMismatch,
    UnknownParent,
    ValueMismatch,
)
from jamliquor_lite.peer import TracePeer
from jamliquor_lite.proof import build_proof
from jamliquor_lite.sealing import seal_context

E = 12  # tiny epoch length


def run(coro):
    return asyncio.run(coro)


class RecordingPeer(TracePeer):
    """The honest trace peer, noting every state key it was asked for."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked: set[bytes] = set()

    async def state_range(self, block_hash, start, end, max_size):
        self.asked.add(start)
        return await super().state_range(block_hash, start, end, max_size)


class LyingPeer(TracePeer):
    """A trace peer whose blocks and state answers a test may rewrite."""

    def __init__(self, *args, blocks: Callable[[Block], Block] | None = None,
                 answers: Callable[[bytes, bytes, list, list], tuple[list, list]] | None = None, **kwargs) -> None:
        super().__init__(*args, name="liar", **kwargs)
        self.rewrite_block = blocks or (lambda b: b)
        self.rewrite_answer = answers

    async def blocks(self, header_hash, direction, max_blocks):
        return [self.rewrite_block(b) for b in await super().blocks(header_hash, direction, max_blocks)]

    async def state_range(self, block_hash, start, end, max_size):
        nodes, pairs = await super().state_range(block_hash, start, end, max_size)
        if self.rewrite_answer is not None:
            return self.rewrite_answer(block_hash, start, nodes, pairs)
        return nodes, pairs


@pytest.fixture(scope="module")
def chainspec(devchain: Path):
    return load_chainspec(devchain / "chainspec.json")


def honest_chain(devchain: Path, chainspec, blocks: int) -> tuple[LightChain, TracePeer]:
    peer = TracePeer(devchain, chainspec.spec)
    chain = LightChain(chainspec)
    assert run(chain.catch_up(peer, limit=blocks)) == blocks
    return chain, peer


def reseal(chain: LightChain, header: Header) -> Header:
    """Seal `header` as its rightful slot sealer would (we hold every dev key): a validator lying."""
    spec = chain.spec
    ctx = seal_context(chain.records[header.parent].view, header.slot, spec)
    keys = Keyring.dev(6).by_bandersnatch(ctx.current[header.author_index].bandersnatch)
    sealer = ctx.sealing.value[header.slot % spec.epoch_length]
    context = X_TICKET + ctx.entropy[2] + bytes((sealer.attempt,)) if ctx.sealing.name == "tickets" else X_FALLBACK + ctx.entropy[2]
    return attrs.evolve(header, seal=bandersnatch.ietf_sign(keys.bandersnatch_secret, context, unsigned_header_encoding(header, spec)))


def test_follows_a_dev_chain_across_two_epoch_changes_with_proved_state_only(devchain: Path, chainspec) -> None:
    peer = RecordingPeer(devchain, chainspec.spec)
    lines: list[str] = []
    chain = LightChain(chainspec, log=lines.append)
    assert run(chain.catch_up(peer)) == len(peer.chain) - 1 == 26
    best = chain.best
    assert best.hash == peer.chain[-1] and best.header.slot == 26
    assert best.header.slot // E - chain.genesis.header.slot // E >= 2
    assert best.weight == 26 - (E - 1)  # every block from epoch 1 on is ticket-sealed
    assert chain.stats.rejected == 0 and chain.stats.headers == 26
    # Only Safrole components were asked for: γ, ψ, η, ι, κ, τ — never a whole state.
    assert peer.asked == {component_key(i) for i in (4, 5, 6, 7, 8, 11)}
    assert chain.stats.proofs == 26 * 2 + 2 * 4 + 2  # η, τ each; ι, κ, γ, ψ at epoch starts; γ at both markers
    # The view after the head equals the chain's real posterior Safrole state.
    state = peer.state_of(best.hash)
    from jamliquor.state import ChainState

    real = ChainState(state, chainspec.spec)
    assert best.view.entropy == tuple(real["entropy"]) and best.view.current == tuple(real["current_validators"])
    assert best.view.sealing == real["safrole"].sealing_keys and best.view.pending == tuple(real["safrole"].pending)


def _reject(chain: LightChain, peer, block: Block, error: type[Exception]) -> None:
    before = chain.best
    with pytest.raises(error) as info:
        run(chain.import_block(peer, block))
    assert isinstance(info.value, JamLiquorError) and str(info.value)
    assert chain.best is before and header_hash(block.header, chain.spec) not in chain.records


@pytest.mark.parametrize("at", [5, E, 22])  # fallback-sealed, first of epoch 1 (ticket-sealed), tickets marker
def test_forged_headers_and_wrong_seals_are_rejected(devchain: Path, chainspec, at: int) -> None:
    chain, peer = honest_chain(devchain, chainspec, at - 1)
    block = peer.blocks_by_hash[peer.chain[at]]
    h = block.header
    forged_root = attrs.evolve(h, parent_state_root=bytes(32))  # a changed field under the old seal
    _reject(chain, peer, attrs.evolve(block, header=forged_root), B.BadSeal)
    flipped = attrs.evolve(h, seal=bytes((h.seal[0] ^ 1,)) + h.seal[1:])
    _reject(chain, peer, attrs.evolve(block, header=flipped), B.BadSeal)
    other = attrs.evolve(h, author_index=(h.author_index + 1) % 6)  # another validator claims the slot
    _reject(chain, peer, attrs.evolve(block, header=other), B.BadSeal)
    entropy = attrs.evolve(h, entropy_source=block.header.seal)
    _reject(chain, peer, attrs.evolve(block, header=reseal(chain, entropy)), B.BadEntropySource)
    _reject(chain, peer, attrs.evolve(block, header=attrs.evolve(h, slot=chain.best.header.slot)), B.BadSlot)
    _reject(chain, peer, attrs.evolve(block, header=attrs.evolve(h, author_index=6)), B.BadAuthorIndex)
    smuggled = attrs.evolve(block.extrinsic, preimages=(*block.extrinsic.preimages, Preimage(0, b"smuggled")))
    _reject(chain, peer, attrs.evolve(block, extrinsic=smuggled), B.BadExtrinsicHash)  # a body H_X does not commit to
    assert run(chain.import_block(peer, block)).hash == peer.chain[at]  # the honest block still verifies


def test_markers_a_sealer_lies_about_are_rejected(devchain: Path, chainspec) -> None:
    chain, peer = honest_chain(devchain, chainspec, E - 1)
    block = peer.blocks_by_hash[peer.chain[E]]
    mark = block.header.epoch_mark
    wrong_keys = attrs.evolve(mark, validators=(mark.validators[1], mark.validators[0], *mark.validators[2:]))
    for lie in (attrs.evolve(mark, entropy=bytes(32)), wrong_keys, None):
        _reject(chain, peer, attrs.evolve(block, header=reseal(chain, attrs.evolve(block.header, epoch_mark=lie))), B.BadEpochMark)

    chain, peer = honest_chain(devchain, chainspec, 9)
    block = peer.blocks_by_hash[peer.chain[10]]
    assert block.header.tickets_mark is not None
    forged = tuple(reversed(block.header.tickets_mark))
    for lie in (forged, None):
        _reject(chain, peer, attrs.evolve(block, header=reseal(chain, attrs.evolve(block.header, tickets_mark=lie))), B.BadTicketsMark)
    late = peer.blocks_by_hash[peer.chain[9]]  # a marker before the contest closes
    chain, peer = honest_chain(devchain, chainspec, 8)
    _reject(chain, peer, attrs.evolve(late, header=reseal(chain, attrs.evolve(late.header, tickets_mark=block.header.tickets_mark))),
            B.BadTicketsMark)


def _lying_answers(devchain: Path, chainspec, at: int, answers) -> None:
    chain, _ = honest_chain(devchain, chainspec, at - 1)
    liar = LyingPeer(devchain, chainspec.spec, answers=answers)
    block = liar.blocks_by_hash[liar.chain[at]]
    before = chain.best
    with pytest.raises(JamLiquorError):
        run(chain.import_block(liar, block))
    assert chain.best is before and chain.stats.rejected == 1


@pytest.mark.parametrize("at", [3, E])
def test_lying_state_answers_are_rejected(devchain: Path, chainspec, at: int) -> None:
    peer = TracePeer(devchain, chainspec.spec)
    other_state = peer.state_of(peer.chain[at + 2])

    def check(answers, error) -> None:
        chain, _ = honest_chain(devchain, chainspec, at - 1)
        liar = LyingPeer(devchain, chainspec.spec, answers=answers)
        with pytest.raises(error):
            run(chain.import_block(liar, liar.blocks_by_hash[liar.chain[at]]))
        assert chain.best.header.slot == at - 1 and chain.stats.rejected == 1

    check(lambda h, k, nodes, pairs: build_proof(other_state, k, k), RootMismatch)  # nodes of another state
    check(lambda h, k, nodes, pairs: (nodes[:-1], pairs), MissingNode)  # a withheld boundary node
    check(lambda h, k, nodes, pairs: (nodes, [(k, pairs[0][1][:-1] + bytes((pairs[0][1][-1] ^ 1,)))]), ValueMismatch)  # an altered value
    check(lambda h, k, nodes, pairs: (nodes, []), ValueMismatch)  # a present entry claimed absent
    eta = component_key(6)
    check(lambda h, k, nodes, pairs: build_proof(peer.state_of(h), eta, eta), KeyOutOfRange)  # a proof for another key


def test_a_validator_committing_to_a_forged_state_is_caught(devchain: Path, chainspec) -> None:
    """A sealer that signs a prior-state root of a state whose η disagrees with the headers."""
    at = 4
    chain, peer = honest_chain(devchain, chainspec, at - 1)
    block = peer.blocks_by_hash[peer.chain[at]]
    forged = dict(peer.state_of(block.header.parent))
    forged[component_key(6)] = bytes(128)  # η all zero
    from jamliquor.merkle.trie import state_root

    header = reseal(chain, attrs.evolve(block.header, parent_state_root=state_root(forged)))
    liar = LyingPeer(devchain, chainspec.spec, answers=lambda h, k, nodes, pairs: build_proof(forged, k, k))
    with pytest.raises(InconsistentState):
        run(chain.import_header(liar, header))
    assert chain.best.header.slot == at - 1


def test_unknown_parents_and_announcements(devchain: Path, chainspec) -> None:
    chain, peer = honest_chain(devchain, chainspec, 3)
    far = peer.blocks_by_hash[peer.chain[9]].header
    with pytest.raises(UnknownParent):
        run(chain.import_header(peer, far))
    assert run(chain.on_announcement(peer, far)).header.slot == 9  # fetches slots 4..8 first
    assert chain.best.header.slot == 9


def test_checkpoint_resumes_the_verified_head(devchain: Path, chainspec, tmp_path: Path) -> None:
    chain, peer = honest_chain(devchain, chainspec, 14)
    chain.save(tmp_path)
    again = LightChain(chainspec)
    assert again.resume(tmp_path) and again.best.hash == chain.best.hash
    assert run(again.catch_up(peer)) == 26 - 14 and again.best.hash == peer.chain[-1]
