"""Test helper: make a plugin discoverable through its entry point without pip.

Writes `<dist>.dist-info/{METADATA,entry_points.txt}` beside the plugin's package in a temporary
directory on sys.path, exactly what an installed distribution provides to importlib.metadata.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def install_dist(root: Path, dist: str, version: str, package_dir: Path | None, entry_points: dict[str, str]) -> None:
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = ["[jamliquor]"] + [f"{name} = {target}" for name, target in entry_points.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    if package_dir is not None:
        shutil.copytree(package_dir, root / package_dir.name)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))


def build_wheel(package_dir: Path, dist: str, version: str, entry_points: dict[str, str], out_dir: Path,
                replace: dict[str, str] | None = None) -> Path:
    """A pure-Python wheel (PEP 427) of the package in `package_dir`, built without pip (the
    tests stay offline): the package's .py files (with `replace` applied to their text), and a
    .dist-info with METADATA, WHEEL, entry_points.txt and RECORD."""
    import base64
    import hashlib
    import zipfile

    norm = dist.replace("-", "_")
    info = f"{norm}-{version}.dist-info"
    files: dict[str, bytes] = {}
    for path in sorted(package_dir.rglob("*.py")):
        text = path.read_text()
        for old, new in (replace or {}).items():
            text = text.replace(old, new)
        files[f"{package_dir.name}/{path.relative_to(package_dir).as_posix()}"] = text.encode()
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: jamliquor-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{info}/entry_points.txt"] = ("[jamliquor]\n" + "".join(f"{k} = {v}\n" for k, v in entry_points.items())).encode()
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    files[f"{info}/RECORD"] = ("\n".join(record + [f"{info}/RECORD,,"]) + "\n").encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"{norm}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return wheel
