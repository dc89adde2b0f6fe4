"""Command groups that plugins add to the command line (the `cli_commands` hook).

The kernel's own commands are registered in `cli/__init__.py`; a name it does not know is looked
up here, through the process-wide plugin host (so the config's plugin allow-list applies). A
plugin's command that shadows a kernel command is never reached: the kernel's wins.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import typer
import typer.main

from ..plugins import PluginError


@lru_cache(maxsize=1)
def _offered() -> dict[str, tuple[str, Any]]:
    from ..plugins import default_host

    return default_host().cli_commands()


@lru_cache(maxsize=16)
def plugin_command(name: str) -> Any | None:
    """The plugin command called `name` as a click command, or None; a broken config or plugin raises (reported)."""
    found = _offered().get(name)
    if found is None:
        return None
    plugin, value = found
    try:
        command = typer.main.get_command(value) if isinstance(value, typer.Typer) else value
    except RuntimeError as exc:
        raise PluginError(f"plugin {plugin!r} offers an unusable command {name!r}: {exc}") from exc
    command.name = name
    return command


def listed_commands() -> list[str]:
    """Plugin command names for `--help`; a broken config or plugin lists none rather than fail."""
    try:
        return sorted(_offered())
    except Exception:
        return []


def reset() -> None:
    """Forget the discovered commands (tests that change the process-wide host)."""
    _offered.cache_clear()
    plugin_command.cache_clear()
