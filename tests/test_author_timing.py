"""Rate-limited authorship by predicted import time: the authorer consults the `import-cost`
model through the `predict` hook when a plugin serves it, and keeps to the static budget when
none does (or when it fails). A stand-in model keeps these kernel tests free of the AI plugin;
`plugins/jamliquor-ai/tests/test_ai_author.py` runs the same with the real plugin."""

from __future__ import annotations

import logging

import attrs
import pytest

from jamliquor.author import author_block
from jamliquor.chainspec import dev_genesis
from jamliquor.devchain import dev_pools
from jamliquor.hookspecs import hookimpl
from jamliquor.importer import import_block
from jamliquor.keys import Keyring
from jamliquor.plugins import PluginHost
from jamliquor.predict.cost import IMPORT_COST
from jamliquor.predict.errors import FeatureError
from jamliquor.predict.features import FEATURE_NAMES
from jamliquor.profiles import DEVICE_PROFILES, AuthorBudget
from jamliquor.spec import TINY
from jamliquor.state import ChainState

KEYS = Keyring.dev(6)
PREIMAGES = FEATURE_NAMES.index("preimages")
# 1 cu = 10 ms on the budget's device; 1 + 10 cu per preimage: 2 preimages fit 250 ms, 4 do not.
BUDGET = AuthorBudget(bytes=1 << 20, items=1 << 10, gas=1 << 40, seconds=0.25, unit_ms=10.0)


class PerPreimage:
    """A stand-in import-cost model: 1 cu plus 10 cu per preimage."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.fail, self.calls = fail, 0

    @hookimpl
    def jamliquor_predict(self, model, features):
        if model != IMPORT_COST:
            return None
        self.calls += 1
        if self.fail:
            raise self.fail
        return [1.0 + 10.0 * features[PREIMAGES], 0.1]


@pytest.fixture(scope="module")
def genesis() -> ChainState:
    return dev_genesis(TINY, list(KEYS)).state


def host(model=None) -> PluginHost:
    h = PluginHost(allow=["polkavm"])
    if model is not None:
        h.register_object("cost-model", model)
    return h


def test_without_a_model_the_static_budget_decides(genesis: ChainState, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        authored = author_block(genesis, 1, KEYS, dev_pools(TINY), BUDGET, host=host())
    assert len(authored.block.extrinsic.preimages) == 4 and authored.log.cut_by("time") == 0
    assert authored.log.predicted_seconds is None and not caplog.records


def test_with_a_model_the_predicted_time_trims_the_block(genesis: ChainState, caplog) -> None:
    model = PerPreimage()
    with caplog.at_level(logging.WARNING):
        authored = author_block(genesis, 1, KEYS, dev_pools(TINY), BUDGET, host=host(model))
    log = authored.log
    assert len(authored.block.extrinsic.preimages) == 2 and log.kinds["preimages"].cut == {"time": 2}
    assert log.kinds["preimages"].included == 2 and log.items_used == 2
    assert log.predicted_seconds == pytest.approx(0.21) and model.calls == 3  # 4, 3, then 2 preimages
    assert import_block(genesis, authored.block).root() == log.state_root  # still a valid block
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning.startswith(f"block 0x{log.header_hash.hex()} (slot 1): predicted import 0.410 s exceeds the "
                              "budget of 0.250 s; 0.210 s after 2 cuts")
    assert "cut 2 by time" in log.summary() and log.to_json()["predicted_seconds"] == pytest.approx(0.21)


def test_a_block_within_the_predicted_budget_is_untouched(genesis: ChainState, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        authored = author_block(genesis, 1, KEYS, dev_pools(TINY), attrs.evolve(BUDGET, seconds=1.0), host=host(PerPreimage()))
    assert len(authored.block.extrinsic.preimages) == 4 and authored.log.cut_by("time") == 0
    assert authored.log.predicted_seconds == pytest.approx(0.41) and not caplog.records


def test_a_failing_model_falls_back_to_the_static_budget(genesis: ChainState, caplog) -> None:
    model = PerPreimage(fail=FeatureError("model 'import-cost': feature 'preimages' is nan"))
    with caplog.at_level(logging.WARNING):
        authored = author_block(genesis, 1, KEYS, dev_pools(TINY), BUDGET, host=host(model))
    assert len(authored.block.extrinsic.preimages) == 4 and authored.log.predicted_seconds is None
    assert [r.getMessage() for r in caplog.records] == [
        "prediction unavailable: model 'import-cost': feature 'preimages' is nan"]


def test_profiles_carry_a_predicted_time_limit() -> None:
    assert DEVICE_PROFILES["edge"].seconds and DEVICE_PROFILES["edge"].unit_ms > DEVICE_PROFILES["desktop"].unit_ms
    assert DEVICE_PROFILES["server"].seconds is None  # the spec's limits only


def test_budget_time_fields_from_config(tmp_path) -> None:
    from jamliquor.config import ConfigError, load_config

    env = {"JAMLIQUOR_AUTHOR_BUDGET": "seconds=0.5,unit_ms=30"}
    budget = load_config(tmp_path / "none.toml", env=env).budget()
    assert (budget.seconds, budget.unit_ms, budget.gas) == (0.5, 30.0, DEVICE_PROFILES["edge"].gas)
    for bad in ("seconds=0", "unit_ms=x", "seconds=inf"):
        with pytest.raises(ConfigError):
            load_config(tmp_path / "none.toml", env={"JAMLIQUOR_AUTHOR_BUDGET": bad})
