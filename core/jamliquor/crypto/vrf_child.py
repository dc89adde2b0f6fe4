"""The VRF verification process (`vrf_worker.py`): answers ["ring", keys, input, aux, proof] and
["ietf", public, input, aux, signature] requests with ["ok", VRF output] or ["error", text],
each E_4(size) ‖ CBOR on stdin/stdout, until stdin closes. It imports nothing but the
Bandersnatch binding and reads the SRS on its first ring request, to stay small (~15 MB)."""

from __future__ import annotations

import struct
import sys
from collections import OrderedDict

import bandersnatch_vrfs as _vrf
import cbor2

SIZE = struct.Struct("<I")
RINGS = 4  # ring contexts kept: the current and next key sets, plus slack


def serve(srs_path: str) -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    srs: bytes | None = None
    rings: OrderedDict[tuple, object] = OrderedDict()
    while True:
        head = stdin.read(4)
        if len(head) < 4:
            return
        request = cbor2.loads(stdin.read(SIZE.unpack(head)[0]))
        try:
            if request[0] == "ring":
                _, keys, vrf_input, aux, proof = request
                key = tuple(keys)
                ring = rings.get(key)
                if ring is None:
                    srs = srs or open(srs_path, "rb").read()
                    ring = rings[key] = _vrf.RingContext(srs, list(key))
                    while len(rings) > RINGS:
                        rings.popitem(last=False)
                rings.move_to_end(key)
                answer = ["ok", bytes(ring.ring_vrf_verify(vrf_input, aux, proof))]
            else:
                _, public, vrf_input, aux, signature = request
                answer = ["ok", bytes(_vrf.ietf_vrf_verify(public, vrf_input, aux, signature))]
        except Exception as exc:  # an invalid proof: reported to the importer as such
            answer = ["error", f"{type(exc).__name__}: {exc}"]
        data = cbor2.dumps(answer)
        stdout.write(SIZE.pack(len(data)) + data)
        stdout.flush()


if __name__ == "__main__":
    serve(sys.argv[1])
