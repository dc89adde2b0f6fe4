"""Authorizer pools α (GP §8, authorization.tex)."""

from __future__ import annotations

from ..spec import ChainSpec
from .slices import TEST_CASES, AuthorizationsInput, AuthorizationsSlice

TestCase = TEST_CASES["authorizations"]
State, Input = AuthorizationsSlice, AuthorizationsInput


def transition(spec: ChainSpec, state: AuthorizationsSlice, inp: AuthorizationsInput) -> tuple[AuthorizationsSlice, None]:
    """GP eq. (8.2)/(8.3): per core, drop the oldest pool entry used by a guarantee (F(c)), append
    the queue's item for this slot, and keep the last O."""
    used: dict[int, list[bytes]] = {}
    for auth in inp.auths:
        used.setdefault(auth.core, []).append(auth.auth_hash)
    pools = []
    for core, (pool, queue) in enumerate(zip(state.auth_pools, state.auth_queues)):
        pool = list(pool)
        for h in used.get(core, ()):
            if h in pool:
                pool.remove(h)  # the first (oldest) occurrence, GP's "seqminusl"
        pool.append(queue[inp.slot % len(queue)])
        pools.append(tuple(pool[-spec.auth_pool_size :]))
    return AuthorizationsSlice(tuple(pools), state.auth_queues), None
