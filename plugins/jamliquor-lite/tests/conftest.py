"""A dev chain for the light client's tests: 26 tiny slots from a 6-validator genesis, crossing
two epoch changes (slots 12 and 24) with both winning-tickets markers (slots 10 and 22) and
ticket-sealed blocks from epoch 1 on."""

from __future__ import annotations

from pathlib import Path

import pytest
from jamliquor.chainspec import dev_chainspec
from jamliquor.devchain import run_devchain
from jamliquor.keys import Keyring
from jamliquor.spec import TINY

SLOTS = 26


@pytest.fixture(scope="session")
def devchain(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lite-devchain")
    run_devchain(dev_chainspec(TINY, 6), Keyring.dev(6), SLOTS, out)
    return out
