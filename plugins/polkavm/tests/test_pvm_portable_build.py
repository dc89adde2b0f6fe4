"""The compiled backend's portable build (`-DPVM_PORTABLE_SWITCH`: a plain `switch` instead of
threaded dispatch, what compilers without computed goto get) has the same semantics: it is built
here from `_pvm.c` and run against the Python backend on random programs."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

import jamliquor_polkavm
from test_pvm_interpreter import _outcome, _random_program

SOURCE = Path(jamliquor_polkavm.__file__).parent / "_pvm.c"


@pytest.fixture(scope="module")
def portable_pvm(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - the built module
    cc = shutil.which(os.environ.get("CC", "cc"))
    include = sysconfig.get_paths()["include"]
    if cc is None or not os.path.exists(os.path.join(include, "Python.h")):
        pytest.skip("no C compiler or Python headers: the portable build cannot be made here")
    out = tmp_path_factory.mktemp("portable") / ("_pvm" + sysconfig.get_config_var("EXT_SUFFIX"))
    subprocess.run([cc, "-O1", "-std=c99", "-Wall", "-Werror", "-Wno-unused-parameter", "-DPVM_PORTABLE_SWITCH",
                    "-shared", "-fPIC", f"-I{include}", str(SOURCE), "-o", str(out)], check=True, timeout=300)
    spec = importlib.util.spec_from_file_location("jamliquor_polkavm._pvm", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_portable_switch_build_agrees_with_the_python_backend(portable_pvm, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from jamliquor_polkavm import backend, cache, runloop

    monkeypatch.setattr(backend, "_pvm", portable_pvm)
    monkeypatch.setattr(backend, "COMPILED_AVAILABLE", True)
    monkeypatch.setattr(backend, "_setting", backend._setting)
    monkeypatch.setattr(runloop, "COMPILE_AFTER", runloop.COMPILE_AFTER)

    @settings(max_examples=150, deadline=None)
    @given(st.composite(lambda draw: _random_program(draw))(), st.one_of(st.integers(0, 40), st.just(10_000)))
    def check(program: tuple[bytes, bool], gas: int) -> None:
        blob_, raw = program
        assert _outcome("native", blob_, gas, raw) == _outcome("stepped", blob_, gas, raw)

    try:
        check()
    finally:
        cache.clear()
