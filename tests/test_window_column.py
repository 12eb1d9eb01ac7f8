"""``columns = "window"``: the whole window as one column, as ``foidesk layouts`` offers it.
The engines key every crime and record by the window's first year; the table, coverage,
footnote, method and letter say it is one period."""

from __future__ import annotations

from pathlib import Path

from foidesk.casework.request import load_request
from tests.conftest import SEED, crime, run_cli, write_extract, write_request
from tests.helpers import answer_case


def test_the_seed_in_one_column_has_the_year_table_s_totals(tmp_path: Path) -> None:
    text = (SEED / "request.toml").read_text(encoding="utf-8")
    (tmp_path / "by-year.toml").write_text(text.replace('path = "', f'path = "{SEED}/'))
    window = tmp_path / "window.toml"
    window.write_text(
        text.replace('columns = "year"', 'columns = "window"').replace(
            'path = "', f'path = "{SEED}/'
        ),
        encoding="utf-8",
    )
    by_year = answer_case(tmp_path / "by-year.toml", tmp_path / "year-case")
    whole = answer_case(window, tmp_path / "window-case")
    [period] = whole.table.periods
    # 1 January 2015 to 30 April 2019: not whole years, so marked and footnoted
    assert (period.label, period.marked_label, period.partial) == ("2015-2019", "2015-2019*", True)
    assert "* The whole window: 2015-2019 covers 1 January 2015 to 30 April 2019 only." in (
        whole.table.footnotes
    )
    # every row's one figure is its Grand Total by year
    assert [(r.labels, r.counts, r.total) for r in whole.table.rows] == [
        (r.labels, (r.total,), r.total) for r in by_year.table.rows
    ]
    assert whole.table.grand_total.counts == (3,)
    # coverage: one period a system, the same records as the years add up to
    assert {line.system: line.records_searched for line in whole.coverage.totals().values()} == {
        line.system: line.records_searched for line in by_year.coverage.totals().values()
    }
    assert {line.period for line in whole.coverage.lines} == {"2015-2019*", "Total"}
    public = whole.folders["public"]
    method = (public / "method.md").read_text(encoding="utf-8")
    assert "The table has one column, the whole period" in method
    assert "every year of the period is shown" not in method
    letter = (public / "letter.md").read_text(encoding="utf-8")
    assert "The table gives the number of crimes for the whole period" in letter
    assert "number of crimes for each year" not in letter
    assert "2015-2019" in (public / "table.csv").read_text(encoding="utf-8").splitlines()[0]


def test_a_whole_year_window_is_not_marked(tmp_path: Path) -> None:
    write_extract(
        tmp_path / "a.csv",
        [
            crime("A1", "2016-01-01", "on Facebook"),
            crime("A2", "2017-12-31 23:59:00", "on Facebook"),
            crime("A3", "2018-01-01", "on Facebook"),  # outside the window
        ],
    )
    request = write_request(
        tmp_path,
        [("a.csv", "Alpha")],
        date_from="2016-01-01",
        date_to="2017-12-31",
        columns="window",
    )
    result = answer_case(request, tmp_path / "case")
    [period] = result.table.periods
    assert (period.label, period.partial) == ("2016-2017", False)
    assert result.table.grand_total.counts == (2,)
    assert not any("window" in note for note in result.table.footnotes)


def test_a_request_takes_window_and_names_the_kinds_when_wrong(tmp_path: Path) -> None:
    write_extract(tmp_path / "a.csv", [crime("A1", "2016-01-01", "on Facebook")])
    assert load_request(write_request(tmp_path, [("a.csv", "A")], columns="window")).columns == (
        "window"
    )
    bad = write_request(tmp_path, [("a.csv", "A")], columns="month")
    proc = run_cli("answer", bad, "--out", tmp_path / "case")
    assert proc.returncode != 0
    [line] = proc.stderr.splitlines()
    assert "table.columns" in line and "'window'" in line and "month" in line
