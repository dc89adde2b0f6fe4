"""The VRF verification process (`vrf_worker.py`): answers ["ring", keys, input, aux, proof] and
["ietf", public, input, aux, signature] requests with ["ok", VRF output] or ["error", text],
each E_4(size) ‖ CBOR on stdin/stdout, until stdin closes. It imports nothing but the
Bandersnatch binding and reads the SRS only to build a ring context (on a "ring" request, or a
"warm" one that asks for it ahead and gets no answer), to stay small (~15 MB)."""

from __future__ import annotations

import struct
import sys
from collections import OrderedDict

import bandersnatch_vrfs as _vrf
import cbor2

SIZE = struct.Struct("<I")
RINGS = 4  # ring contexts kept: the current and next key sets, plus slack


def _ring(rings: OrderedDict, keys: list, srs_path: str) -> object:
    key = tuple(keys)
    ring = rings.get(key)
    if ring is None:
        with open(srs_path, "rb") as f:
            ring = rings[key] = _vrf.RingContext(f.read(), list(key))
        while len(rings) > RINGS:
            rings.popitem(last=False)
    rings.move_to_end(key)
    return ring


def serve(srs_path: str) -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    rings: OrderedDict[tuple, object] = OrderedDict()
    while True:
        head = stdin.read(4)
        if len(head) < 4:
            return
        request = cbor2.loads(stdin.read(SIZE.unpack(head)[0]))
        if request[0] == "warm":  # a ring context wanted soon: built now, not answered
            try:
                _ring(rings, request[1], srs_path)
            except Exception:  # noqa: BLE001 - a bad key set: the ring request itself reports it
                pass
            continue
        try:
            if request[0] == "ring":
                _, keys, vrf_input, aux, proof = request
                ring = _ring(rings, keys, srs_path)
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
