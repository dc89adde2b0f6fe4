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
