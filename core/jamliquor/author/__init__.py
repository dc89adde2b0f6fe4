"""The authorer: Safrole block production (GP §6) and extrinsic selection under a budget.

`author_block(state, slot, keyring, pools, budget)` mirrors the importer chapter by chapter
(`produce.py`); `sealing.py` decides slot ownership and seals; `tickets.py` makes, pools and
chooses Safrole tickets; `select.py` checks the other extrinsics; `pools.py` holds what a node
has heard of; `log.py` records what each block took and what the budget cut.
"""

from .log import AuthoringLog, BudgetMeter, KindLog
from .pools import AssurancePool, DisputePool, ExtrinsicPools, GuaranteePool, PoolError, PreimagePool
from .produce import AuthoredBlock, AuthoringError, author_block, claim, contest_at
from .sealing import SlotClaim, claim_slot, seal_header
from .tickets import (
    PooledTicket, TicketContext, TicketPool, TicketRejected, contest_of, contest_of_state, make_tickets, our_ticket_ids, prove_ticket,
    ticket_owner, verify_ticket,
)

__all__ = [
    "AssurancePool", "AuthoredBlock", "AuthoringError", "AuthoringLog", "BudgetMeter", "DisputePool", "ExtrinsicPools",
    "GuaranteePool", "KindLog", "PoolError", "PooledTicket", "PreimagePool", "SlotClaim", "TicketContext", "TicketPool", "TicketRejected",
    "author_block", "claim", "claim_slot", "contest_at", "contest_of", "contest_of_state", "make_tickets", "our_ticket_ids",
    "prove_ticket", "seal_header", "ticket_owner", "verify_ticket",
]
