"""Validator keys: JIP-5 derivation (the spec's own vectors), key names, key files, the CLI."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jamliquor.cli import app
from jamliquor.keys import KeyFileError, KeyNameError, derive, key_from_name, key_name, read_key_file, trivial_seed, write_key_file

JIP5 = Path(__file__).resolve().parents[2] / "shared" / "specs" / "JIP-5.md"


def jip5_vectors() -> list[dict[str, str]]:
    """The test vectors of JIP-5 (`seed = …` blocks of `name = hex` lines)."""
    vectors: list[dict[str, str]] = []
    for name, value in re.findall(r"^\s+(\w+) = (?:trivial_seed\(\d+\) = )?([0-9a-f]{64})$", JIP5.read_text(), re.M):
        if name == "seed":
            vectors.append({})
        vectors[-1][name] = value
    return vectors


def test_jip5_vectors() -> None:
    vectors = jip5_vectors()
    assert len(vectors) == 7
    for i, v in enumerate(vectors):
        if i < 6:
            assert trivial_seed(i).hex() == v["seed"]
        keys = derive(bytes.fromhex(v["seed"]))
        assert keys.ed25519_seed.hex() == v["ed25519_secret_seed"]
        assert keys.ed25519.hex() == v["ed25519_public"]
        assert keys.bandersnatch_seed.hex() == v["bandersnatch_secret_seed"]
        assert keys.bandersnatch.hex() == v["bandersnatch_public"]


def test_repr_shows_no_secret() -> None:
    keys = derive(trivial_seed(7))
    text = repr(keys)
    assert keys.bandersnatch.hex() in text
    assert all(s.hex() not in text for s in (keys.seed, keys.ed25519_seed, keys.bandersnatch_seed, keys.bandersnatch_secret))


def test_key_names_round_trip() -> None:
    key = derive(trivial_seed(0)).ed25519
    name = key_name(key)
    assert len(name) == 53 and name[0] == "e" and key_from_name(name) == key
    for bad in ("x" + name[1:], name[:-1], name[:-1] + "1", "e" + "7" * 52):  # "7"*52 exceeds 2^256
        with pytest.raises(KeyNameError):
            key_from_name(bad)


def test_key_file_is_private_and_checked(tmp_path: Path) -> None:
    keys = derive(trivial_seed(3))
    path = tmp_path / "validator.key"
    write_key_file(path, keys)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert read_key_file(path) == keys
    with pytest.raises(KeyFileError, match="exists"):
        write_key_file(path, keys)
    os.chmod(path, 0o640)
    with pytest.raises(KeyFileError, match="chmod 600"):
        read_key_file(path)
    os.chmod(path, 0o600)
    path.write_text(path.read_text().replace(keys.ed25519.hex(), derive(trivial_seed(4)).ed25519.hex()))
    with pytest.raises(KeyFileError, match="does not match"):
        read_key_file(path)


def test_cli_prints_secrets_only_when_asked(tmp_path: Path) -> None:
    runner = CliRunner()
    keys = derive(trivial_seed(2))
    plain = runner.invoke(app, ["keys", "derive", "--trivial", "2"])
    assert plain.exit_code == 0 and keys.ed25519.hex() in plain.output and keys.bandersnatch.hex() in plain.output
    assert keys.seed.hex() not in plain.output and keys.ed25519_seed.hex() not in plain.output
    loud = runner.invoke(app, ["keys", "derive", "--seed", keys.seed.hex(), "--secrets"])
    assert keys.ed25519_seed.hex() in loud.output and keys.bandersnatch_seed.hex() in loud.output
    out = tmp_path / "k.json"
    made = runner.invoke(app, ["keys", "new", "--out", str(out)])
    assert made.exit_code == 0 and stat.S_IMODE(os.stat(out).st_mode) == 0o600
    seed = read_key_file(out).seed.hex()
    assert seed not in made.output and seed not in runner.invoke(app, ["keys", "show", str(out)]).output
    assert runner.invoke(app, ["keys", "new", "--out", str(out)]).exit_code == 2  # never overwrites
    assert runner.invoke(app, ["keys", "derive"]).exit_code == 2
    assert runner.invoke(app, ["keys", "derive", "--seed", "00"]).exit_code == 2  # not 32 bytes
