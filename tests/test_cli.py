"""The command line: complete --help for every command, errors as one line."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from foidesk.cli import app
from tests.conftest import SEED, run_cli


def _subcommands(command: Any) -> dict[str, Any]:
    """A group's commands by name (Typer's Click is vendored: duck-typed, not isinstance)."""
    return dict(getattr(command, "commands", None) or {})


def _commands(group: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every command of the app, sub-apps and their commands included, by its path of names."""
    found: dict[tuple[str, ...], Any] = {}
    for name, command in _subcommands(group).items():
        found[(*path, name)] = command
        found.update(_commands(command, (*path, name)))
    return found


def _options(command: Any) -> list[Any]:
    return [
        p
        for p in command.params
        if p.param_type_name == "option" and not getattr(p, "hidden", False)
    ]


ROOT = typer.main.get_command(app)
COMMANDS = _commands(ROOT)


def _squash(text: str) -> str:
    """Text without whitespace, so help wrapped at any width compares equal."""
    return re.sub(r"\s+", "", text)


def _has_option(help_text: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_text) is not None


def test_commands_are_found_from_the_app() -> None:
    assert ("answer",) in COMMANDS and ("deadline",) in COMMANDS
    registered = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
    assert registered <= {path[0] for path in COMMANDS}


def test_top_level_help_lists_every_command_and_option() -> None:
    proc = run_cli("--help")
    assert proc.returncode == 0, proc.stderr
    assert "Usage:" in proc.stdout
    listed = set(re.findall(r"^  (\S+)", proc.stdout.split("Commands:")[1], re.MULTILINE))
    assert {path[0] for path in COMMANDS} <= listed
    assert _options(ROOT)
    for param in _options(ROOT):
        for option in (*param.opts, *param.secondary_opts):
            assert _has_option(proc.stdout, option), option
        assert param.help and _squash(param.help) in _squash(proc.stdout)


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_each_command_has_complete_help(path: tuple[str, ...]) -> None:
    command = COMMANDS[path]
    assert command.help and command.help.strip(), f"{' '.join(path)} has no docstring"
    first_line = inspect.cleandoc(command.help).splitlines()[0]
    proc = run_cli(*path, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Usage:" in proc.stdout
    assert _squash(first_line) in _squash(proc.stdout)
    shown = [p for p in command.params if not getattr(p, "hidden", False)]
    for param in shown:
        if param.param_type_name == "option":
            for option in (*param.opts, *param.secondary_opts):
                assert _has_option(proc.stdout, option), f"{option} not in {' '.join(path)} --help"
        else:
            assert param.name and param.name.lower() in proc.stdout.lower()
        text = getattr(param, "help", None)
        assert text, f"{param.name} of {' '.join(path)} has no help"
        assert _squash(text) in _squash(proc.stdout), f"help of {param.name}"
    for name in _subcommands(command):  # a sub-app lists its commands
        assert _has_option(proc.stdout, name), name


def test_version() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("foidesk ")


def test_unknown_engine_is_one_line(tmp_path: Path) -> None:
    proc = run_cli("answer", SEED / "request.toml", "--out", tmp_path / "c", "--engine", "x")
    assert proc.returncode == 2
    assert proc.stderr == (
        "foidesk: error: --engine: unknown engine 'x' (installed: duckdb, spark)\n"
    )
    assert proc.stdout == ""
    assert not (tmp_path / "c").exists()  # nothing written
