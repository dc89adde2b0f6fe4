"""The kernel's chain hooks: block import (GP v0.7.2 Υ, `jamliquor.importer`) and block
authoring (`jamliquor.author`). Plugins registered later are asked first and may replace them."""

from __future__ import annotations

from ..author import author_block
from ..hookspecs import hookimpl
from ..importer import import_block


@hookimpl
def jamliquor_import_block(state, block, spec):
    return import_block(state, block)


@hookimpl
def jamliquor_author_block(state, slot, keys, spec, pools, budget):
    return author_block(state, slot, keys, pools, budget)
