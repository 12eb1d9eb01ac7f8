"""A third engine is one installable module: registered in the ``foidesk.engines`` entry-point
group, it answers a request with no edit to foidesk, and gives the embedded engine's table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import foidesk
from foidesk.release.render import RENDERERS
from tests.conftest import SEED

TOY = Path(__file__).parent / "data" / "toy_engine" / "foidesk_toy_engine.py"


@pytest.fixture
def toy_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The toy engine as an installed distribution: its module and a dist-info folder with an
    entry point, on sys.path (what pip install would leave)."""
    site = tmp_path / "site"
    dist = site / "foidesk_toy_engine-0.1.dist-info"
    dist.mkdir(parents=True)
    (site / TOY.name).write_text(TOY.read_text(encoding="utf-8"), encoding="utf-8")
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: foidesk-toy-engine\nVersion: 0.1\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(
        "[foidesk.engines]\ntoy = foidesk_toy_engine:ToyEngine\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(site))
    return site


def test_the_toy_engine_is_found_and_answers_the_seed_like_duckdb(toy_installed: Path) -> None:
    assert "toy" in foidesk.engine_names()
    request = foidesk.load_request(SEED / "request.toml")
    toy = foidesk.answer(request, engine="toy", engine_options={"greeting": "hi"})
    duck = foidesk.answer(request)
    assert toy.audit["engine"] == {"name": "toy", "greeting": "hi"}
    assert RENDERERS["csv"](toy.table) == RENDERERS["csv"](duck.table)
    assert toy.table.grand_total.total == duck.table.grand_total.total > 0
    assert toy.evidence.to_pylist() == duck.evidence.to_pylist()
    assert toy.coverage == duck.coverage


def test_an_engine_option_it_does_not_take_is_one_line(toy_installed: Path) -> None:
    request = foidesk.load_request(SEED / "request.toml")
    with pytest.raises(foidesk.EngineError, match=r"no such option \(its options: greeting\)"):
        foidesk.answer(request, engine="toy", engine_options={"colour": "red"})


def test_the_command_line_runs_the_toy_engine(toy_installed: Path, tmp_path: Path) -> None:
    env_path = f"{toy_installed}"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "foidesk",
            "answer",
            str(SEED / "request.toml"),
            "--out",
            str(tmp_path / "case"),
            "--engine",
            "toy",
            "--format",
            "csv",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("level,outcome,offence,platform,")
    assert (tmp_path / "case" / "public" / "letter.md").is_file()


def test_an_unknown_engine_names_the_installed_ones() -> None:
    request = foidesk.load_request(SEED / "request.toml")
    with pytest.raises(foidesk.EngineError, match=r"unknown engine 'nope' \(installed: duckdb, "):
        foidesk.answer(request, engine="nope")
