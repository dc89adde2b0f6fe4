"""JIP-4 bootnode entries `<name>@<ip>:<port>`: name = N(k) of the node's Ed25519 key (JAMNP-S),
ip an IPv4 or IPv6 address (IPv6 optionally in brackets)."""

from __future__ import annotations

import ipaddress

import attrs

from ..errors import JamLiquorError
from ..keys.names import KeyNameError, key_from_name


class BootnodeError(JamLiquorError, ValueError):
    """A bootnode entry that is not `<name>@<ip>:<port>`."""


@attrs.frozen(slots=True)
class Bootnode:
    name: str
    host: str  # an IP address, without brackets
    port: int

    @property
    def ed25519(self) -> bytes:
        return key_from_name(self.name)

    @classmethod
    def parse(cls, text: str) -> "Bootnode":
        name, at, address = text.partition("@")
        host, colon, port = address.rpartition(":")
        if not at or not colon:
            raise BootnodeError(f"bootnode {text!r} is not <name>@<ip>:<port>")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        try:
            key_from_name(name)
            ip = ipaddress.ip_address(host)
            number = int(port)
        except (KeyNameError, ValueError) as exc:
            raise BootnodeError(f"bootnode {text!r}: {exc}") from None
        if not 0 < number < 65536:
            raise BootnodeError(f"bootnode {text!r}: port {number} out of range")
        return cls(name, str(ip), number)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.name}@{host}:{self.port}"
