"""XMSS / XMSS^MT known answers (liboqs `.rsp`, Botan `.vec`; RFC 8391 has no official
vectors), checked through the scheme hooks.

Per key: the public and secret key rebuilt from its seeds (`keygen`), the first signature
reproduced (`sign` — the key's first one-time index is 0 in the run's fresh state), and every
given signature verified. Building a key means computing its whole tree: heights above
``JAMLIQUOR_PQC_XMSS_MAX_HEIGHT`` (default 10) are only verified, and named as skipped. A
stateful signer never signs twice at one index, so a second message under the same key (Botan
signs several at index 0) is verified rather than re-signed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from ..crypto import schemes
from ..plugins import PluginHost
from . import CaseResult, guarded
from .acvp import Skips

MAX_HEIGHT_ENV = "JAMLIQUOR_PQC_XMSS_MAX_HEIGHT"
_NAME = re.compile(r"^(xmss|xmssmt)-([a-z0-9]+)_(\d+)(?:[-/](\d+))?_(\d+)$")


def max_height() -> int:
    return int(os.environ.get(MAX_HEIGHT_ENV, "10"))


def scheme_name(raw: str) -> str:
    """`XMSS-SHA2_10_256` / `SHA2_10_256` / `XMSSMT-SHA2_20-2_256` → the hook's scheme name."""
    name = raw.strip().lower()
    if not name.startswith("xmss"):
        name = "xmss-" + name
    return name.replace("-", "/").replace("/", "-", 1)


def shape(scheme: str) -> tuple[int, int, int]:
    """(n, total height, tree height) of a scheme name."""
    m = _NAME.match(scheme)
    if m is None:
        raise ValueError(f"not an XMSS scheme name: {scheme}")
    height, layers = int(m.group(3)), int(m.group(4) or 1)
    return int(m.group(5)) // 8, height, height // layers


def _too_tall(scheme: str) -> str | None:
    _, height, tree_height = shape(scheme)
    if tree_height <= max_height():
        return None
    cost = "hours in Python" if tree_height >= 20 else "minutes each, see the README"
    return f"key generation and signing need a whole 2^{tree_height}-leaf tree ({cost}); above {MAX_HEIGHT_ENV}={max_height()}"


def _parse_rsp(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition(" = ")
        if sep:
            out[key.strip()] = value.strip()
    return out


def _parse_vec(path: Path) -> list[dict[str, str]]:
    cases, current = [], {}
    for line in path.read_text().splitlines() + [""]:
        line = line.strip()
        if not line or line.startswith("#"):
            if "Params" in current and len(current) > 1:
                cases.append(current)
                current = {}
            continue
        key, _, value = line.partition("=")
        current[key.strip()] = value.strip()
    return cases


def _index_bytes(scheme: str) -> int:
    _, height, tree_height = shape(scheme)
    return 4 if height == tree_height else (height + 7) // 8


def liboqs_case(host: PluginHost, path: Path, skips: Skips) -> Iterator[CaseResult]:
    case = _parse_rsp(path)
    scheme = scheme_name(path.stem)
    label = f"XMSS liboqs {path.stem}"
    if scheme not in host.signature_schemes():
        skips[(label, f"{scheme} not offered by the loaded plugins", True)] += 3
        return
    public, sm = bytes.fromhex(case["pk"]), bytes.fromhex(case["sm"])
    message = bytes.fromhex(case["msg"])[: int(case["mlen"])]
    yield guarded(f"{label} verify", lambda: None if schemes.verify(scheme, public, message, sm, host=host) else "signature does not verify")
    yield guarded(f"{label} rejects a modified message",
                  lambda: "modified message verifies" if schemes.verify(scheme, public, message + b"\0", sm, host=host) else None)
    reason = _too_tall(scheme)
    if reason:
        skips[(f"XMSS {scheme} keygen and first signature", reason, True)] += 2
        return
    n, ib = shape(scheme)[0], _index_bytes(scheme)
    sk = bytes.fromhex(case["sk"])
    body = sk[4 + ib :]
    seed = body[:n] + body[n : 2 * n] + body[3 * n : 4 * n]  # SK_SEED ‖ SK_PRF ‖ PUB_SEED
    state: dict[str, bytes] = {}

    def keygen() -> str | None:
        got_public, secret = schemes.keygen(scheme, seed, host=host)
        state["secret"] = secret
        if got_public != public:
            return "public key differs"
        return None if secret == sk[: len(secret)] else "secret key differs"

    def sign() -> str | None:
        if "secret" not in state:
            return "no key (keygen failed)"
        return None if schemes.sign(scheme, state["secret"], message, host=host) == sm else "first signature differs"

    yield guarded(f"{label} keygen", keygen)
    yield guarded(f"{label} sign at index 0", sign)


def _botan_fields(scheme: str, private: bytes) -> dict[str, bytes] | None:
    """Botan's private key layout: OID, root, PUB_SEED, idx (4), SK_PRF, SK_SEED, [derivation]."""
    n = shape(scheme)[0]
    if len(private) not in (4 + 4 * n + 4, 4 + 4 * n + 5):
        return None
    oid, root, pub_seed = private[:4], private[4 : 4 + n], private[4 + n : 4 + 2 * n]
    idx, sk_prf, sk_seed = private[4 + 2 * n : 8 + 2 * n], private[8 + 2 * n : 8 + 3 * n], private[8 + 3 * n : 8 + 4 * n]
    legacy = len(private) == 4 + 4 * n + 4 or private[-1] == 0x01
    return {"oid": oid, "root": root, "pub_seed": pub_seed, "idx": idx, "sk_prf": sk_prf, "sk_seed": sk_seed,
            "public": oid + root + pub_seed, "legacy": b"\1" if legacy else b""}


def botan_keygen(host: PluginHost, path: Path, skips: Skips) -> Iterator[CaseResult]:
    for number, case in enumerate(_parse_vec(path)):
        scheme = scheme_name(case["Params"])
        label = f"XMSS Botan keygen #{number} {scheme}"
        if scheme not in host.signature_schemes():
            skips[(label, f"{scheme} not offered by the loaded plugins", True)] += 1
            continue
        seed = bytes.fromhex(case["SecretSeed"] + case["SecretPrf"] + case["PublicSeed"])

        def check(case=case, scheme=scheme, seed=seed) -> str | None:
            public, secret = schemes.keygen(scheme, seed, host=host)
            if public != bytes.fromhex(case["PublicKey"]):
                return "public key differs"
            n, ours = shape(scheme)[0], secret[8:]
            botan = _botan_fields(scheme, bytes.fromhex(case["PrivateKey"]))
            mine = {"sk_seed": ours[:n], "sk_prf": ours[n : 2 * n], "root": ours[2 * n : 3 * n], "pub_seed": ours[3 * n :]}
            return None if botan and all(botan[k] == v for k, v in mine.items()) and not botan["legacy"] else "secret key fields differ"

        yield guarded(label, check)


def botan_sig(host: PluginHost, path: Path, skips: Skips) -> Iterator[CaseResult]:
    signed: set[bytes] = set()
    for number, case in enumerate(_parse_vec(path)):
        scheme = scheme_name(case["Params"])
        label = f"XMSS Botan sig #{number} {scheme}"
        if scheme not in host.signature_schemes():
            skips[(label, f"{scheme} not offered by the loaded plugins", True)] += 1
            continue
        private, message, expected = (bytes.fromhex(case[k]) for k in ("PrivateKey", "Msg", "Signature"))
        fields = _botan_fields(scheme, private)
        if fields is None:
            yield CaseResult(label, "private key of unexpected length")
            continue
        yield guarded(f"{label} verify",
                      lambda f=fields, s=scheme, m=message, e=expected: None if schemes.verify(s, f["public"], m, e, host=host) else "signature does not verify")
        if fields["legacy"]:
            skips[("XMSS Botan sig with legacy keys", "Botan 2.x WOTS+ key derivation, not RFC 8391 / SP 800-208: cannot be rebuilt from the seeds (verified only)", False)] += 1
            continue
        if private in signed:
            skips[("XMSS Botan sig, further messages at index 0", "a stateful signer never signs twice at one index (verified only)", False)] += 1
            continue
        reason = _too_tall(scheme)
        if reason:
            skips[(f"XMSS {scheme} signing", reason, False)] += 1
            continue
        signed.add(private)

        def sign(f=fields, s=scheme, m=message, e=expected) -> str | None:
            public, secret = schemes.keygen(s, f["sk_seed"] + f["sk_prf"] + f["pub_seed"], host=host)
            if public != f["public"]:
                return "public key from the seeds differs"
            return None if schemes.sign(s, secret, m, host=host) == e else "signature at index 0 differs"

        yield guarded(f"{label} sign at index 0", sign)


def botan_verify(host: PluginHost, path: Path, skips: Skips) -> Iterator[CaseResult]:
    for number, case in enumerate(_parse_vec(path)):
        scheme = scheme_name(case["Params"])
        label = f"XMSS Botan verify #{number} {scheme}"
        if scheme not in host.signature_schemes():
            skips[(label, f"{scheme} not offered by the loaded plugins", True)] += 1
            continue
        public, message, signature = (bytes.fromhex(case[k]) for k in ("PublicKey", "Msg", "Signature"))
        yield guarded(label, lambda s=scheme, p=public, m=message, g=signature: None if schemes.verify(s, p, m, g, host=host) else "signature does not verify")
