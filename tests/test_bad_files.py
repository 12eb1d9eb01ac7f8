"""Issue 11: hand-made bad files and what ``foidesk ingest`` must do with each.

``tests/data/bad/`` holds small synthetic extracts that go wrong in the ways real exports do
(encodings, quotes, headers, dates, references, sheets, mappings, JSON lines, delimiters), and
``EXPECTED.toml`` says, for each, what a careful analyst expects: refused with one line naming
the file and the problem, or loaded with the exact accounting a person reading the file would
count, the quarantined lines and the references loaded. The expectations were written before
the fixes: an entry fails until its behaviour is built.
"""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.conftest import run_cli

BAD = Path(__file__).parent / "data" / "bad"
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads(
    (BAD / "EXPECTED.toml").read_text(encoding="utf-8")
)
NOT_EXTRACTS = {"EXPECTED.toml", "make_xlsx.py"}  # mappings (*.toml) are not extracts either
COUNTS = ("rows_read", "rows_loaded", "rows_quarantined", "duplicates")
COMMON_KEYS = {"file", "mapping", "system", "why", "outcome"}
REFUSED_KEYS = COMMON_KEYS | {"message", "message_also"}
LOADED_KEYS = COMMON_KEYS | {
    *COUNTS,
    "quarantined_lines",
    "crime_refs",
    "texts",
    "dates",
    "cp1252_lines",
    "encoding_note",
}


def _extracts() -> list[str]:
    """The data files of the folder: everything but EXPECTED.toml, the generator, mappings."""
    return sorted(
        p.name
        for p in BAD.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and p.name not in NOT_EXTRACTS
        and p.suffix != ".toml"
    )


def _ingest(entry: dict[str, Any], tmp_path: Path) -> tuple[Any, Path]:
    out = tmp_path / "snap"
    args: list[Any] = ["ingest", BAD / entry["file"], "--system", entry.get("system", "Test")]
    args += ["--out", out]
    if "mapping" in entry:
        args += ["--mapping", BAD / entry["mapping"]]
    return run_cli(*args, cwd=tmp_path), out


def _holds_list(value: Any, wanted: list[int]) -> bool:
    """True when ``value`` (a manifest entry, at any depth) holds the list ``wanted``."""
    if isinstance(value, list):
        return value == wanted or any(_holds_list(v, wanted) for v in value)
    if isinstance(value, dict):
        return any(_holds_list(v, wanted) for v in value.values())
    return False


def _check_refused(entry: dict[str, Any], result: Any, out: Path, tmp_path: Path) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, f"exit {result.returncode}, stderr:\n{result.stderr}"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    line = lines[0]
    assert line.startswith("foidesk: error:"), line
    assert Path(entry["file"]).name in line, f"the error does not name the file: {line}"
    for wanted in [entry["message"], *entry.get("message_also", [])]:
        assert wanted in line, f"{wanted!r} not in: {line}"
    assert not out.exists(), "a refused ingest left a snapshot folder"
    left = [p.name for p in tmp_path.iterdir() if "partial" in p.name]
    assert not left, f"a refused ingest left {left}"


def _check_loaded(entry: dict[str, Any], result: Any, out: Path) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, f"exit {result.returncode}, stderr:\n{result.stderr}"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["sources"]) == 1
    source = manifest["sources"][0]
    got = {key: source[key] for key in COUNTS}
    wanted = {key: entry[key] for key in COUNTS}
    assert got == wanted, f"manifest {got}, expected {wanted}"
    assert source["rows_read"] == (
        source["rows_loaded"] + source["rows_quarantined"] + source["duplicates"]
    )
    with (out / "quarantine.csv").open(encoding="utf-8", newline="") as f:
        quarantined = list(csv.DictReader(f))
    assert sorted(int(row["line"]) for row in quarantined) == sorted(entry["quarantined_lines"]), (
        quarantined
    )
    crimes = {row["crime_ref"]: row for row in pq.read_table(out / "crimes.parquet").to_pylist()}
    assert sorted(crimes) == sorted(entry["crime_refs"])
    for ref, wanted in entry.get("texts", {}).items():
        texts = [v for k, v in crimes[ref].items() if k.startswith("text") and v is not None]
        assert any(wanted in t for t in texts), f"{ref}: {wanted!r} not in {texts!r}"
    for ref, wanted in entry.get("dates", {}).items():
        assert str(crimes[ref]["recorded_date"]) == wanted, f"{ref}: {crimes[ref]!r}"
    if "cp1252_lines" in entry:
        assert "cp1252" in json.dumps(source), f"the manifest does not say cp1252: {source}"
        assert _holds_list(source, entry["cp1252_lines"]), (
            f"the manifest does not list the cp1252 lines {entry['cp1252_lines']}: {source}"
        )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file(name: str, tmp_path: Path) -> None:
    """Each bad file is refused or loaded as EXPECTED.toml says."""
    entry = EXPECTED[name]
    result, out = _ingest(entry, tmp_path)
    if entry["outcome"] == "refused":
        _check_refused(entry, result, out, tmp_path)
    else:
        _check_loaded(entry, result, out)


def test_every_bad_file_has_an_expected_outcome() -> None:
    """Every extract in the folder has an entry, every entry's file and mapping exist, and
    every mapping in the folder is used by an entry: no file goes unchecked."""
    extracts = _extracts()
    assert len(extracts) >= 45
    named = {entry["file"] for entry in EXPECTED.values()}
    assert [f for f in extracts if f not in named] == []
    assert sorted(named - set(extracts)) == []
    mappings = {p.name for p in BAD.glob("*.toml")} - NOT_EXTRACTS
    used = {entry["mapping"] for entry in EXPECTED.values() if "mapping" in entry}
    assert sorted(mappings - used) == []
    assert sorted(used - mappings) == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expectation_is_well_formed(name: str) -> None:
    """An entry has the keys of its outcome, a reason, and counts that add up on their own."""
    entry = EXPECTED[name]
    assert entry.get("outcome") in ("refused", "loaded")
    assert isinstance(entry.get("why"), str) and entry["why"].strip()
    assert "\n" not in entry["why"]
    if entry["outcome"] == "refused":
        assert set(entry) <= REFUSED_KEYS, set(entry) - REFUSED_KEYS
        assert isinstance(entry.get("message"), str) and entry["message"]
        return
    assert set(entry) <= LOADED_KEYS, set(entry) - LOADED_KEYS
    assert all(isinstance(entry[key], int) for key in COUNTS)
    assert entry["rows_read"] == (
        entry["rows_loaded"] + entry["rows_quarantined"] + entry["duplicates"]
    )
    assert len(entry["quarantined_lines"]) == entry["rows_quarantined"]
    assert len(entry["crime_refs"]) == entry["rows_loaded"]
    for ref in [*entry.get("texts", {}), *entry.get("dates", {})]:
        assert ref in entry["crime_refs"], ref
