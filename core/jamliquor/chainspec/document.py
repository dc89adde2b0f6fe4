"""The JIP-4 chainspec document: load (also files other implementations wrote) and write.

Keys of `genesis_state` are 62 hex characters (31-byte state keys), values hex of any length;
`genesis_header` is the JAM-encoded header (its size depends on the parameters' V and E);
`protocol_parameters` is the GP B.5 fetch encoding (`spec.decode_parameters`). Hex may carry a
`0x` prefix. Fields this version does not know are kept and written back unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..block import header_hash
from ..codec import CodecError, decode, encode
from ..errors import JamLiquorError
from ..spec import ChainSpec, ParametersError, decode_parameters, encode_parameters
from ..state import ChainState
from ..state.keys import KEY_SIZE
from ..types import Header
from .bootnodes import Bootnode, BootnodeError

_KNOWN = ("id", "bootnodes", "genesis_header", "genesis_state", "protocol_parameters")


class ChainspecError(JamLiquorError, ValueError):
    """A chainspec file that is not valid JSON or not a valid JIP-4 document."""


def _hex(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise ChainspecError(f"{what} must be a hex string, got {type(value).__name__}")
    text = value[2:] if value[:2] in ("0x", "0X") else value
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ChainspecError(f"{what} is not hex: {value[:40]!r}") from None


@attrs.frozen(slots=True)
class ChainspecFile:
    """A JIP-4 chainspec: network id, bootnodes, genesis header and state, protocol parameters."""

    id: str
    spec: ChainSpec
    genesis_header: Header
    genesis_state: Mapping[bytes, bytes]
    bootnodes: tuple[Bootnode, ...] = ()
    extra: Mapping[str, Any] = attrs.field(factory=dict)  # fields unknown to JIP-4 as we read it

    def genesis_hash(self) -> bytes:
        return header_hash(self.genesis_header, self.spec)

    def state(self) -> ChainState:
        return ChainState(dict(self.genesis_state), self.spec)

    # ------------------------------------------------------------------ JSON

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"id": self.id}
        if self.bootnodes:
            document["bootnodes"] = [str(b) for b in self.bootnodes]
        document["genesis_header"] = encode(self.genesis_header, self.spec).hex()
        document["genesis_state"] = {k.hex(): v.hex() for k, v in sorted(self.genesis_state.items())}
        document["protocol_parameters"] = encode_parameters(self.spec).hex()
        document.update(self.extra)
        return document

    @classmethod
    def from_json(cls, document: Any) -> "ChainspecFile":
        if not isinstance(document, dict):
            raise ChainspecError("a chainspec is a JSON object")
        missing = [k for k in ("id", "genesis_header", "genesis_state", "protocol_parameters") if k not in document]
        if missing:
            raise ChainspecError(f"chainspec lacks {', '.join(missing)}")
        if not isinstance(document["id"], str):
            raise ChainspecError("chainspec id must be a string")
        try:
            spec = decode_parameters(_hex(document["protocol_parameters"], "protocol_parameters"))
        except ParametersError as exc:
            raise ChainspecError(f"protocol_parameters: {exc} (GP v0.7.2 B.5 layout)") from None
        try:
            header = decode(Header, _hex(document["genesis_header"], "genesis_header"), spec)
        except CodecError as exc:
            raise ChainspecError(f"genesis_header does not decode under these parameters: {exc}") from None
        state_json = document["genesis_state"]
        if not isinstance(state_json, dict):
            raise ChainspecError("genesis_state must be an object of hex keys to hex values")
        state: dict[bytes, bytes] = {}
        for key_hex, value_hex in state_json.items():
            key = _hex(key_hex, f"genesis_state key {key_hex[:16]}…")
            if len(key) != KEY_SIZE:
                raise ChainspecError(f"genesis_state key {key_hex!r} is {len(key)} bytes, want {KEY_SIZE} (62 hex characters)")
            state[key] = _hex(value_hex, f"genesis_state value of {key_hex}")
        bootnodes = document.get("bootnodes") or []
        if not isinstance(bootnodes, list):
            raise ChainspecError("bootnodes must be a list of strings")
        if not all(isinstance(b, str) for b in bootnodes):
            raise ChainspecError("bootnodes must be strings <name>@<ip>:<port>")
        try:
            nodes = tuple(Bootnode.parse(b) for b in bootnodes)
        except BootnodeError as exc:
            raise ChainspecError(str(exc)) from None
        extra = {k: v for k, v in document.items() if k not in _KNOWN}
        return cls(document["id"], spec, header, state, nodes, extra)

    def write(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n")


def load_chainspec(path: Path) -> ChainspecFile:
    """Read a JIP-4 file (ours or another implementation's)."""
    try:
        document = json.loads(Path(path).read_text())
    except json.JSONDecodeError as exc:
        raise ChainspecError(f"{path} is not JSON: {exc}") from None
    try:
        return ChainspecFile.from_json(document)
    except ChainspecError as exc:
        raise ChainspecError(f"{path}: {exc}") from None
