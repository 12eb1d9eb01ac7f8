"""Bad request files: one clear line naming the key or file, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import crime, run_cli, write_extract, write_request


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_extract(tmp_path / "a.csv", [crime("A1", "2016-01-01", "on Facebook")])
    return tmp_path


def _refused(folder: Path, request: Path, *expected: str) -> None:
    out = folder / "case"
    proc = run_cli("answer", request, "--out", out)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("foidesk: error: ")
    assert "Traceback" not in proc.stderr
    for text in expected:
        assert text in proc.stderr, proc.stderr
    assert not out.exists()


def test_unknown_key(folder: Path) -> None:
    request = write_request(folder, [("a.csv", "A")])
    request.write_text(request.read_text().replace("from =", "form ="))
    _refused(folder, request, "request.toml", "population.form", "unknown key")


def test_unknown_top_level_key(folder: Path) -> None:
    request = write_request(folder, [("a.csv", "A")], extra='colour = "blue"')
    _refused(folder, request, "colour", "unknown key")


def test_bad_date(folder: Path) -> None:
    request = write_request(folder, [("a.csv", "A")], date_from='"01/01/2015"')
    _refused(folder, request, "population.from", "expected a date like 2019-04-26")


def test_impossible_date_is_a_toml_error(folder: Path) -> None:
    request = write_request(folder, [("a.csv", "A")], date_to="2019-02-31")
    _refused(folder, request, "request.toml", "not valid TOML")


def test_from_after_to(folder: Path) -> None:
    request = write_request(folder, [("a.csv", "A")], date_from="2020-01-01")
    _refused(folder, request, "population.from", "is after population.to")


def test_unknown_offence_group(folder: Path) -> None:
    request = write_request(folder, [("a.csv", "A")], offences='["drugz"]')
    _refused(folder, request, "population.offences", "'drugz'", "drugs")


def test_missing_source_file(folder: Path) -> None:
    request = write_request(folder, [("missing.csv", "A")])
    _refused(folder, request, "source[1].path", "missing.csv")


def test_a_term_no_lexicon_holds_is_searched_ad_hoc(folder: Path) -> None:
    (folder / "a.csv").write_text(
        "crime_ref,recorded_date,ho_code,offence,outcome,text\n"
        "A1,2018-01-05,92E,POSS CANNABIS,CHARGED,sold on Myspace and Facebook\n",
        encoding="utf-8",
    )
    request = write_request(folder, [("a.csv", "A")])
    request.write_text(request.read_text().replace('"Facebook"', '"Myspace"'))
    out = folder / "case"
    proc = run_cli("answer", request, "--out", out)
    assert proc.returncode == 0, proc.stderr
    method = (out / "public" / "method.md").read_text(encoding="utf-8")
    assert "Myspace: Myspace in any case" in method
    table = (out / "public" / "table.csv").read_text(encoding="utf-8")
    assert "Myspace" in table


def test_a_term_without_a_letter_is_refused(folder: Path) -> None:
    request = write_request(folder, [("a.csv", "A")])
    request.write_text(request.read_text().replace('"Facebook"', '"!!!"'))
    _refused(folder, request, "search.terms", "letter or digit")


def test_unknown_row_dimension(folder: Path) -> None:
    request = write_request(folder, [("a.csv", "A")], rows='["outcome", "colour"]')
    _refused(folder, request, "table.rows", "colour")


def test_missing_request_file(tmp_path: Path) -> None:
    _refused(tmp_path, tmp_path / "nope.toml", "nope.toml", "not found")


def test_debug_shows_the_traceback(folder: Path) -> None:
    request = write_request(folder, [("missing.csv", "A")])
    proc = run_cli("--debug", "answer", request, "--out", folder / "case")
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr and "RequestError" in proc.stderr
