"""NIST ACVP ML-DSA (FIPS 204) and ML-KEM (FIPS 203) vectors, checked through the scheme hooks.

What the hooks can express, and so what runs (everything else is reported as skipped, why).
Secrets are FIPS seeds or expanded keys (the ML-DSA sk, the ML-KEM dk), which `keygen` /
`kem_keygen` import (see :mod:`jamliquor.hookspecs`):

* ML-DSA keyGen: `keygen(ξ)` gives pk (compared), and importing the expected sk gives pk too.
  The hooks never output an expanded sk (a seed stays the secret), so its bytes are not compared.
* ML-DSA sigVer, every interface: pure through `verify` with the context; the internal
  interface, external µ and HashML-DSA through the `-mu` schemes, with µ computed here
  (Algorithm 7 line 6: µ = H(H(pk, 64) ‖ M′, 64); Algorithm 4 for HashML-DSA's M′).
* ML-DSA sigGen, seed or expanded keys: pk = keygen(ξ or sk); the expected signature must
  verify. Deterministic groups: the `-det` schemes (rnd = 0^32) must reproduce it byte for byte.
  Hedged groups: the test's rnd cannot be given (Sign_internal with a caller's rnd is for
  testing only, FIPS 204 §6, and no hook offers it), so a fresh hedged signature by the same
  key over the same input must verify instead.
* ML-KEM keyGen: `kem_keygen(d ‖ z)` gives ek (compared), and importing the expected dk gives ek.
  Decapsulation, seed or expanded dk: `kem_decapsulate` must give k, also for modified
  ciphertexts (implicit rejection). encapsulationKeyCheck / decapsulationKeyCheck: the hooks
  must refuse exactly the invalid ek (`kem_encapsulate`, §7.2) / dk (`kem_keygen`, §7.3).
  Encapsulation: the given m cannot be used (Encaps_internal is for testing only, FIPS 203 §3.3
  and §6; `kem_encapsulate` draws its own), so the expected c must decapsulate to k under the
  test's dk, and a fresh encapsulation to its ek must decapsulate to the same secret.
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


def _pure(group: dict) -> bool:
    """The external interface without pre-hash: ML-DSA.Sign/Verify on M with a context."""
    return group.get("signatureInterface") != "internal" and group.get("preHash") != "preHash"


def mu(public: bytes, group: dict, test: dict) -> bytes | None:
    """µ of FIPS 204 Algorithm 7/8 line 6 for any ACVP interface; None for the pure interface."""
    if _pure(group):
        return None
    if group.get("signatureInterface") == "internal":
        if group.get("externalMu"):
            return _hex(test, "mu")
        m_prime = _hex(test, "message")
    else:  # HashML-DSA
        oid_tail, ph = _HASH_OID[test["hashAlg"]]
        ctx = _hex(test, "context")
        m_prime = bytes([1, len(ctx)]) + ctx + bytes.fromhex("06096086480165030402") + bytes([oid_tail]) + ph(_hex(test, "message"))
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
    needed = [ps] if kem or _pure(group) else [ps, ps + "-mu"]
    if not all(n in offered for n in needed):
        skips[(f"{label} {group['parameterSet']}", f"{' and '.join(needed)} not offered by the loaded plugins", True)] += len(group["tests"])
        return None
    return ps


def mldsa_keygen(host: PluginHost, path: Path, skips: Skips) -> Iterator[CaseResult]:
    for group in _load(path)["testGroups"]:
        ps = _offered(host, group, skips, "ML-DSA keyGen")
        if ps is None:
            continue
        skips[("ML-DSA keyGen sk bytes", "the hooks never output an expanded sk (secrets stay ξ); "
               "the expected sk is imported instead and must give the expected pk", False)] += len(group["tests"])
        for test in group["tests"]:
            def check(test=test) -> str | None:
                public, _ = schemes.keygen(ps, _hex(test, "seed"), host=host)
                if public != _hex(test, "pk"):
                    return "pk differs"
                imported, secret = schemes.keygen(ps, _hex(test, "sk"), host=host)
                return None if (imported, secret) == (public, _hex(test, "sk")) else "the imported sk gives another pk"
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


def _sign(host: PluginHost, scheme: str, secret: bytes, public: bytes, group: dict, test: dict) -> bytes:
    m = mu(public, group, test)
    if m is None:
        return schemes.sign(scheme, secret, _hex(test, "message"), _hex(test, "context"), host=host)
    return schemes.sign(scheme + "-mu", secret, m, host=host)


def mldsa_siggen(host: PluginHost, prompt: Path, expected: Path, skips: Skips) -> Iterator[CaseResult]:
    results = {(g["tgId"], t["tcId"]): t for g in _load(expected)["testGroups"] for t in g["tests"]}
    revision = _load(prompt).get("revision", "")
    offered = set(host.signature_schemes())
    for group in _load(prompt)["testGroups"]:
        label = f"ML-DSA sigGen {revision} ({_interface(group)})"
        ps = _offered(host, group, skips, label)
        if ps is None:
            continue
        deterministic = bool(group.get("deterministic"))
        keys = group.get("keyFormat", "expanded")
        det = ps + "-det"
        exact = deterministic and (det if _pure(group) else det + "-mu") in offered
        if deterministic and not exact:
            skips[(f"ML-DSA sigGen {revision} deterministic signatures", f"{det} not offered by the loaded plugins: "
                   "the expected signatures are verified and a hedged one checked instead", False)] += len(group["tests"])
        elif not deterministic:
            skips[(f"ML-DSA sigGen {revision} hedged signatures with the given rnd",
                   "signing with a caller's rnd is Sign_internal, for testing only (FIPS 204 §6), and no hook offers it: "
                   "the expected signatures are verified and a fresh hedged one by the same key is checked instead", False)] += len(group["tests"])
        for test in group["tests"]:
            def check(test=test, group=group, keys=keys, exact=exact) -> str | None:
                public, secret = schemes.keygen(ps, _hex(test, "seed" if keys == "seed" else "sk"), host=host)
                signature = bytes.fromhex(results[(group["tgId"], test["tcId"])]["signature"])
                if not _verify(host, ps, public, group, test, signature):
                    return "expected signature does not verify"
                if exact:
                    ours = _sign(host, det, secret, public, group, test)
                    return None if ours == signature else "deterministic signature differs"
                ours = _sign(host, ps, secret, public, group, test)
                return None if _verify(host, ps, public, group, test, ours) else "our hedged signature does not verify"
            yield guarded(f"ML-DSA sigGen {revision} {group['parameterSet']} {keys} key "
                          f"{'deterministic' if deterministic else 'hedged'} {_interface(group)} tcId {test['tcId']}", check)


def mlkem_keygen(host: PluginHost, path: Path, skips: Skips) -> Iterator[CaseResult]:
    for group in _load(path)["testGroups"]:
        ps = _offered(host, group, skips, "ML-KEM keyGen")
        if ps is None:
            continue
        skips[("ML-KEM keyGen dk bytes", "the hooks never output an expanded dk (secrets stay d ‖ z); "
               "the expected dk is imported instead and must give the expected ek", False)] += len(group["tests"])
        for test in group["tests"]:
            def check(test=test) -> str | None:
                public, _ = schemes.kem_keygen(ps, _hex(test, "d") + _hex(test, "z"), host=host)
                if public != _hex(test, "ek"):
                    return "ek differs"
                imported, secret = schemes.kem_keygen(ps, _hex(test, "dk"), host=host)
                return None if (imported, secret) == (public, _hex(test, "dk")) else "the imported dk gives another ek"
            yield guarded(f"ML-KEM keyGen {group['parameterSet']} tcId {test['tcId']}", check)


def _accepted(call: Callable[[], object]) -> bool:
    try:
        call()
    except SchemeInputError:
        return False
    return True


def _ek_check(host: PluginHost, ps: str, test: dict) -> str | None:
    accepted = _accepted(lambda: schemes.kem_encapsulate(ps, _hex(test, "ek"), host=host))
    return None if accepted == test["testPassed"] else f"ek {'accepted' if accepted else 'refused'}, expected testPassed={test['testPassed']}"


def _dk_check(host: PluginHost, ps: str, test: dict) -> str | None:
    accepted = _accepted(lambda: schemes.kem_keygen(ps, _hex(test, "dk"), host=host))
    return None if accepted == test["testPassed"] else f"dk {'accepted' if accepted else 'refused'}, expected testPassed={test['testPassed']}"


def _decaps_seed(host: PluginHost, ps: str, test: dict) -> str | None:
    _, secret = schemes.kem_keygen(ps, _hex(test, "d") + _hex(test, "z"), host=host)
    k = schemes.kem_decapsulate(ps, secret, _hex(test, "c"), host=host)
    return None if k == _hex(test, "k") else f"k differs ({test.get('reason', '')})"


def _decaps_expanded(host: PluginHost, ps: str, test: dict) -> str | None:
    k = schemes.kem_decapsulate(ps, _hex(test, "dk"), _hex(test, "c"), host=host)
    return None if k == _hex(test, "k") else f"k differs ({test.get('reason', '')})"


def _encaps(host: PluginHost, ps: str, test: dict) -> str | None:
    dk, ek = _hex(test, "dk"), _hex(test, "ek")
    if schemes.kem_decapsulate(ps, dk, _hex(test, "c"), host=host) != _hex(test, "k"):
        return "the expected c does not decapsulate to k under dk"
    ciphertext, shared = schemes.kem_encapsulate(ps, ek, host=host)
    return None if schemes.kem_decapsulate(ps, dk, ciphertext, host=host) == shared else "a fresh encapsulation to ek does not decapsulate under dk"


_CHECKS: dict[str, Callable[[PluginHost, str, dict], str | None]] = {
    "encapsulation": _encaps,
    "decapsulation/seed": _decaps_seed,
    "decapsulation/expanded": _decaps_expanded,
    "encapsulationKeyCheck": _ek_check,
    "decapsulationKeyCheck": _dk_check,
}

_ENCAPS_M = ("encapsulation with the given m is Encaps_internal, for testing only (FIPS 203 §3.3, §6), and kem_encapsulate "
             "draws its own randomness: the expected c is decapsulated and a fresh encapsulation checked instead")


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
        check_one = _CHECKS.get(function)
        if check_one is None:
            skips[(label, f"unknown encapDecap function {function!r}", True)] += len(group["tests"])
            continue
        if function == "encapsulation":
            skips[(f"{label} c and k from the given m", _ENCAPS_M, False)] += len(group["tests"])
        for test in group["tests"]:
            yield guarded(f"{label} {group['parameterSet']} tcId {test['tcId']}", lambda test=test: check_one(host, ps, test))
