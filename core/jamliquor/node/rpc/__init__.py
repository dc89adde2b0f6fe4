"""JIP-2 node RPC (`specs/JIP-2.md`): JSON-RPC 2.0 over WebSocket, reading only a `ChainView`.

`jsonrpc` frames requests and errors, `wire` spells JIP-2's types (base64 hashes and blobs),
`methods` answers the methods, `subscriptions` defines what each `subscribe…` follows,
`server` runs it on `websockets`, and `client` is the small caller behind `jamliquor rpc-call`.
"""

from .server import DEFAULT_PORT, RpcLimits, RpcServer, serve_rpc

__all__ = ["DEFAULT_PORT", "RpcLimits", "RpcServer", "serve_rpc"]
