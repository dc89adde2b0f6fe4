"""`jamliquor bench pqc`: post-quantum schemes through the hooks (normally `jamliquor-pqc`).

Key generation, signing and verification per signature scheme (Ed25519 for scale), key
generation, encapsulation and decapsulation per KEM, and XMSS key generation per tree height
(`JAMLIQUOR_BENCH_XMSS_HEIGHTS`, default "10"; "10,16" adds the minutes-long h = 16); `--quick`
leaves XMSS out (its key generation alone takes seconds). XMSS state goes to a temporary data
directory, never the node's. Each scheme runs on whatever backend the plugin routes it to
(jamliquor-pqc: `cryptography`, with pycryptodome for `-det` and ML-KEM-512;
`JAMLIQUOR_PQC_BACKEND=pycryptodome` measures pycryptodome for everything).
"""

from __future__ import annotations

import itertools
import os
import tempfile
import time
from collections.abc import Callable, Iterator

from ..crypto import schemes
from ..errors import JamLiquorError
from ..plugins import default_host
from . import ops_per_second

SIGNATURES = ("ed25519", "ml-dsa-44", "ml-dsa-65", "ml-dsa-87", "ml-dsa-65-det", "ed25519+ml-dsa-65", "xmss-sha2_10_256")
KEMS = ("ml-kem-512", "ml-kem-768", "ml-kem-1024", "x25519+ml-kem-768")
MESSAGE = bytes(range(256)) * 4  # 1 KiB
# Signing cycles through distinct 1 KiB messages: ML-DSA's rejection loop runs a message-dependent
# number of rounds when rnd is fixed (`-det`), so one message would time one lucky or unlucky case.
MESSAGES = tuple(i.to_bytes(2, "big") + MESSAGE[2:] for i in range(64))


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(quick: bool) -> Iterator[tuple[str, float, str]]:
    host = default_host()
    offered, kems = set(host.signature_schemes()), set(host.kem_schemes())
    if not offered & set(SIGNATURES[1:]) and not kems & set(KEMS):
        raise JamLiquorError("no loaded plugin offers post-quantum schemes: install and enable jamliquor-pqc")
    s = 0.05 if quick else 0.5
    old = os.environ.get("JAMLIQUOR_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="jamliquor-bench-pqc-") as scratch:
        os.environ["JAMLIQUOR_DATA_DIR"] = scratch
        try:
            yield from _signatures(host, offered - ({"xmss-sha2_10_256"} if quick else set()), s)
            yield from _kems(host, kems, s)
            yield from _xmss_keygen(host, offered, quick)
        finally:
            if old is None:
                os.environ.pop("JAMLIQUOR_DATA_DIR", None)
            else:
                os.environ["JAMLIQUOR_DATA_DIR"] = old


def _signatures(host, offered: set[str], s: float) -> Iterator[tuple[str, float, str]]:
    for scheme in SIGNATURES:
        if scheme not in offered:
            continue
        if scheme.startswith("xmss"):  # key generation is per height, below; one key here
            public, secret = schemes.keygen(scheme, b"", host=host)
        else:
            yield f"{scheme} keygen", ops_per_second(lambda: schemes.keygen(scheme, b"", host=host), s), "ops/s"
            public, secret = schemes.keygen(scheme, b"", host=host)
        sig = schemes.sign(scheme, secret, MESSAGE, host=host)
        messages = itertools.cycle(MESSAGES)
        yield f"{scheme} sign (1 KiB)", ops_per_second(lambda: schemes.sign(scheme, secret, next(messages), host=host), s), "ops/s"
        yield f"{scheme} verify (1 KiB)", ops_per_second(lambda: schemes.verify(scheme, public, MESSAGE, sig, host=host), s), "ops/s"
        yield f"{scheme} public key", float(len(public)), "bytes"
        yield f"{scheme} signature", float(len(sig)), "bytes"


def _kems(host, kems: set[str], s: float) -> Iterator[tuple[str, float, str]]:
    for scheme in KEMS:
        if scheme not in kems:
            continue
        yield f"{scheme} keygen", ops_per_second(lambda: schemes.kem_keygen(scheme, b"", host=host), s), "ops/s"
        public, secret = schemes.kem_keygen(scheme, b"", host=host)
        ciphertext, _ = schemes.kem_encapsulate(scheme, public, host=host)
        yield f"{scheme} encapsulate", ops_per_second(lambda: schemes.kem_encapsulate(scheme, public, host=host), s), "ops/s"
        yield f"{scheme} decapsulate", ops_per_second(lambda: schemes.kem_decapsulate(scheme, secret, ciphertext, host=host), s), "ops/s"


def _xmss_keygen(host, offered: set[str], quick: bool) -> Iterator[tuple[str, float, str]]:
    heights = [] if quick else [h.strip() for h in os.environ.get("JAMLIQUOR_BENCH_XMSS_HEIGHTS", "10").split(",") if h.strip()]
    for height in heights:
        scheme = f"xmss-sha2_{height}_256"
        if scheme in offered:
            seconds = _timed(lambda: schemes.keygen(scheme, b"", host=host))
            yield f"{scheme} keygen ({os.cpu_count()} cores)", seconds, "s"
