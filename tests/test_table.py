"""Counting rules of the FOI table: distinct crimes, every year shown, part years, layouts."""

from __future__ import annotations

from pathlib import Path

from foidesk.release.render import RENDERERS
from tests.conftest import COCAINE, crime, write_extract, write_request
from tests.helpers import answer_case


def _rows(result_table: object) -> dict[tuple[str, ...], tuple[tuple[int, ...], int]]:
    return {r.labels: (r.counts, r.total) for r in result_table.rows}  # type: ignore[attr-defined]


def test_crime_naming_two_platforms(tmp_path: Path) -> None:
    write_extract(
        tmp_path / "a.csv",
        [
            crime("A1", "2016-05-01", "Deal set up on Snapchat, payment chat on WhatsApp."),
            crime("A2", "2016-06-01", "Messages on Snapchat."),
        ],
    )
    request = write_request(
        tmp_path,
        [("a.csv", "Alpha")],
        date_from="2016-01-01",
        date_to="2016-12-31",
        rows='["outcome", "platform"]',
    )
    result = answer_case(request, tmp_path / "case")
    rows = _rows(result.table)
    assert rows[("CAUTION", "WhatsApp")] == ((1,), 1)
    assert rows[("CAUTION", "Snapchat")] == ((2,), 2)
    # the outcome total counts the two crimes once each, not three platform mentions
    assert rows[("CAUTION",)] == ((2,), 2)
    assert result.table.grand_total.total == 2
    assert result.table.multi_platform_crimes == 1
    assert any("more than one platform" in note for note in result.table.footnotes)
    text = RENDERERS["text"](result.table)
    assert "1 crime mentions more than one platform" in text
    # platforms in the order of the request's terms: Snapchat is last there
    labels = [r.labels for r in result.table.rows]
    assert labels.index(("CAUTION", "WhatsApp")) < labels.index(("CAUTION", "Snapchat"))


def test_every_year_shown_with_zeros_and_part_years_marked(tmp_path: Path) -> None:
    write_extract(tmp_path / "a.csv", [crime("A1", "2017-03-01", "on Facebook")])
    request = write_request(
        tmp_path, [("a.csv", "Alpha")], date_from="2015-03-05", date_to="2019-04-30"
    )
    result = answer_case(request, tmp_path / "case")
    assert [p.label for p in result.table.periods] == ["2015", "2016", "2017", "2018", "2019"]
    assert [p.partial for p in result.table.periods] == [True, False, False, False, True]
    assert result.table.grand_total.counts == (0, 0, 1, 0, 0)
    text = RENDERERS["text"](result.table)
    assert "2015*" in text and "2019*" in text and "2016*" not in text
    assert "2015 covers 5 March 2015 to 31 December 2015 only" in text
    assert "2019 covers 1 January 2019 to 30 April 2019 only" in text
    csv_header = RENDERERS["csv"](result.table).splitlines()[0]
    assert csv_header.endswith("2015,2016,2017,2018,2019,Grand Total")  # plain in CSV


def test_window_with_no_hits_still_has_every_year(tmp_path: Path) -> None:
    write_extract(tmp_path / "a.csv", [crime("A1", "2017-03-01", "no platform here")])
    request = write_request(
        tmp_path, [("a.csv", "Alpha")], date_from="2016-01-01", date_to="2018-12-31"
    )
    result = answer_case(request, tmp_path / "case")
    assert result.table.rows == ()
    assert result.table.grand_total.counts == (0, 0, 0)
    assert RENDERERS["csv"](result.table) == (
        "level,outcome,offence,platform,2016,2017,2018,Grand Total\ntotal,,,,0,0,0,0\n"
    )
    letter = (result.folders["public"] / "letter.md").read_text()
    assert "No results were found on the Alpha crime recording system (1 records" in letter


def test_window_is_inclusive_and_timestamps_count_by_date(tmp_path: Path) -> None:
    write_extract(
        tmp_path / "a.csv",
        [
            crime("A1", "2015-01-01 00:00:00", "on Facebook"),
            crime("A2", "30/04/2019 23:59", "on Facebook"),
            crime("A3", "2019-05-01", "on Facebook"),
            crime("A4", "31/12/2014 23:59:59", "on Facebook"),
        ],
    )
    request = write_request(tmp_path, [("a.csv", "Alpha")])
    result = answer_case(request, tmp_path / "case")
    assert result.table.grand_total.counts == (1, 0, 0, 0, 1)


def test_financial_years(tmp_path: Path) -> None:
    write_extract(
        tmp_path / "a.csv",
        [
            crime("A1", "2018-03-31", "on Facebook"),
            crime("A2", "2018-04-01", "on Facebook"),
            crime("A3", "2019-03-31", "on Facebook"),
        ],
    )
    request = write_request(
        tmp_path,
        [("a.csv", "Alpha")],
        date_from="2017-04-01",
        date_to="2019-06-30",
        columns="financial_year",
    )
    result = answer_case(request, tmp_path / "case")
    assert [p.label for p in result.table.periods] == ["2017/18", "2018/19", "2019/20"]
    assert [p.partial for p in result.table.periods] == [False, False, True]
    assert result.table.grand_total.counts == (1, 2, 0)


def test_home_office_offence_labels_merge_two_wordings(tmp_path: Path) -> None:
    write_extract(tmp_path / "old.csv", [crime("L1", "01/06/2016", "on Facebook")])
    write_extract(
        tmp_path / "new.csv",
        [
            crime(
                "N1",
                "2018-07-01",
                "on Facebook",
                offence="Possession of a controlled drug - Class B - Cannabis",
            )
        ],
    )
    request = write_request(
        tmp_path,
        [("old.csv", "Legacy"), ("new.csv", "Athena")],
        offence_label="home_office",
        rows='["offence", "platform"]',
    )
    result = answer_case(request, tmp_path / "case")
    rows = _rows(result.table)
    assert rows[("92E Possession of cannabis",)] == ((0, 1, 0, 1, 0), 2)
    # with the force's own labels the two wordings are two rows
    request = write_request(
        tmp_path, [("old.csv", "Legacy"), ("new.csv", "Athena")], rows='["offence", "platform"]'
    )
    result = answer_case(request, tmp_path / "case2")
    assert len([r for r in result.table.rows if r.level == "offence"]) == 2


def test_outcomes_ordered_by_home_office_number_then_unknown_alphabetically(
    tmp_path: Path,
) -> None:
    outcomes = [
        ("ZEBRA DISPOSAL", ""),
        ("COMMUNITY RESOLUTION", ""),  # 8 from the built-in label map
        ("CANNABIS WARNING", ""),  # 7
        ("ALPHA DISPOSAL", ""),
        ("Charge - custody", "1"),  # its ho_outcome says 1
        ("CAUTION", ""),  # 3
    ]
    rows = [
        crime(f"A{i}", "2016-01-01", "on Facebook", outcome=label, ho_outcome=code)
        for i, (label, code) in enumerate(outcomes)
    ]
    write_extract(tmp_path / "a.csv", rows)
    request = write_request(tmp_path, [("a.csv", "Alpha")], rows='["outcome"]')
    result = answer_case(request, tmp_path / "case")
    assert [r.labels[0] for r in result.table.rows] == [
        "Charge - custody",
        "CAUTION",
        "CANNABIS WARNING",
        "COMMUNITY RESOLUTION",
        "ALPHA DISPOSAL",
        "ZEBRA DISPOSAL",
    ]


def test_offence_codes_given_directly_and_population_title(tmp_path: Path) -> None:
    write_extract(
        tmp_path / "a.csv",
        [
            crime("A1", "2016-01-01", "on Facebook"),
            crime("A2", "2016-01-01", "on Facebook", offence=COCAINE, ho_code="92D"),
        ],
    )
    request = write_request(tmp_path, [("a.csv", "Alpha")], offences='["92D"]')
    result = answer_case(request, tmp_path / "case")
    assert result.table.grand_total.total == 1
    assert result.table.title.startswith("Recorded Crime: Offences 92D - Free Text search")
