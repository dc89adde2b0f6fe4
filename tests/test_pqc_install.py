"""`pip install ./plugins/jamliquor-pqc` into a fresh environment adds the post-quantum schemes;
the kernel there without it offers none of them.

The fresh environment is a new venv that sees this checkout's dependencies (a site directory of
links to .venv's site-packages, minus every trace of jamliquor-pqc) but not the plugin itself;
pip then installs the plugin from its source directory, offline."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLUGIN = REPO / "plugins" / "jamliquor-pqc"
CLI = "from jamliquor.cli import main; main()"


def fresh_env(tmp: Path) -> Path:
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    deps = tmp / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if "jamliquor_pqc" not in entry.name and "jamliquor-pqc" not in entry.name:
            (deps / entry.name).symlink_to(entry)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "_jamliquor_deps.pth").write_text(f"import site; site.addsitedir({str(deps)!r})\n")
    return venv / "bin" / "python"


def jamliquor(python: Path, tmp: Path, *args: str) -> str:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "JAMLIQUOR_DATA_DIR": str(tmp / "data")}
    result = subprocess.run([str(python), "-c", CLI, *args], capture_output=True, text=True, env=env, cwd=tmp, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_pip_install_adds_the_schemes(tmp_path: Path) -> None:
    python = fresh_env(tmp_path)
    before = jamliquor(python, tmp_path, "plugins", "list")
    assert "jamliquor-pqc" not in before and "ml-dsa" not in before and "xmss" not in before
    assert "signature schemes: bandersnatch, ed25519\n" in before and "KEM schemes: none" in before
    source = tmp_path / "jamliquor-pqc"  # pip builds in the source tree: keep the checkout clean
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests"))
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index", str(source)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert install.returncode == 0, install.stderr
    after = jamliquor(python, tmp_path, "plugins", "list")
    assert "pqc" in after and "jamliquor-pqc" in after
    for scheme in ("ml-dsa-44", "ml-dsa-65", "ml-dsa-87", "ml-dsa-65-det", "ed25519+ml-dsa-65", "xmss-sha2_10_256", "xmss-sha2_16_256"):
        assert scheme in after
    assert "KEM schemes: ml-kem-1024, ml-kem-512, ml-kem-768, x25519+ml-kem-768" in after
    assert "(backends: cryptography 50.0.2 (OpenSSL" in after and "liboqs: not found)" in after
    assert "by default, pycryptodome 4.4.0 for ML-KEM-512, expanded keys, deterministic ML-DSA;" in after
