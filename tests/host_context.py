"""Accumulation contexts for host-call tests: a service `ME` with a balance, a second service
`OTHER`, privileges chosen per test (GP eq. 12.13 S, B.7 L)."""

from __future__ import annotations

from jamliquor.spec import TINY
from jamliquor.state.keys import preimage_key, request_key, storage_key
from jamliquor.state.services import KvMap
from jamliquor.stf.accounts import Account, Implications, PartialState
from jamliquor.stf.host_calls import AccumulateHost

ME, OTHER = 1000, 2000
SLOT = 500
NEXT_ID = 2**16 + 77


def account(balance: int = 10**9, code_hash: bytes = bytes(32), service: int = ME, **fields) -> Account:
    """An account whose maps are state-backed (`KvMap`, as during block import), so every lookup
    builds its state key exactly as import does."""
    a = Account(code_hash, balance, 0, 0, 0, 0, 0, 0, 0, 0)
    a.storage = KvMap({}, lambda k: storage_key(service, k))
    a.preimages = KvMap({}, lambda h: preimage_key(service, h))
    a.requests = KvMap({}, lambda hl: request_key(service, hl[0], hl[1]), tuple)
    for name, value in fields.items():
        setattr(a, name, value)
    return a


def host(spec=TINY, manager: int = 0, assigner: int = 0, delegator: int = 0, registrar: int = 0,
         accounts: dict[int, Account] | None = None) -> AccumulateHost:
    accts = accounts if accounts is not None else {ME: account(), OTHER: account()}
    state = PartialState(accts, (), tuple((bytes(32),) * spec.auth_queue_size for _ in range(spec.core_count)),
                         manager, (assigner,) * spec.core_count, delegator, registrar, {})
    return AccumulateHost(spec, Implications(ME, state, NEXT_ID), SLOT, bytes(32), [])
