"""The kernel's chain hooks: block import (GP v0.7.2 Υ, `jamliquor.importer`) and block
authoring (`jamliquor.author`). Plugins registered later are asked first and may replace them."""

from __future__ import annotations

from ..hookspecs import hookimpl


@hookimpl
def jamliquor_import_block(state, block, spec):
    from ..importer import import_block

    return import_block(state, block)


@hookimpl
def jamliquor_author_block(state, slot, keys, spec, pools, budget):
    from ..author import author_block

    return author_block(state, slot, keys, pools, budget)
