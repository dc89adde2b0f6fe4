"""Which checks apply to which files of a `pqc-vectors` tree (ACVP folder names, XMSS file names)."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from ..plugins import PluginHost
from . import CaseResult, acvp, xmss_kat
from .acvp import Skips

Job = Callable[[Skips], Iterator[CaseResult]]

_ACVP = {  # folder prefix -> check over internalProjection.json
    "ML-DSA-keyGen-": acvp.mldsa_keygen,
    "ML-DSA-sigVer-": acvp.mldsa_sigver,
    "ML-KEM-keyGen-": acvp.mlkem_keygen,
    "ML-KEM-encapDecap-": acvp.mlkem_encapdecap,
}
_BOTAN = {"xmss_keygen_reference.vec": xmss_kat.botan_keygen, "xmss_sig.vec": xmss_kat.botan_sig, "xmss_verify.vec": xmss_kat.botan_verify}


def _files(path: Path, pattern: str) -> list[Path]:
    """Files matching `pattern` at or under `path` (following directory symlinks)."""
    if path.is_file():
        return [path] if path.match(pattern) else []
    return sorted(Path(d) / f for d, _, names in os.walk(path, followlinks=True) for f in names if Path(f).match(pattern))


def jobs(host: PluginHost, path: Path) -> list[Job]:
    out: list[Job] = []
    for file in _files(path, "*.json"):
        folder = file.parent.name
        check = next((fn for prefix, fn in _ACVP.items() if folder.startswith(prefix)), None)
        if check is not None and file.name == "internalProjection.json":
            out.append(functools.partial(check, host, file))
        elif folder.startswith("ML-DSA-sigGen-") and file.name.startswith("prompt"):
            expected = file.with_name(file.name.replace("prompt", "expectedResults"))
            if expected.exists():
                out.append(functools.partial(acvp.mldsa_siggen, host, file, expected))
    out += [functools.partial(xmss_kat.liboqs_case, host, f) for f in _files(path, "XMSS*.rsp")]
    out += [functools.partial(_BOTAN[f.name], host, f) for f in _files(path, "xmss_*.vec") if f.name in _BOTAN]
    return out
