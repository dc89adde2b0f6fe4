"""A stand-in for the PVM as a host call sees it (`jamliquor.execution.GuestAccess`), for testing
host calls without a PVM: 13 registers, a gas counter and paged memory with per-page access.

Memory follows GP A: 2^32 octets in pages of 4 KiB, each inaccessible, read-only or read-write;
a range is accessible only if it lies wholly below 2^32 on accessible pages (an empty range always is).
"""

from __future__ import annotations

from jamliquor.execution import GuestFault

PAGE = 4096
MEMORY = 1 << 32
NONE, READ, WRITE = 0, 1, 2


class FakeGuest:
    def __init__(self, registers: list[int] | None = None, gas: int = 1_000_000) -> None:
        self.registers = list(registers or [0] * 13)
        self.gas = gas
        self.pages: dict[int, tuple[int, bytearray]] = {}

    def map(self, address: int, data: bytes = b"", access: int = WRITE, length: int | None = None) -> None:
        """Make [address, address + max(len(data), length)) accessible and fill it with `data`."""
        size = max(len(data), length or 0)
        for page in range(address // PAGE, (address + size + PAGE - 1) // PAGE):
            self.pages.setdefault(page, (access, bytearray(PAGE)))
            self.pages[page] = (access, self.pages[page][1])
        for i, b in enumerate(data):
            self.pages[(address + i) // PAGE][1][(address + i) % PAGE] = b

    def _accessible(self, address: int, length: int, need: int) -> int | None:
        """The first inaccessible address of the range, or None."""
        if length == 0:
            return None
        if address >= MEMORY or address + length > MEMORY:
            return max(address, MEMORY - 1) if address < MEMORY else address
        for page in range(address // PAGE, (address + length - 1) // PAGE + 1):
            access = self.pages.get(page, (NONE, None))[0]
            if access < need:
                return max(address, page * PAGE)
        return None

    def is_readable(self, address: int, length: int) -> bool:
        return self._accessible(address, length, READ) is None

    def is_writable(self, address: int, length: int) -> bool:
        return self._accessible(address, length, WRITE) is None

    def read(self, address: int, length: int) -> bytes:
        bad = self._accessible(address, length, READ)
        if bad is not None:
            raise GuestFault(bad)
        return bytes(self.pages[(address + i) // PAGE][1][(address + i) % PAGE] for i in range(length))

    def write(self, address: int, data: bytes) -> None:
        bad = self._accessible(address, len(data), WRITE)
        if bad is not None:
            raise GuestFault(bad)
        for i, b in enumerate(data):
            self.pages[(address + i) // PAGE][1][(address + i) % PAGE] = b

    def snapshot(self) -> dict[int, tuple[int, bytes]]:
        return {p: (a, bytes(d)) for p, (a, d) in self.pages.items()}
