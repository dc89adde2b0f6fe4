"""The prover process (`prover.py`): answers [ring, index, secret, VRF input] requests with
["ok", ring-VRF proof] or ["error", text], each E_4(size) ‖ CBOR on stdin/stdout, until stdin
closes. It imports nothing but the Bandersnatch binding, to stay small."""

from __future__ import annotations

import struct
import sys

import cbor2

from ..crypto import bandersnatch

SIZE = struct.Struct("<I")


def serve() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = stdin.read(4)
        if len(head) < 4:
            return
        ring, index, secret, vrf_input = cbor2.loads(stdin.read(SIZE.unpack(head)[0]))
        try:
            answer = ["ok", bandersnatch.ring_sign(list(ring), index, secret, vrf_input, b"")]
        except Exception as exc:  # reported to the node, which logs it
            answer = ["error", f"{type(exc).__name__}: {exc}"]
        data = cbor2.dumps(answer)
        stdout.write(SIZE.pack(len(data)) + data)
        stdout.flush()


if __name__ == "__main__":
    serve()
