"""Plugins add command groups to `jamliquor` through the `cli_commands` hook; the kernel's
commands keep their names, two plugins cannot claim one name, and failures are one line."""

from __future__ import annotations

import pytest
import typer
from jamliquor.cli import app, extensions
from jamliquor.errors import JamLiquorError
from jamliquor.hookspecs import hookimpl
from jamliquor.plugins import PluginError, PluginHost, set_default_host
from typer.testing import CliRunner

hello = typer.Typer(help="Say hello from a plugin.")


@hello.command("world")
def _world(name: str = typer.Option("world", "--name")) -> None:
    typer.echo(f"hello {name}")


@hello.command("fail")
def _fail() -> None:
    raise JamLiquorError("the plugin says no")


class Greeter:
    @hookimpl
    def jamliquor_cli_commands(self):
        return {"hello": hello, "plugins": typer.Typer()}  # "plugins" is the kernel's: ignored


class Rival:
    @hookimpl
    def jamliquor_cli_commands(self):
        return {"hello": typer.Typer()}


@pytest.fixture()
def host():
    host = PluginHost(allow=[])
    host.register_object("greeter", Greeter())
    set_default_host(host)
    extensions.reset()
    yield host
    set_default_host(None)
    extensions.reset()


def test_plugin_commands_run_and_are_listed(host) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["hello", "world", "--name", "jam"])
    assert result.exit_code == 0 and result.output == "hello jam\n"
    assert "hello" in runner.invoke(app, ["--help"]).output
    failed = runner.invoke(app, ["hello", "fail"])
    assert failed.exit_code == 2 and "error: the plugin says no" in failed.output
    listing = runner.invoke(app, ["plugins", "--help"])  # the kernel's group, not the plugin's empty one
    assert listing.exit_code == 0 and "list" in listing.output


def test_two_plugins_claiming_one_name_is_an_error(host) -> None:
    host.register_object("rival", Rival())
    with pytest.raises(PluginError, match="'greeter' and 'rival'"):
        host.cli_commands()
    result = CliRunner().invoke(app, ["hello", "world"])
    assert result.exit_code == 2 and "both offer the command 'hello'" in result.output
    assert CliRunner().invoke(app, ["--help"]).exit_code == 0  # help still renders


def test_unknown_command_without_plugins() -> None:
    set_default_host(PluginHost(allow=[]))
    extensions.reset()
    try:
        result = CliRunner().invoke(app, ["no-such-command"])
        assert result.exit_code == 2 and "No such command" in result.output
    finally:
        set_default_host(None)
        extensions.reset()
