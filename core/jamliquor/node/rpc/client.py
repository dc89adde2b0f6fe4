"""A small blocking JIP-2 client (`websockets.sync`): one connection, calls answered in turn,
subscription notifications kept (boundedly) until asked for. Behind `jamliquor rpc-call`; tools
and the testnet use it to read a node."""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Sequence
from typing import Any

from websockets.exceptions import InvalidHandshake, InvalidURI, WebSocketException
from websockets.sync.client import ClientConnection, connect

from ...errors import JamLiquorError

MAX_PENDING_NOTIFICATIONS = 256


class RpcCallError(JamLiquorError):
    """The node answered with a JSON-RPC error, or could not be reached or understood."""

    def __init__(self, message: str, code: int | None = None, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.data = data


class RpcClient:
    def __init__(self, url: str, timeout: float = 10.0, max_message_bytes: int = 16 * 2**20) -> None:
        self.url = url
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._notifications: deque[dict[str, Any]] = deque(maxlen=MAX_PENDING_NOTIFICATIONS)
        try:
            self._ws: ClientConnection = connect(
                url, open_timeout=timeout, close_timeout=timeout, max_size=max_message_bytes, compression=None,
                proxy=None,  # a node's RPC is reached directly, never through a configured HTTP proxy
                legacy=True,  # a connection object we close ourselves (`close`), not a context manager
            )
        except InvalidURI as exc:
            raise RpcCallError(f"not a WebSocket URL: {url} ({exc})") from None
        except (InvalidHandshake, OSError, TimeoutError) as exc:
            raise RpcCallError(f"cannot connect to {url}: {exc or type(exc).__name__}") from None

    def __enter__(self) -> "RpcClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._ws.close()

    def _receive(self, timeout: float) -> dict[str, Any]:
        try:
            message = self._ws.recv(timeout=timeout)
        except TimeoutError:
            raise RpcCallError(f"no answer from {self.url} within {timeout} s") from None
        except WebSocketException as exc:
            raise RpcCallError(f"connection to {self.url} lost: {exc}") from None
        try:
            document = json.loads(message)
        except ValueError:
            raise RpcCallError(f"{self.url} sent a message that is not JSON") from None
        if not isinstance(document, dict):
            raise RpcCallError(f"{self.url} sent an unexpected JSON-RPC message")
        return document

    def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        """The result of `method(params)`; a JSON-RPC error raises RpcCallError with its code."""
        request_id = next(self._ids)
        try:
            self._ws.send(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)}))
        except WebSocketException as exc:
            raise RpcCallError(f"connection to {self.url} lost: {exc}") from None
        while True:
            document = self._receive(self.timeout)
            if "id" not in document:
                self._notifications.append(document)
                continue
            if document["id"] != request_id:
                continue
            if "error" in document:
                error = document["error"] if isinstance(document["error"], dict) else {}
                code = error.get("code")
                raise RpcCallError(f"{method}: {error.get('message', 'error')} (code {code})", code, error.get("data"))
            return document.get("result")

    def notification(self, timeout: float | None = None) -> dict[str, Any]:
        """The next subscription notification's params (`{subscription, result}`), in order."""
        while not self._notifications:
            document = self._receive(self.timeout if timeout is None else timeout)
            if "id" not in document:
                self._notifications.append(document)
        params = self._notifications.popleft().get("params")
        if not isinstance(params, dict):
            raise RpcCallError(f"{self.url} sent a notification without params")
        return params


def rpc_call(url: str, method: str, params: Sequence[Any] = (), timeout: float = 10.0) -> Any:
    """One call on a fresh connection."""
    with RpcClient(url, timeout) as client:
        return client.call(method, params)
