"""Fixtures for the jamliquor-pqc tests: a host with the plugin loaded (through its entry point,
so a missing install fails instead of skipping), a private XMSS state directory per test, and
one XMSS-SHA2_10_256 key made once per session (its tree cached in the session's state)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jamliquor.crypto import schemes
from jamliquor.plugins import PluginHost

from pqc_testdata import XMSS


@pytest.fixture(scope="session")
def host() -> PluginHost:
    return PluginHost(allow=["pqc"])


@pytest.fixture(scope="session")
def session_state(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pqc-state")


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("JAMLIQUOR_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="session")
def xmss_key(host, session_state) -> tuple[bytes, bytes, Path]:
    """(public, secret, data_dir) of one H=10 key whose tree is cached under data_dir."""
    old = os.environ.get("JAMLIQUOR_DATA_DIR")
    os.environ["JAMLIQUOR_DATA_DIR"] = str(session_state)
    try:
        public, secret = schemes.keygen(XMSS, bytes(range(96)), host=host)
    finally:
        if old is None:
            os.environ.pop("JAMLIQUOR_DATA_DIR")
        else:
            os.environ["JAMLIQUOR_DATA_DIR"] = old
    return public, secret, session_state
