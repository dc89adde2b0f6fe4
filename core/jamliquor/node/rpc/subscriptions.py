"""JIP-2 subscriptions: what each `subscribe…` method follows and what it reports.

A subscription follows the best head (`finalized` false, the default) or the finalized block,
and reports a value computed at that block: the block itself (`[Hash, Slot]`), its statistics,
or one service datum. It is notified with the value at subscription time and then whenever the
value changes at a new head; a value that did not change is not sent again. Arguments are the
corresponding method's without the block hash, then `finalized` (JIP-2 names it but does not
place it; last is where every other argument list ends).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from ...state import ChainState
from ...state.keys import preimage_key, service_info_key, storage_key
from ..view import BlockRef, ChainView
from .methods import STATISTICS_KEY, request_slots
from .wire import b64, block_ref, parse_args

Reader = Callable[[ChainView, BlockRef], Any]


class Unavailable(Exception):
    """The followed block's posterior state is not known: nothing to report at this head."""


@attrs.frozen(slots=True)
class Topic:
    method: str  # the subscribe method, also the notifications' method
    follows: str  # ChainEvent kind: "best" or "finalized"
    read: Reader


class Subscription:
    """One live subscription of one connection; remembers what it last reported."""

    __slots__ = ("id", "topic", "last")
    _NOTHING = object()

    def __init__(self, sub_id: int, topic: Topic) -> None:
        self.id = sub_id
        self.topic = topic
        self.last: Any = self._NOTHING

    def update(self, view: ChainView, ref: BlockRef) -> tuple[bool, Any]:
        """(changed, value) at `ref`; raises Unavailable if the value cannot be read there."""
        value = self.topic.read(view, ref)
        if value == self.last:
            return False, value
        self.last = value
        return True, value


def _at_state(read: Callable[[ChainState], Any]) -> Reader:
    def reader(view: ChainView, ref: BlockRef) -> Any:
        state = view.state(ref.header_hash)
        if state is None:
            raise Unavailable
        return read(state)

    return reader


def _b64_at(key: Callable[[ChainState], bytes]) -> Reader:
    def read(state: ChainState) -> str | None:
        raw = state.kv.get(key(state))
        return None if raw is None else b64(raw)

    return _at_state(read)


def _follows(finalized: bool) -> str:
    return "finalized" if finalized else "best"


def _best_block(params: list[Any]) -> Topic:
    parse_args(params, ())
    return Topic("subscribeBestBlock", "best", lambda view, ref: block_ref(ref))


def _finalized_block(params: list[Any]) -> Topic:
    parse_args(params, ())
    return Topic("subscribeFinalizedBlock", "finalized", lambda view, ref: block_ref(ref))


def _statistics(params: list[Any]) -> Topic:
    (finalized,) = parse_args(params, ("bool",), optional_last=False)
    return Topic("subscribeStatistics", _follows(finalized), _b64_at(lambda state: STATISTICS_KEY))


def _service_data(params: list[Any]) -> Topic:
    service, finalized = parse_args(params, ("ServiceId", "bool"), optional_last=False)
    return Topic("subscribeServiceData", _follows(finalized), _b64_at(lambda state: service_info_key(service)))


def _service_value(params: list[Any]) -> Topic:
    service, key, finalized = parse_args(params, ("ServiceId", "Blob", "bool"), optional_last=False)
    return Topic("subscribeServiceValue", _follows(finalized), _b64_at(lambda state: storage_key(service, key)))


def _service_preimage(params: list[Any]) -> Topic:
    service, blob_hash, finalized = parse_args(params, ("ServiceId", "Hash", "bool"), optional_last=False)
    return Topic("subscribeServicePreimage", _follows(finalized), _b64_at(lambda state: preimage_key(service, blob_hash)))


def _service_request(params: list[Any]) -> Topic:
    service, blob_hash, length, finalized = parse_args(params, ("ServiceId", "Hash", "u32", "bool"), optional_last=False)
    read = _at_state(lambda state: request_slots(state, service, blob_hash, length))
    return Topic("subscribeServiceRequest", _follows(finalized), read)


TOPICS: dict[str, Callable[[list[Any]], Topic]] = {
    "subscribeBestBlock": _best_block,
    "subscribeFinalizedBlock": _finalized_block,
    "subscribeStatistics": _statistics,
    "subscribeServiceData": _service_data,
    "subscribeServiceValue": _service_value,
    "subscribeServicePreimage": _service_preimage,
    "subscribeServiceRequest": _service_request,
}
# unsubscribeX → subscribeX
UNSUBSCRIBE: dict[str, str] = {"un" + name: name for name in TOPICS}
