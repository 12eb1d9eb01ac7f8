"""Populations said in full (issue 12, item 2): ``population.offences`` is required; ``"all"``
counts every recorded crime, whatever its offence code (a missing or odd one included), in both
engines, and the title, the method and the audit say so."""

from __future__ import annotations

import json
import shutil
from importlib.util import find_spec
from pathlib import Path

import pytest

import foidesk
from foidesk.engines.population import PopulationRules
from foidesk.errors import RequestError, SourceError
from tests.conftest import COLUMNS, crime, run_cli, write_extract, write_request
from tests.helpers import answer_case

CHOICES = (
    'say which crimes to count: "all", offence groups (blade-possession, drugs, knife-selected, '
    "rape, robbery, shoplifting, weapons-possession), or Home Office codes such as"
)

# Crimes of several offences, in a window of 2018: drugs (92E), theft (49A), criminal damage
# (58A), one whose code is in another notation, one with no code; one cancelled, one outside
# the window
MIXED = [
    crime("A1", "2018-02-01", "sold on Snapchat"),
    crime("A2", "2018-03-01", "threats on Facebook", offence="HARASSMENT", ho_code="8N"),
    crime("A3", "2018-04-01", "bike listed on Facebook", offence="THEFT", ho_code="49A"),
    crime("A4", "2018-05-01", "smashed phone, WhatsApp", offence="DAMAGE", ho_code="58A"),
    crime("A5", "2018-06-01", "on Instagram", offence="ASSAULT", ho_code="105/1"),
    crime("A6", "2018-07-01", "met on TikTok", offence="FRAUD", ho_code=""),
    crime("A7", "2018-08-01", "no platform named", offence="THEFT", ho_code="49A"),
    crime("A8", "2018-09-01", "on Facebook", offence="THEFT", ho_code="49A", status="cancelled"),
    crime("A9", "2017-12-31", "on Facebook", offence="THEFT", ho_code="49A"),
]
IN_POPULATION = 7  # A1-A7: not A8 (cancelled) nor A9 (before the window)
WITH_MENTIONS = 6  # A7 names no platform


def _request(folder: Path, offences: str = '"all"', **kwargs: str) -> Path:
    return write_request(
        folder,
        [("a.csv", "Alpha")],
        date_from="2018-01-01",
        date_to="2018-12-31",
        offences=offences,
        **kwargs,
    )


def _without_offences(folder: Path) -> Path:
    request = _request(folder)
    text = request.read_text(encoding="utf-8")
    request.write_text(text.replace('offences = "all"\n', ""), encoding="utf-8")
    return request


def _refused(request: Path, *expected: str) -> str:
    with pytest.raises(RequestError) as caught:
        foidesk.load_request(request)
    message = str(caught.value)
    assert "\n" not in message, message
    assert message.startswith(f"{request}: population.offences: "), message
    for text in expected:
        assert text in message, message
    return message


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_extract(tmp_path / "a.csv", MIXED)
    return tmp_path


# the request file ---------------------------------------------------------------------------


def test_leaving_offences_out_is_refused_listing_the_choices(folder: Path) -> None:
    request = _without_offences(folder)
    message = _refused(request, "is required: " + CHOICES, '["92D"]')
    assert "drugs" in message  # the default it used to take silently is now a choice to name


def test_leaving_offences_out_is_one_line_and_exit_2_from_the_cli(folder: Path) -> None:
    request = _without_offences(folder)
    proc = run_cli("answer", request, "--out", folder / "case")
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("foidesk: error: "), proc.stderr
    assert "request.toml: population.offences: is required: " + CHOICES in lines[0]
    assert not (folder / "case").exists()


@pytest.mark.parametrize(
    ("offences", "expected"),
    [
        ("[]", "is empty: "),
        ('""', "is empty: "),
        ('"  "', "is empty: "),
        ("5", "expected a list, got 5: "),
        ("{ group = 'drugs' }", "expected a list"),
        ('"drugz"', "unknown offence group or code 'drugz': "),
        ('["drugs", "everything"]', "unknown offence group or code 'everything': "),
        ('"drugs, 92A"', "unknown offence group or code 'drugs, 92A': "),
    ],
)
def test_an_empty_or_unknown_choice_is_refused_listing_the_choices(
    folder: Path, offences: str, expected: str
) -> None:
    _refused(_request(folder, offences), expected, CHOICES)


def test_all_beside_groups_or_codes_is_refused(folder: Path) -> None:
    _refused(_request(folder, '["all", "drugs"]'), '"all" counts every crime', "give it alone")
    _refused(_request(folder, '["92E", "ALL"]'), '"all" counts every crime')


@pytest.mark.parametrize("offences", ['"all"', '"ALL"', '["all"]', '" All "'])
def test_all_offences(folder: Path, offences: str) -> None:
    request = foidesk.load_request(_request(folder, offences))
    assert request.all_offences
    assert request.offence_terms == ("all",)
    assert request.offence_codes == ()
    assert request.population_label == "All Offences"


@pytest.mark.parametrize(
    ("offences", "terms", "codes"),
    [
        ('"drugs"', ("drugs",), ("92A", "92C", "92D", "92E")),
        ('"092e"', ("092e",), ("92E",)),
        ('["drugs"]', ("drugs",), ("92A", "92C", "92D", "92E")),
        ('["92D", "49A"]', ("92D", "49A"), ("92D", "49A")),
    ],
)
def test_a_group_or_code_may_be_a_string_or_a_list(
    folder: Path, offences: str, terms: tuple[str, ...], codes: tuple[str, ...]
) -> None:
    request = foidesk.load_request(_request(folder, offences))
    assert not request.all_offences
    assert (request.offence_terms, request.offence_codes) == (terms, codes)


# the rules ----------------------------------------------------------------------------------


def test_the_rules_of_all_offences_are_the_window_alone(folder: Path) -> None:
    rules = PopulationRules.of(foidesk.load_request(_request(folder)))
    assert rules.in_scope() == rules.in_window()
    assert "ho_code" not in rules.in_scope()
    assert rules.odd_code() == "(FALSE)"
    assert rules.describe()["offence_codes"] == "all"
    drugs = PopulationRules.of(foidesk.load_request(_request(folder, '["drugs"]')))
    assert "ho_code IN ('92A', '92C', '92D', '92E')" in drugs.in_scope()
    assert drugs.describe()["offence_codes"] == ["92A", "92C", "92D", "92E"]


# the answer ---------------------------------------------------------------------------------


def _offences_of(answer: foidesk.Answer) -> set[str]:
    return {row.labels[1] for row in answer.table.rows if row.level == "offence"}


def test_all_offences_counts_every_code_a_missing_or_odd_one_too(folder: Path) -> None:
    run = answer_case(_request(folder), folder / "case")
    counts = run.audit["counts"]
    assert counts["population"] == IN_POPULATION
    assert counts["excluded_cancelled"] == 1
    assert run.table.grand_total.total == WITH_MENTIONS
    assert _offences_of(run.answer) == {
        "(B) STATE BASED: DRUGS - CLASS B CANNABIS - POSSESSION OF A CONTROLLED DRUG",
        "HARASSMENT",
        "THEFT",
        "DAMAGE",
        "ASSAULT",  # 105/1: not in the Home Office notation, counted all the same
        "FRAUD",  # no code at all
    }
    # the title, the method and the audit say which crimes were counted
    assert run.table.title.startswith("Recorded Crime: All Offences - Free Text search ")
    method = (run.folders["public"] / "method.md").read_text(encoding="utf-8")
    assert (
        "Crimes recorded from 1 January 2018 to 31 December 2018 inclusive (by the date the "
        "crime was recorded), of every offence. Cancelled and transferred records are excluded"
    ) in method
    assert "Home Office offence codes" not in method
    assert "All Offences" in (run.folders["public"] / "table.md").read_text(encoding="utf-8")
    audit = json.loads((run.folders["internal"] / "audit.json").read_text(encoding="utf-8"))
    assert audit["population"]["offence_codes"] == "all"
    # nothing is odd about a code when every code is counted
    kinds = {n["kind"] for n in audit["notices"]}
    assert not kinds & {"unknown-offence-codes", "near-offence-codes", "empty-population"}


def test_the_same_extract_by_offence_group_counts_the_drugs_alone(folder: Path) -> None:
    answer = foidesk.answer(_request(folder, '["drugs"]'))
    assert answer.audit["counts"]["population"] == 1
    assert answer.table.title.startswith("Recorded Crime: Drug Offences - ")
    assert answer.audit["population"]["offence_codes"] == ["92A", "92C", "92D", "92E"]
    assert "unknown-offence-codes" in {n.kind for n in answer.notices}


def _without_codes(folder: Path) -> None:
    """The extract without its ho_code column."""
    columns = [c for c in COLUMNS if c != "ho_code"]
    rows = [{k: v for k, v in row.items() if k != "ho_code"} for row in MIXED]
    write_extract(folder / "a.csv", rows, columns)


def test_all_offences_needs_no_ho_code_column(folder: Path) -> None:
    _without_codes(folder)
    answer = foidesk.answer(_request(folder))
    assert answer.audit["counts"]["population"] == IN_POPULATION
    assert answer.table.grand_total.total == WITH_MENTIONS
    assert not {n.kind for n in answer.notices} & {"unknown-offence-codes", "empty-population"}
    # a population chosen by code still needs the codes
    with pytest.raises(SourceError, match="no ho_code values"):
        foidesk.answer(_request(folder, '["drugs"]'))


def test_all_offences_with_every_ho_code_blank(folder: Path) -> None:
    write_extract(folder / "a.csv", [{**row, "ho_code": ""} for row in MIXED])
    answer = foidesk.answer(_request(folder, rows='["offence", "platform"]'))
    assert answer.audit["counts"]["population"] == IN_POPULATION
    assert answer.table.grand_total.total == WITH_MENTIONS


def test_all_offences_labelled_by_home_office_code(folder: Path) -> None:
    answer = foidesk.answer(_request(folder, offence_label="home_office"))
    offences = _offences_of(answer)
    named = {"92E Possession of cannabis", "8N Assault with injury"}  # home_office.toml's
    assert named <= offences
    assert {"49A", "58A", "105/1", "NO HOME OFFICE CODE"} == offences - named
    labels = [row.labels[1] for row in answer.table.rows if row.level == "offence"]
    assert labels[-1] == "NO HOME OFFICE CODE"  # a crime with no code comes last


def test_all_offences_in_a_window_of_cancelled_records_is_refused_unless_allowed(
    tmp_path: Path,
) -> None:
    write_extract(
        tmp_path / "a.csv",
        [crime("C1", "2018-02-01", "on Facebook", ho_code="49A", status="cancelled")],
    )
    request = _request(tmp_path)
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert "none of the 1 records in the window is a counted crime" in proc.stderr
    assert "offence code" not in proc.stderr and "--allow-empty" in proc.stderr
    answer = foidesk.answer(request, allow_empty=True)
    assert answer.table.grand_total.total == 0
    assert [n.kind for n in answer.notices if "population" in n.kind] == ["empty-population"]


# the scale-out engine -----------------------------------------------------------------------

needs_spark = pytest.mark.skipif(
    find_spec("pyspark") is None or shutil.which("java") is None,
    reason="PySpark or Java is missing (pip install 'foidesk[spark]'; default-jre-headless)",
)


@needs_spark
def test_spark_counts_all_offences_as_the_embedded_engine(folder: Path) -> None:
    from foidesk.engines.spark.engine import SparkEngine

    write_extract(
        folder / "b.csv",
        [
            {k: v for k, v in row.items() if k != "ho_code"}
            for row in [
                crime("B1", "2018-10-01", "on Snapchat", offence="ROBBERY"),
                crime("A3", "2018-11-01", "Facebook again", offence="THEFT"),  # the later copy
            ]
        ],
        [c for c in COLUMNS if c != "ho_code"],
    )
    request = write_request(
        folder,
        [("a.csv", "Legacy"), ("b.csv", "Athena")],
        date_from="2018-01-01",
        date_to="2018-12-31",
        offences='"all"',
    )
    duck = foidesk.answer(request)
    spark = foidesk.answer(request, engine=SparkEngine(master="local[2]"))
    assert duck.audit["counts"]["population"] == IN_POPULATION + 1
    assert duck.table.grand_total.total == WITH_MENTIONS + 1
    assert spark.table == duck.table
    assert spark.coverage == duck.coverage
    assert spark.evidence.to_pylist() == duck.evidence.to_pylist()
    for key in ("candidate_crimes", "in_window_and_offences", "excluded_cancelled", "population"):
        assert spark.audit["counts"][key] == duck.audit["counts"][key], key
    assert spark.audit["population"] == duck.audit["population"]
    assert spark.audit["population"]["offence_codes"] == "all"
    assert not {n.kind for n in spark.notices} & {"unknown-offence-codes", "near-offence-codes"}
