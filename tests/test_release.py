"""The release object and its writer, without an engine: ``make_release`` from a hand-built
``FoiTable`` and ``Coverage``, written by ``write_public``.

These tests read what ``write_public`` writes (file names and contents), not the fields of
``PublicRelease``, so they hold however the letter and method are represented inside it.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date
from pathlib import Path

import openpyxl

import foidesk
from foidesk.casework.periods import periods
from foidesk.release.coverage import Coverage, CoverageLine, SearchedTerm, SourceSummary
from foidesk.release.gate import PublicRelease, make_release
from foidesk.release.publish import write_public
from foidesk.release.render import RENDERERS
from foidesk.release.table import FoiTable, TableRow, table_title
from tests.conftest import crime, write_extract, write_request
from tests.helpers import PUBLIC_FILES

TERMS = ("Facebook", "Twitter")
LETTER_DATE = date(2019, 6, 3)


def _request(tmp_path: Path, extra: str = "") -> foidesk.Request:
    write_extract(tmp_path / "legacy.csv", [crime("L1", "2018-01-01")])
    path = write_request(
        tmp_path,
        [("legacy.csv", "Legacy")],
        date_from="2018-01-01",
        date_to="2019-04-30",
        rows='["outcome", "platform"]',
        extra=extra,
    )
    return foidesk.load_request(path)


def _table(request: foidesk.Request, facebook_2018: int = 7) -> FoiTable:
    """CHARGED: Facebook (facebook_2018 in 2018, 2 in 2019) and Twitter (3 in 2018)."""
    cols = periods(request.date_from, request.date_to, request.columns)
    fb = (facebook_2018, 2)
    charged = (facebook_2018 + 3, 2)
    rows = (
        TableRow("outcome", ("CHARGED",), charged, sum(charged)),
        TableRow("term", ("CHARGED", "Facebook"), fb, sum(fb)),
        TableRow("term", ("CHARGED", "Twitter"), (3, 0), 3),
    )
    return FoiTable(
        title=table_title(request, list(TERMS)),
        dimensions=("outcome", "term"),
        dimension_names=("outcome", "platform"),
        periods=tuple(cols),
        rows=rows,
        grand_total=TableRow("total", (), charged, sum(charged)),
        footnotes=(
            "* Part year: 2019 covers 1 January 2019 to 30 April 2019 only.",
            "Each figure is a count of distinct crimes. Outcomes are police outcomes, "
            "not convictions.",
        ),
        multi_platform_crimes=0,
    )


COVERAGE = Coverage(
    lines=(
        CoverageLine("Legacy", "2018", 250, 10),
        CoverageLine("Legacy", "2019*", 80, 2),
        CoverageLine("Legacy", "Total", 330, 12),
    ),
    overlaps=(),
)
SOURCES = (
    SourceSummary(
        system="Legacy",
        text_fields=("text_mo", "text_summary"),
        copies_searched=330,
        data_quality_from=None,
        population_after_dq_date=0,
    ),
)
SEARCHED = (
    SearchedTerm("Facebook", "Facebook in any case and the address facebook.com"),
    SearchedTerm("Twitter", "Twitter in any case and the address twitter.com"),
)


def _release(request: foidesk.Request, table: FoiTable) -> PublicRelease:
    return make_release(request, table, COVERAGE, SOURCES, SEARCHED, LETTER_DATE)


def _write(tmp_path: Path, name: str, release: PublicRelease) -> Path:
    folder = tmp_path / name
    written = write_public(folder, release)
    assert sorted(p.name for p in written) == sorted(PUBLIC_FILES)
    assert all(p.parent == folder for p in written)
    return folder


def test_writes_every_public_file(tmp_path: Path) -> None:
    request = _request(tmp_path)
    release = _release(request, _table(request))
    folder = _write(tmp_path, "public", release)
    assert sorted(p.name for p in folder.iterdir()) == sorted(PUBLIC_FILES)
    for name in PUBLIC_FILES:
        data = (folder / name).read_bytes()
        assert data, name
        if name.endswith((".txt", ".csv", ".md", ".html")):
            text = data.decode("utf-8")
            assert "\r" not in text and text.endswith("\n"), name


def test_table_files_are_the_release_table(tmp_path: Path) -> None:
    request = _request(tmp_path)
    release = _release(request, _table(request))
    folder = _write(tmp_path, "public", release)
    grid = list(csv.reader(io.StringIO((folder / "table.csv").read_text(), newline="")))
    assert grid == [
        ["level", "outcome", "platform", "2018", "2019", "Grand Total"],
        ["outcome", "CHARGED", "", "10", "2", "12"],
        ["platform", "CHARGED", "Facebook", "7", "2", "9"],
        ["platform", "CHARGED", "Twitter", "3", "0", "3"],
        ["total", "", "", "10", "2", "12"],
    ]
    for fmt, ext in (("text", "txt"), ("csv", "csv"), ("markdown", "md"), ("html", "html")):
        assert (folder / f"table.{ext}").read_text() == RENDERERS[fmt](release.table), ext
    text = (folder / "table.txt").read_text()
    assert text.startswith(
        "Recorded Crime: Drug Offences - Free Text search Facebook/Twitter 01.01.2018 – 30.04.2019"
    )
    assert "2019*" in text
    assert "* Part year: 2019 covers 1 January 2019 to 30 April 2019 only." in text
    sheet = openpyxl.load_workbook(folder / "table.xlsx")["Table"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4, max_row=7)]
    assert [v[:4] for v in values] == [
        ["CHARGED", 10, 2, 12],
        ["Facebook", 7, 2, 9],
        ["Twitter", 3, 0, 3],
        ["Grand Total", 10, 2, 12],
    ]


def test_coverage_csv_is_the_release_coverage(tmp_path: Path) -> None:
    request = _request(tmp_path)
    release = _release(request, _table(request))
    folder = _write(tmp_path, "public", release)
    assert (folder / "coverage.csv").read_text(encoding="utf-8") == release.coverage.to_csv()
    assert (folder / "coverage.csv").read_text(encoding="utf-8") == (
        "system,period,records_searched,records_with_hits\n"
        '"Legacy",2018,250,10\n'
        '"Legacy",2019*,80,2\n'
        '"Legacy",Total,330,12\n'
    )


def test_method_says_what_was_searched_and_the_coverage(tmp_path: Path) -> None:
    request = _request(tmp_path)
    folder = _write(tmp_path, "public", _release(request, _table(request)))
    method = (folder / "method.md").read_text(encoding="utf-8")
    assert "Legacy: 330 records searched; free-text fields: text_mo, text_summary." in method
    assert "Facebook: Facebook in any case and the address facebook.com" in method
    assert "Twitter: Twitter in any case and the address twitter.com" in method
    assert "1 January 2018 to 30 April 2019" in method
    assert "| Legacy | 2019* | 80 | 2 |" in method
    assert "| Legacy | **Total** | 330 | 12 |" in method


def test_letter_holds_the_release_table_coverage_and_method(tmp_path: Path) -> None:
    request = _request(tmp_path)
    release = _release(request, _table(request))
    folder = _write(tmp_path, "public", release)
    letter = (folder / "letter.md").read_text(encoding="utf-8")
    assert "Ref No: FOI-TEST/1" in letter
    assert "3rd June 2019" in letter
    assert "received on 26th April 2019" in letter
    assert "> Drug offences mentioning social media." in letter
    # the table in the letter is the table of table.md, the method that of method.md
    assert RENDERERS["markdown"](release.table) in letter
    assert (folder / "method.md").read_text(encoding="utf-8") in letter
    assert "| Legacy | **Total** | 330 | 12 |" in letter
    assert "12 in all" in letter
    # no force details in the request: placeholders the officer must fill
    assert "[FORCE NAME]" in letter and "[SIGNATORY]" in letter


def test_a_changed_count_is_in_the_letter_and_every_table_file(tmp_path: Path) -> None:
    request = _request(tmp_path)
    before = _write(tmp_path, "before", _release(request, _table(request, facebook_2018=7)))
    after = _write(tmp_path, "after", _release(request, _table(request, facebook_2018=41)))

    def facebook_row(folder: Path) -> list[str]:
        grid = csv.reader(io.StringIO((folder / "table.csv").read_text(), newline=""))
        return next(r for r in grid if r[:3] == ["platform", "CHARGED", "Facebook"])

    assert facebook_row(before)[3:] == ["7", "2", "9"]
    assert facebook_row(after)[3:] == ["41", "2", "43"]
    old, new = (f.joinpath("letter.md").read_text() for f in (before, after))
    assert "| &emsp;Facebook | 7 | 2 | 9 |" in old
    assert "| &emsp;Facebook | 41 | 2 | 43 |" in new
    assert "| &emsp;Facebook | 7 | 2 | 9 |" not in new
    assert "| **Grand Total** | **44** | **2** | **46** |" in new
    assert "46 in all" in new and "12 in all" not in new
    assert "41" in (after / "table.txt").read_text()
    assert "41" in (after / "table.html").read_text()
    sheet = openpyxl.load_workbook(after / "table.xlsx")["Table"]
    assert [sheet.cell(5, c).value for c in (1, 2, 3, 4)] == ["Facebook", 41, 2, 43]
    # the method and coverage do not depend on the table
    assert (before / "coverage.csv").read_bytes() == (after / "coverage.csv").read_bytes()
    assert (before / "method.md").read_bytes() == (after / "method.md").read_bytes()


def test_force_details_from_the_request_fill_the_letter(tmp_path: Path) -> None:
    extra = (
        '[force]\nname = "Bedfordshire Police"\nunit = "Information Access Team"\n'
        'signatory = "A. Officer"\n'
    )
    request = _request(tmp_path, extra=extra)
    folder = _write(tmp_path, "public", _release(request, _table(request)))
    letter = (folder / "letter.md").read_text(encoding="utf-8")
    assert "Bedfordshire Police" in letter and "A. Officer" in letter
    assert "[FORCE NAME]" not in letter and "[SIGNATORY]" not in letter and "[UNIT]" not in letter
    assert "[ADDRESS]" in letter  # not given: still a placeholder


def test_written_files_are_byte_identical_across_runs(tmp_path: Path) -> None:
    request = _request(tmp_path)
    a = _write(tmp_path, "a", _release(request, _table(request)))
    b = _write(tmp_path, "b", _release(request, _table(request)))
    for name in PUBLIC_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_release_of_an_unchanged_table_is_equal(tmp_path: Path) -> None:
    """The gate is a pure function: same table, same release."""
    request = _request(tmp_path)
    table = _table(request)
    assert _release(request, table) == _release(request, dataclasses.replace(table))
