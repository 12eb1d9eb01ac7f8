"""``counting.table.build_table`` on hand-built crime hits: the counting rules without an engine."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

import foidesk
from foidesk.casework.periods import Period, period_key, periods
from foidesk.counting.table import NO_OUTCOME, build_table
from foidesk.engines.base import CRIME_HITS_SCHEMA
from foidesk.release.table import FoiTable
from tests.conftest import COCAINE, crime, write_extract, write_request

CANNABIS = "(B) STATE BASED: DRUGS - CLASS B CANNABIS - POSSESSION OF A CONTROLLED DRUG"
TERMS = ["Facebook", "Twitter", "WhatsApp", "Instagram", "TikTok", "Snapchat"]


def _request(tmp_path: Path, **kwargs: Any) -> foidesk.Request:
    """A request over 2016-01-01 .. 2018-12-31 (unless given) with two systems."""
    write_extract(tmp_path / "legacy.csv", [crime("L0", "2016-01-01")])
    write_extract(tmp_path / "athena.csv", [crime("A0", "2018-01-01")])
    kwargs.setdefault("date_from", "2016-01-01")
    kwargs.setdefault("date_to", "2018-12-31")
    path = write_request(tmp_path, [("legacy.csv", "Legacy"), ("athena.csv", "Athena")], **kwargs)
    return foidesk.load_request(path)


def hit(
    ref: str,
    platform: str,
    when: str = "2016-06-01",
    *,
    system: str = "Legacy",
    offence: str = CANNABIS,
    ho_code: str = "92E",
    outcome: str | None = "CAUTION",
    ho_outcome: str | None = "3",
    kind: str = "year",
    certain: bool = True,
) -> dict[str, Any]:
    day = date.fromisoformat(when)
    return {
        "crime_ref": ref,
        "system": system,
        "recorded_date": day,
        "period": period_key(day, kind),
        "offence": offence,
        "ho_code": ho_code,
        "outcome": outcome,
        "ho_outcome": ho_outcome,
        "platform": platform,
        "certain": certain,
    }


SOCIAL_MEDIA_WORDS = foidesk.load_lexicon("social-media").words


def _build(
    request: foidesk.Request, rows: list[dict[str, Any]], platforms: list[str] = TERMS
) -> FoiTable:
    crime_hits = pa.Table.from_pylist(rows, schema=CRIME_HITS_SCHEMA)
    cols: list[Period] = periods(request.date_from, request.date_to, request.columns)
    return build_table(crime_hits, request, cols, platforms, SOCIAL_MEDIA_WORDS)


def _cells(table: FoiTable) -> dict[tuple[str, ...], tuple[tuple[int, ...], int]]:
    return {r.labels: (r.counts, r.total) for r in table.rows}


def test_crime_naming_two_terms_counts_once_under_each_and_once_in_totals(
    tmp_path: Path,
) -> None:
    request = _request(tmp_path, rows='["outcome", "offence", "platform"]')
    table = _build(
        request,
        [
            hit("C1", "Snapchat", "2017-02-01"),
            hit("C1", "WhatsApp", "2017-02-01"),
            hit("C2", "Snapchat", "2017-05-01"),
        ],
    )
    cells = _cells(table)
    assert cells[("CAUTION", CANNABIS, "WhatsApp")] == ((0, 1, 0), 1)
    assert cells[("CAUTION", CANNABIS, "Snapchat")] == ((0, 2, 0), 2)
    # the two platform rows add up to 3; the offence, outcome and grand totals count 2 crimes
    assert cells[("CAUTION", CANNABIS)] == ((0, 2, 0), 2)
    assert cells[("CAUTION",)] == ((0, 2, 0), 2)
    assert (table.grand_total.counts, table.grand_total.total) == ((0, 2, 0), 2)
    assert table.grand_total.level == "total"
    assert table.multi_platform_crimes == 1
    notes = [n for n in table.footnotes if "more than one platform" in n]
    assert notes == [
        "1 crime mentions more than one platform: each is counted once under every platform "
        "it mentions and once in each total above them, so platform rows can add up to more "
        "than their totals."
    ]
    # platforms in the order of the request's terms, not alphabetically
    labels = [r.labels for r in table.rows]
    assert labels.index(("CAUTION", CANNABIS, "WhatsApp")) < labels.index(
        ("CAUTION", CANNABIS, "Snapchat")
    )


def test_multi_platform_footnote_in_the_plural_and_absent_without_such_crimes(
    tmp_path: Path,
) -> None:
    request = _request(tmp_path)
    table = _build(
        request,
        [
            hit("C1", "Facebook"),
            hit("C1", "Twitter"),
            hit("C2", "Facebook"),
            hit("C2", "Instagram"),
            hit("C2", "TikTok"),
        ],
    )
    assert table.multi_platform_crimes == 2
    assert any(n.startswith("2 crimes mention more than one platform:") for n in table.footnotes)
    assert table.grand_total.total == 2

    single = _build(request, [hit("C1", "Facebook"), hit("C2", "Twitter")])
    assert single.multi_platform_crimes == 0
    assert not any("more than one platform" in n for n in single.footnotes)
    assert single.footnotes[-1] == (
        "Each figure is a count of distinct crimes. Outcomes are police outcomes, not convictions."
    )


def test_row_total_counts_distinct_crimes_across_years(tmp_path: Path) -> None:
    request = _request(tmp_path, rows='["platform"]')
    table = _build(
        request,
        [hit("C1", "Facebook", "2016-03-01"), hit("C2", "Facebook", "2018-03-01")],
    )
    assert _cells(table) == {("Facebook",): ((1, 0, 1), 2)}


def test_a_year_with_no_crimes_is_a_zero_column(tmp_path: Path) -> None:
    request = _request(tmp_path, date_from="2015-03-05", date_to="2019-04-30")
    table = _build(request, [hit("C1", "Facebook", "2017-03-01")])
    assert [p.label for p in table.periods] == ["2015", "2016", "2017", "2018", "2019"]
    assert table.grand_total.counts == (0, 0, 1, 0, 0)
    for row in table.rows:
        assert row.counts == (0, 0, 1, 0, 0)
    assert table.footnotes[:2] == (
        "* Part year: 2015 covers 5 March 2015 to 31 December 2015 only.",
        "* Part year: 2019 covers 1 January 2019 to 30 April 2019 only.",
    )


def test_no_hits_still_has_every_period(tmp_path: Path) -> None:
    request = _request(tmp_path)
    table = _build(request, [])
    assert table.rows == ()
    assert table.grand_total.counts == (0, 0, 0)
    assert table.grand_total.total == 0
    assert table.title == (
        "Recorded Crime: Drug Offences - Free Text search "
        "Facebook/Twitter/WhatsApp/Instagram/TikTok/Snapchat 01.01.2016 – 31.12.2018"
    )


def test_financial_year_columns(tmp_path: Path) -> None:
    request = _request(
        tmp_path, date_from="2017-04-01", date_to="2019-06-30", columns="financial_year"
    )
    kind = "financial_year"
    table = _build(
        request,
        [
            hit("C1", "Facebook", "2018-03-31", kind=kind),
            hit("C2", "Facebook", "2018-04-01", kind=kind),
            hit("C3", "Facebook", "2019-03-31", kind=kind),
        ],
    )
    assert [p.marked_label for p in table.periods] == ["2017/18", "2018/19", "2019/20*"]
    assert table.grand_total.counts == (1, 2, 0)
    assert table.footnotes[0] == "* Part year: 2019/20 covers 1 April 2019 to 30 June 2019 only."


def test_outcomes_ordered_by_home_office_outcome_type(tmp_path: Path) -> None:
    request = _request(tmp_path, rows='["outcome"]')
    outcomes = [
        ("ZEBRA DISPOSAL", None),  # no number: after every numbered outcome, alphabetically
        ("NO FURTHER ACTION", None),  # 16 from the built-in label map
        ("Local resolution", "8"),
        ("Charged", "1A"),  # 1A comes after 1 and before 2
        ("ALPHA DISPOSAL", ""),
        ("Summonsed", "1"),
        ("Cannabis warning", "7.0"),  # a number read from a float column
        ("Youth caution", "2"),
        ("Other body", "20"),
    ]
    rows = [
        hit(f"C{i}", "Facebook", outcome=label, ho_outcome=code)
        for i, (label, code) in enumerate(outcomes)
    ]
    table = _build(request, rows)
    assert [r.labels[0] for r in table.rows] == [
        "Summonsed",
        "Charged",
        "Youth caution",
        "Cannabis warning",
        "Local resolution",
        "NO FURTHER ACTION",
        "Other body",
        "ALPHA DISPOSAL",
        "ZEBRA DISPOSAL",
    ]
    assert all(r.counts == (1, 0, 0) for r in table.rows)


@pytest.mark.parametrize("missing", [None, ""])
def test_missing_outcome_is_no_outcome_recorded(tmp_path: Path, missing: str | None) -> None:
    request = _request(tmp_path, rows='["outcome", "platform"]')
    table = _build(
        request,
        [
            hit("C1", "Facebook", outcome=missing, ho_outcome=None),
            hit("C2", "Twitter", outcome=missing, ho_outcome=None),
            hit("C3", "Facebook", outcome="CHARGED", ho_outcome="1"),
        ],
    )
    assert NO_OUTCOME == "NO OUTCOME RECORDED"
    cells = _cells(table)
    assert cells[("NO OUTCOME RECORDED",)] == ((2, 0, 0), 2)
    assert cells[("NO OUTCOME RECORDED", "Facebook")] == ((1, 0, 0), 1)
    # a crime with no outcome sorts after those with a Home Office outcome type
    outcomes = [r.labels[0] for r in table.rows if r.level == "outcome"]
    assert outcomes == ["CHARGED", "NO OUTCOME RECORDED"]
    assert "" not in {label for r in table.rows for label in r.labels}


def test_offence_rows_by_code_then_label(tmp_path: Path) -> None:
    request = _request(tmp_path, rows='["offence"]')
    table = _build(
        request,
        [
            hit("C1", "Facebook", offence="Possession of cannabis (B)", ho_code="92E"),
            hit("C2", "Facebook", offence="CANNABIS POSSESSION", ho_code="92E"),
            hit("C3", "Facebook", offence="ZZ supply of crack cocaine", ho_code="92A"),
            hit("C4", "Facebook", offence=COCAINE, ho_code="92D"),
        ],
    )
    assert [r.labels for r in table.rows] == [
        ("ZZ supply of crack cocaine",),
        (COCAINE,),
        ("CANNABIS POSSESSION",),
        ("Possession of cannabis (B)",),
    ]
    assert table.heading == "OFFENCE"


def test_home_office_offence_label_is_one_row_per_code(tmp_path: Path) -> None:
    request = _request(tmp_path, rows='["offence", "platform"]', offence_label="home_office")
    table = _build(
        request,
        [
            hit("C1", "Facebook", "2016-06-01", offence=CANNABIS, ho_code="92E"),
            hit(
                "C2",
                "Facebook",
                "2018-07-01",
                system="Athena",
                offence="Possession of a controlled drug - Class B - Cannabis",
                ho_code="92E",
            ),
            hit("C3", "Twitter", "2017-01-01", offence=COCAINE, ho_code="92D"),
        ],
    )
    cells = _cells(table)
    assert [r.labels for r in table.rows if r.level == "offence"] == [
        ("92D Possession of controlled drugs (excluding cannabis)",),
        ("92E Possession of cannabis",),
    ]
    assert cells[("92E Possession of cannabis",)] == ((1, 0, 1), 2)
    assert cells[("92E Possession of cannabis", "Facebook")] == ((1, 0, 1), 2)
    assert cells[("92D Possession of controlled drugs (excluding cannabis)", "Twitter")] == (
        (0, 1, 0),
        1,
    )
    # with the force's labels the two wordings of 92E are two rows
    force = _build(
        _request(tmp_path, rows='["offence", "platform"]'),
        [
            hit("C1", "Facebook", "2016-06-01", offence=CANNABIS, ho_code="92E"),
            hit(
                "C2",
                "Facebook",
                "2018-07-01",
                offence="Possession of a controlled drug - Class B - Cannabis",
                ho_code="92E",
            ),
        ],
    )
    assert len([r for r in force.rows if r.level == "offence"]) == 2


def test_a_term_not_asked_for_is_ignored(tmp_path: Path) -> None:
    request = _request(tmp_path, rows='["outcome", "platform"]')
    table = _build(
        request,
        [
            hit("C1", "Facebook"),
            hit("C1", "Telegram"),  # found by the lexicon, but not one of the terms
            hit("C2", "Telegram"),  # a crime naming only that term is not in the table
        ],
        platforms=["Facebook", "Twitter"],
    )
    assert _cells(table) == {
        ("CAUTION",): ((1, 0, 0), 1),
        ("CAUTION", "Facebook"): ((1, 0, 0), 1),
    }
    assert table.grand_total.total == 1
    assert table.multi_platform_crimes == 0  # Telegram does not make C1 a two-platform crime
    assert "Telegram" not in table.title
    assert table.title.startswith(
        "Recorded Crime: Drug Offences - Free Text search Facebook/Twitter "
    )


def test_a_period_outside_the_window_is_ignored(tmp_path: Path) -> None:
    request = _request(tmp_path, rows='["platform"]')
    table = _build(
        request,
        [
            hit("C1", "Facebook", "2015-12-31"),
            hit("C2", "Facebook", "2016-01-01"),
            hit("C3", "Facebook", "2019-01-01"),
        ],
    )
    assert _cells(table) == {("Facebook",): ((1, 0, 0), 1)}
    assert table.grand_total.total == 1


def test_rows_platform_then_outcome(tmp_path: Path) -> None:
    request = _request(tmp_path, rows='["platform", "outcome"]')
    table = _build(
        request,
        [
            hit("C1", "Snapchat", outcome="CAUTION", ho_outcome="3"),
            hit("C1", "Facebook", outcome="CAUTION", ho_outcome="3"),
            hit("C2", "Facebook", "2017-01-01", outcome="CHARGED", ho_outcome="1"),
        ],
    )
    assert table.heading == "SOCIAL MEDIA PLATFORM/OUTCOME"
    assert table.dimensions == ("term", "outcome")
    assert [(r.level, r.labels, r.counts, r.total) for r in table.rows] == [
        ("term", ("Facebook",), (1, 1, 0), 2),
        ("outcome", ("Facebook", "CHARGED"), (0, 1, 0), 1),
        ("outcome", ("Facebook", "CAUTION"), (1, 0, 0), 1),
        ("term", ("Snapchat",), (1, 0, 0), 1),
        ("outcome", ("Snapchat", "CAUTION"), (1, 0, 0), 1),
    ]
    # the grand total counts C1 once though it is under two platform rows
    assert table.grand_total.counts == (1, 1, 0)
    assert any("more than one platform" in n for n in table.footnotes)


def test_rows_by_system_in_the_order_of_the_request(tmp_path: Path) -> None:
    request = _request(tmp_path, rows='["system", "platform"]')
    assert [s.system for s in request.sources] == ["Legacy", "Athena"]
    table = _build(
        request,
        [
            hit("A1", "Twitter", "2018-07-01", system="Athena"),
            hit("L1", "Facebook", "2016-06-01", system="Legacy"),
            hit("L2", "Facebook", "2017-06-01", system="Legacy"),
            hit("L2", "Twitter", "2017-06-01", system="Legacy"),
        ],
    )
    assert table.heading == "RECORD SYSTEM/SOCIAL MEDIA PLATFORM"
    assert [(r.labels, r.counts, r.total) for r in table.rows] == [
        (("Legacy",), (1, 1, 0), 2),
        (("Legacy", "Facebook"), (1, 1, 0), 2),
        (("Legacy", "Twitter"), (0, 1, 0), 1),
        (("Athena",), (0, 0, 1), 1),
        (("Athena", "Twitter"), (0, 0, 1), 1),
    ]
    assert table.grand_total.counts == (1, 1, 1)
    assert table.multi_platform_crimes == 1


def test_no_platform_dimension_no_multi_platform_footnote(tmp_path: Path) -> None:
    """Without platform rows no row adds up to more than its total: no footnote about it."""
    request = _request(tmp_path, rows='["outcome", "offence"]')
    table = _build(request, [hit("C1", "Facebook"), hit("C1", "Twitter")])
    assert _cells(table)[("CAUTION", CANNABIS)] == ((1, 0, 0), 1)
    assert table.grand_total.total == 1
    assert not any("more than one platform" in n for n in table.footnotes)
