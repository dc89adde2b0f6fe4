"""Test helpers: run on a chosen PVM backend; the compiled one must be built where a C compiler is."""

from __future__ import annotations

import os
import shutil
import sysconfig

import pytest


def require_compiled_backend() -> None:
    """The compiled backend is part of the product: where a C compiler (and the Python headers)
    exist, or under CI, a missing build is a failure, not a skip."""
    from jamliquor_polkavm import backend

    if backend.COMPILED_AVAILABLE:
        return
    headers = os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))
    if os.environ.get("CI") == "true" or (shutil.which("cc") and headers):
        pytest.fail("the compiled PVM backend (jamliquor_polkavm._pvm) is not built; run `make install`")
    pytest.skip("no C compiler: the compiled PVM backend cannot be built here")
