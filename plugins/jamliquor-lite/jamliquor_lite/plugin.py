"""The hooks jamliquor-lite registers: its command group (`cli_commands`) and a status line."""

from __future__ import annotations

from typing import Any

from jamliquor.hookspecs import hookimpl


@hookimpl
def jamliquor_cli_commands() -> dict[str, Any]:
    from .cli import app  # the CLI module loads only when the command line asks for plugin commands

    return {"light": app}


@hookimpl
def jamliquor_status() -> str:
    return "light client: header seals + CE 129 state proofs (no execution)"
