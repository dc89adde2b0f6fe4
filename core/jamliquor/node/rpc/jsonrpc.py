"""JSON-RPC 2.0 framing (jsonrpc.org/specification): requests, batches, responses, error objects.

Only the envelope lives here; what a method means is `methods.py`. Error codes are the
standard ones (-32700 … -32603) plus a few in the implementation-defined server range
(-32000 … -32099) for answers JIP-2 does not define as `null`.
"""

from __future__ import annotations

import json
import math
from typing import Any

import attrs

from ...errors import JamLiquorError

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000  # a typed JamLiquor error while answering (e.g. a malformed stored state)
BLOCK_UNAVAILABLE = -32001  # the block, or its posterior state, is not known (or pruned)
PREIMAGE_REFUSED = -32002  # submitPreimage: not requested at that block, or the pool refused it
SUBSCRIPTION_LIMIT = -32003  # this connection holds its maximum of subscriptions


class RpcError(JamLiquorError):
    """An answer that is a JSON-RPC error object; `message` is shown to the client as is."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data
        self.request_id: Any = None  # set when the failing request's id is known

    def for_request(self, request_id: Any) -> "RpcError":
        self.request_id = request_id
        return self

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def invalid_params(message: str) -> RpcError:
    return RpcError(INVALID_PARAMS, f"invalid params: {message}")


@attrs.frozen(slots=True)
class Request:
    """One call. A request without an `id` member is a notification: it gets no response."""

    method: str
    params: list[Any]
    id: Any = None
    notification: bool = False


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_message(message: str | bytes) -> tuple[list[Any], bool]:
    """The entries of one message and whether it was a batch (a JSON array of requests)."""
    try:
        text = message.decode("utf-8") if isinstance(message, (bytes, bytearray, memoryview)) else message
        document = json.loads(text, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RpcError(PARSE_ERROR, "parse error: not a JSON text") from None
    if isinstance(document, list):
        if not document:
            raise RpcError(INVALID_REQUEST, "invalid request: empty batch")
        return document, True
    return [document], False


def _valid_id(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)  # 1e999 parses to inf, which has no JSON spelling to echo
    return value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def parse_request(entry: Any) -> Request:
    """A well-formed Request from one entry, or RpcError(INVALID_REQUEST) carrying its id if it has one."""
    if not isinstance(entry, dict):
        raise RpcError(INVALID_REQUEST, "invalid request: not a JSON object")
    request_id = entry.get("id")
    if not _valid_id(request_id):
        raise RpcError(INVALID_REQUEST, "invalid request: id must be a string, a number or null")
    if entry.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, 'invalid request: "jsonrpc" must be "2.0"').for_request(request_id)
    method = entry.get("method")
    if not isinstance(method, str):
        raise RpcError(INVALID_REQUEST, 'invalid request: "method" must be a string').for_request(request_id)
    params = entry.get("params", [])
    if params is None:
        params = []  # some clients send null for "no arguments"
    if isinstance(params, dict):
        raise invalid_params("JIP-2 arguments are positional (a JSON array)").for_request(request_id)
    if not isinstance(params, list):
        raise RpcError(INVALID_REQUEST, 'invalid request: "params" must be an array').for_request(request_id)
    return Request(method, params, request_id, "id" not in entry)


def result(request_id: Any, value: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "result": value}


def error(request_id: Any, exc: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": exc.to_json()}


def notification(method: str, subscription: int, value: Any) -> dict[str, Any]:
    """A subscription's message: the subscribe method's name, `{subscription, result}` params."""
    return {"jsonrpc": "2.0", "method": method, "params": {"subscription": subscription, "result": value}}


def dumps(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"))
