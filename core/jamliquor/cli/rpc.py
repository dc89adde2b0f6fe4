"""`jamliquor rpc-call METHOD [PARAMS_JSON]`: one JIP-2 call against a node's RPC, result as JSON."""

from __future__ import annotations

import json
from typing import Optional

import typer

from .errors import UsageError

DEFAULT_URL = "ws://127.0.0.1:19800"  # JIP-2's port (node.rpc.DEFAULT_PORT; kept literal so --help stays fast)


def rpc_call(
    method: str = typer.Argument(..., help="A JIP-2 method, e.g. bestBlock, listServices, subscribeBestBlock."),
    params: Optional[str] = typer.Argument(None, help='Arguments as a JSON array, e.g. \'["<base64 hash>", 0]\'.'),
    url: str = typer.Option(DEFAULT_URL, "--url", help="The node's RPC endpoint."),
    timeout: float = typer.Option(10.0, "--timeout", min=0.1, help="Seconds to wait for connecting and for each answer."),
    notifications: int = typer.Option(0, "--notifications", min=0, help="After a subscribe…, also print this many notifications."),
) -> None:
    """Call METHOD and print its result as one line of JSON (then N notification results)."""
    from ..node.rpc.client import RpcClient  # websockets loads only for this command

    try:
        args = json.loads(params) if params is not None else []
    except ValueError:
        raise UsageError(f"PARAMS_JSON is not JSON: {params}") from None
    if not isinstance(args, list):
        raise UsageError("PARAMS_JSON must be a JSON array (JIP-2 arguments are positional)")
    with RpcClient(url, timeout) as client:
        typer.echo(json.dumps(client.call(method, args)))
        for _ in range(notifications):
            typer.echo(json.dumps(client.notification()["result"]))
