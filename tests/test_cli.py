"""The command line: complete --help for every command, errors as one line."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli

COMMANDS = ["answer", "demo", "match", "deadline", "synth"]


def test_top_level_help_lists_every_command() -> None:
    proc = run_cli("--help")
    assert proc.returncode == 0
    for command in COMMANDS:
        assert command in proc.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(command: str) -> None:
    proc = run_cli(command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Usage:" in proc.stdout
    assert len(proc.stdout.splitlines()) > 5


def test_version() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("foidesk ")


def test_unknown_engine_is_one_line(tmp_path: object) -> None:
    from tests.conftest import SEED

    proc = run_cli("answer", SEED / "request.toml", "--out", f"{tmp_path}/c", "--engine", "x")
    assert proc.returncode == 2
    assert (
        proc.stderr == "foidesk: error: --engine: unknown engine 'x' (available: duckdb, spark)\n"
    )
