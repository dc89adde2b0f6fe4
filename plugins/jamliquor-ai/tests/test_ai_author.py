"""The authorer with jamliquor-ai installed: its budget consults the real `import-cost` model."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from jamliquor.author import author_block
from jamliquor.chainspec import dev_genesis
from jamliquor.devchain import dev_pools
from jamliquor.importer import import_block
from jamliquor.keys import Keyring
from jamliquor.plugins import PluginHost
from jamliquor.profiles import AuthorBudget
from jamliquor.spec import TINY
from jamliquor_ai.plugin import AiPlugin
from jamliquor_ai.store import ModelStore

DATA = Path(__file__).resolve().parent / "data"

KEYS = Keyring.dev(6)


@pytest.fixture(scope="module")
def genesis():
    return dev_genesis(TINY, list(KEYS)).state


def host(store: ModelStore) -> PluginHost:
    h = PluginHost(allow=["polkavm"])
    h.register_object("ai", AiPlugin(store))
    return h


def test_shipped_model_is_consulted_and_a_roomy_budget_cuts_nothing(genesis, caplog) -> None:
    budget = AuthorBudget(bytes=1 << 20, items=1 << 10, gas=1 << 40, seconds=2.0, unit_ms=21.0)  # edge
    with caplog.at_level(logging.WARNING):
        authored = author_block(genesis, 1, KEYS, dev_pools(TINY), budget, host=host(ModelStore(None)))
    assert len(authored.block.extrinsic.preimages) == 4 and authored.log.cut_by("time") == 0
    assert 0 < authored.log.predicted_seconds < 2.0 and not caplog.records


def test_installed_model_over_budget_trims_and_warns(genesis, tmp_path, caplog) -> None:
    store = ModelStore(tmp_path / "models")
    h = host(store)
    store.install("import-cost", DATA / "constant.tflite")  # always 42 cu: never within 0.1 s at 10 ms/cu
    budget = AuthorBudget(bytes=1 << 20, items=1 << 10, gas=1 << 40, seconds=0.1, unit_ms=10.0)
    with caplog.at_level(logging.WARNING):
        authored = author_block(genesis, 1, KEYS, dev_pools(TINY), budget, host=h)
    assert authored.block.extrinsic.preimages == () and authored.log.kinds["preimages"].cut == {"time": 4}
    assert authored.log.predicted_seconds == pytest.approx(0.42)
    assert import_block(genesis, authored.block).root() == authored.log.state_root
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning.startswith(f"block 0x{authored.log.header_hash.hex()} (slot 1): predicted import 0.420 s exceeds")


def test_without_the_plugin_the_static_budget_applies(genesis) -> None:
    budget = AuthorBudget(bytes=1 << 20, items=1 << 10, gas=1 << 40, seconds=1e-9, unit_ms=10.0)
    authored = author_block(genesis, 1, KEYS, dev_pools(TINY), budget, host=PluginHost(allow=["polkavm"]))
    assert len(authored.block.extrinsic.preimages) == 4 and authored.log.predicted_seconds is None
