"""NIST ACVP ML-DSA (FIPS 204) and ML-KEM (FIPS 203) vectors, checked through the scheme hooks.

What the hooks can express, and so what runs (everything else is reported as skipped, why):

* ML-DSA keyGen: `keygen(ξ)` gives pk (compared). The expected sk is the expanded encoding,
  which the plugin never produces: its secrets are the seed ξ.
* ML-DSA sigVer, every interface: pure through `verify` with the context; the internal
  interface, external µ and HashML-DSA through the `-mu` schemes, with µ computed here
  (Algorithm 7 line 6: µ = H(H(pk, 64) ‖ M′, 64); Algorithm 4 for HashML-DSA's M′).
* ML-DSA sigGen: each expected signature must verify under pk = keygen(ξ) (the seed-format
  tests). Reproducing it byte for byte needs deterministic or given-rnd signing, which `sign`
  does not offer (it is hedged); expanded-sk tests give no ξ and no pk, and pk cannot be derived
  from an expanded key through the hooks.
* ML-KEM keyGen: `kem_keygen(d ‖ z)` gives ek (compared; dk is the expanded form, as above).
  Decapsulation with a seed-format key (tr1): `kem_decapsulate` must give k, also for modified
  ciphertexts (implicit rejection). encapsulationKeyCheck: `kem_encapsulate(ek)` must refuse
  exactly the invalid keys. Encapsulation with a given m (`kem_encapsulate` draws its own
  randomness), and everything taking an expanded dk, cannot be expressed.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from ..crypto import schemes
from ..crypto.schemes import SchemeInputError
from ..plugins import PluginHost
from . import CaseResult, guarded

_HASH_OID = {  # FIPS 204 §5.4: the DER OID of the pre-hash function, and the function
    "SHA2-224": (0x04, lambda m: hashlib.sha224(m).digest()),
    "SHA2-256": (0x01, lambda m: hashlib.sha256(m).digest()),
    "SHA2-384": (0x02, lambda m: hashlib.sha384(m).digest()),
    "SHA2-512": (0x03, lambda m: hashlib.sha512(m).digest()),
    "SHA2-512/224": (0x05, lambda m: hashlib.new("sha512_224", m).digest()),
    "SHA2-512/256": (0x06, lambda m: hashlib.new("sha512_256", m).digest()),
    "SHA3-224": (0x07, lambda m: hashlib.sha3_224(m).digest()),
    "SHA3-256": (0x08, lambda m: hashlib.sha3_256(m).digest()),
    "SHA3-384": (0x09, lambda m: hashlib.sha3_384(m).digest()),
    "SHA3-512": (0x0A, lambda m: hashlib.sha3_512(m).digest()),
    "SHAKE-128": (0x0B, lambda m: hashlib.shake_128(m).digest(32)),
    "SHAKE-256": (0x0C, lambda m: hashlib.shake_256(m).digest(64)),
}

Skips = Counter  # (label, reason, whole) -> cases; whole: the case did not run at all,
# otherwise the case ran and only the named aspect could not be checked


def _hex(test: dict, key: str) -> bytes:
    return bytes.fromhex(test.get(key, ""))


def mu(public: bytes, group: dict, test: dict) -> bytes | None:
    """µ of FIPS 204 Algorithm 7/8 line 6 for any ACVP interface; None for the pure interface."""
    if group.get("signatureInterface") == "internal":
        if group.get("externalMu"):
            return _hex(test, "mu")
        m_prime = _hex(test, "message")
    elif group.get("preHash") == "preHash":
        oid_tail, ph = _HASH_OID[test["hashAlg"]]
        ctx = _hex(test, "context")
        m_prime = bytes([1, len(ctx)]) + ctx + bytes.fromhex("06096086480165030402") + bytes([oid_tail]) + ph(_hex(test, "message"))
    else:
        return None
    tr = hashlib.shake_256(public).digest(64)
    return hashlib.shake_256(tr + m_prime).digest(64)


def _verify(host: PluginHost, ps: str, public: bytes, group: dict, test: dict, signature: bytes) -> bool:
    m = mu(public, group, test)
    if m is None:
        return schemes.verify(ps.lower(), public, _hex(test, "message"), signature, _hex(test, "context"), host=host)
    return schemes.verify(ps.lower() + "-mu", public, m, signature, host=host)


def _interface(group: dict) -> str:
    if group.get("signatureInterface") == "internal":
        return "internal, external µ" if group.get("externalMu") else "internal"
    return "external, HashML-DSA" if group.get("preHash") == "preHash" else "external, pure"


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _offered(host: PluginHost, group: dict, skips: Skips, label: str) -> str | None:
    """The scheme name for the group's parameter set, or None (counted as skipped) if not offered."""
    ps = group["parameterSet"].lower()
    kem = ps.startswith("ml-kem")
    offered = host.kem_schemes() if kem else host.signature_schemes()
    needs_mu = group.get("signatureInterface") == "internal" or group.get("preHash") == "preHash"
    needed = [ps, ps + "-mu"] if needs_mu else [ps]
    if not all(n in offered for n in needed):
        skips[(f"{label} {group['parameterSet']}", f"{' and '.join(needed)} not offered by the loaded plugins", True)] += len(group["tests"])
        return None
    return ps


def mldsa_keygen(host: PluginHost, path: Path, skips: Skips) -> Iterator[CaseResult]:
    for group in _load(path)["testGroups"]:
        ps = _offered(host, group, skips, "ML-DSA keyGen")
        if ps is None:
            continue
        skips[("ML-DSA keyGen expanded sk", "secrets are the FIPS 204 seed ξ; the expanded sk encoding is never produced (pk is compared)", False)] += len(group["tests"])
        for test in group["tests"]:
            def check(test=test) -> str | None:
                public, _ = schemes.keygen(ps, _hex(test, "seed"), host=host)
                return None if public == _hex(test, "pk") else "pk differs"
            yield guarded(f"ML-DSA keyGen {group['parameterSet']} tcId {test['tcId']}", check)


def mldsa_sigver(host: PluginHost, path: Path, skips: Skips) -> Iterator[CaseResult]:
    for group in _load(path)["testGroups"]:
        ps = _offered(host, group, skips, f"ML-DSA sigVer ({_interface(group)})")
        if ps is None:
            continue
        for test in group["tests"]:
            def check(test=test, group=group) -> str | None:
                got = _verify(host, ps, _hex(test, "pk"), group, test, _hex(test, "signature"))
                return None if got == test["testPassed"] else f"verify gave {got}, expected {test['testPassed']} ({test.get('reason', '')})"
            yield guarded(f"ML-DSA sigVer {group['parameterSet']} {_interface(group)} tcId {test['tcId']}", check)


def mldsa_siggen(host: PluginHost, prompt: Path, expected: Path, skips: Skips) -> Iterator[CaseResult]:
    results = {(g["tgId"], t["tcId"]): t for g in _load(expected)["testGroups"] for t in g["tests"]}
    revision = _load(prompt).get("revision", "")
    for group in _load(prompt)["testGroups"]:
        label = f"ML-DSA sigGen {revision} ({_interface(group)})"
        ps = _offered(host, group, skips, label)
        if ps is None:
            continue
        kind = "deterministic" if group.get("deterministic") else "hedged"
        if group.get("keyFormat", "expanded") != "seed":
            skips[(f"ML-DSA sigGen {revision} with expanded keys",
                   "the tests give only the expanded sk (no ξ, no pk); pk cannot be derived from an "
                   "expanded key through the hooks, so the expected signatures cannot be verified", True)] += len(group["tests"])
            continue
        skips[(f"ML-DSA sigGen {revision} exact signatures",
               "the sign hook is hedged with its own randomness: deterministic and given-rnd signing "
               "(FIPS 204 Algorithm 7) cannot be asked for, so expected signatures are verified instead", False)] += len(group["tests"])
        for test in group["tests"]:
            def check(test=test, group=group) -> str | None:
                public, _ = schemes.keygen(ps, _hex(test, "seed"), host=host)
                signature = bytes.fromhex(results[(group["tgId"], test["tcId"])]["signature"])
                return None if _verify(host, ps, public, group, test, signature) else "expected signature does not verify"
            yield guarded(f"ML-DSA sigGen {revision} {group['parameterSet']} {kind} {_interface(group)} tcId {test['tcId']}", check)


def mlkem_keygen(host: PluginHost, path: Path, skips: Skips) -> Iterator[CaseResult]:
    for group in _load(path)["testGroups"]:
        ps = _offered(host, group, skips, "ML-KEM keyGen")
        if ps is None:
            continue
        skips[("ML-KEM keyGen expanded dk", "secrets are the FIPS 203 seed d ‖ z; the expanded dk is never produced (ek is compared)", False)] += len(group["tests"])
        for test in group["tests"]:
            def check(test=test) -> str | None:
                public, _ = schemes.kem_keygen(ps, _hex(test, "d") + _hex(test, "z"), host=host)
                return None if public == _hex(test, "ek") else "ek differs"
            yield guarded(f"ML-KEM keyGen {group['parameterSet']} tcId {test['tcId']}", check)


def _ek_check(host: PluginHost, ps: str, test: dict) -> str | None:
    try:
        schemes.kem_encapsulate(ps, _hex(test, "ek"), host=host)
        accepted = True
    except SchemeInputError:
        accepted = False
    return None if accepted == test["testPassed"] else f"key {'accepted' if accepted else 'refused'}, expected testPassed={test['testPassed']}"


def _decaps_seed(host: PluginHost, ps: str, test: dict) -> str | None:
    _, secret = schemes.kem_keygen(ps, _hex(test, "d") + _hex(test, "z"), host=host)
    k = schemes.kem_decapsulate(ps, secret, _hex(test, "c"), host=host)
    return None if k == _hex(test, "k") else f"k differs ({test.get('reason', '')})"


_NOT_EXPRESSIBLE = {
    "encapsulation": "kem_encapsulate draws its own randomness: encapsulation with the given m (Encaps_internal) cannot be asked for",
    "decapsulationKeyCheck": "takes an expanded dk, which the KEM hooks never accept (secrets are d ‖ z)",
    "decapsulation/expanded": "takes an expanded dk, which the KEM hooks never accept (secrets are d ‖ z)",
}


def mlkem_encapdecap(host: PluginHost, path: Path, skips: Skips) -> Iterator[CaseResult]:
    data = _load(path)
    revision = data.get("revision", "")
    for group in data["testGroups"]:
        function = group["function"]
        if function == "decapsulation":
            function += "/" + group.get("keyFormat", "expanded")
        label = f"ML-KEM {revision} {function}"
        ps = _offered(host, group, skips, label)
        if ps is None:
            continue
        if function in _NOT_EXPRESSIBLE:
            skips[(label, _NOT_EXPRESSIBLE[function], True)] += len(group["tests"])
            continue
        check_one: Callable[[PluginHost, str, dict], str | None] = _ek_check if function == "encapsulationKeyCheck" else _decaps_seed
        for test in group["tests"]:
            yield guarded(f"{label} {group['parameterSet']} tcId {test['tcId']}", lambda test=test: check_one(host, ps, test))
