"""Coarser layouts (issue 15, item 4): the layouts of a request's table an officer could choose
when most of it would be withheld, each with the share of cells surely withheld; the notice
that says so; ``foidesk layouts``.

A hand-made case where every option is worked out by hand, and a synthetic one (20,000 rows)
where every option's rows, cells and cells from 1 to 4 are counted again here, independently of
``counting.table.build_table``, from the answer's crime hits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

import foidesk
from foidesk.casework.home_office import home_office
from foidesk.casework.periods import periods, whole_window
from foidesk.counting.layouts import (
    FEW_SMALL,
    WINDOW,
    LayoutOption,
    coarser_layouts,
    layout_lines,
    layouts_notice,
    measure_layouts,
    share_withheld,
)
from foidesk.errors import CaseError
from foidesk.release.table import SECONDARY, SMALL, FoiTable, TableRow, Withheld
from foidesk.review.layouts import layouts
from foidesk.tools.synth import make_synthetic
from tests.conftest import COCAINE, crime, run_cli, write_extract, write_request

TERMS = ["Facebook", "Twitter", "WhatsApp", "Instagram", "TikTok", "Snapchat"]


# -- a hand-made case -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> foidesk.Answer:
    """Three cannabis possessions naming Facebook in 2016, three cocaine possessions naming it
    in 2017, both Home Office code 92E; by offence and platform, 2016 and 2017."""
    folder = tmp_path_factory.mktemp("small")
    rows = [crime(f"CA/{i}", f"2016-03-0{i + 1}", "Messages on Facebook.") for i in range(3)]
    rows += [
        crime(f"CO/{i}", f"2017-03-0{i + 1}", "Messages on Facebook.", offence=COCAINE)
        for i in range(3)
    ]
    write_extract(folder / "a.csv", rows)
    request = write_request(
        folder,
        [("a.csv", "Legacy")],
        date_from="2016-01-01",
        date_to="2017-12-31",
        rows='["offence", "platform"]',
    )
    return foidesk.answer(request, letter_date=date(2019, 5, 20))


def _layouts(result: foidesk.Answer, **options: int) -> list[LayoutOption]:
    assert result.crime_hits is not None
    terms = result.audit["lexicon"]["platforms"]
    return coarser_layouts(result.request, result.crime_hits, None, terms, **options)


def test_the_hand_made_case_has_its_own_layout_and_the_one_coarser_layout_that_helps(
    small: foidesk.Answer,
) -> None:
    own, *others = _layouts(small, limit=100)
    # the request's own layout: cannabis 3,0,3 and its Facebook row; cocaine 0,3,3 and its
    # Facebook row; the Grand Total row 3,3,6: 15 cells, ten of them 3
    assert own.own and own.rows == ("offence", "platform") and own.columns == "year"
    assert (own.row_count, own.cells, own.primary) == (4, 15, 10)
    assert own.share == pytest.approx(10 / 15)
    # Home Office codes and the whole window: 92E 6,6, its Facebook row, the Grand Total row.
    # Every other layout withholds a share as large as a finer one's: by Home Office code
    # alone (92E 3,3,6) as large as the request's own (two in three), so it is not offered
    assert [(o.rows, o.columns, o.offence_label) for o in others] == [
        (("offence", "platform"), WINDOW, "home_office")
    ]
    assert (others[0].row_count, others[0].cells, others[0].primary) == (2, 6, 0)
    assert others[0].table_lines()[2] == 'columns = "window"'  # a request may ask for it
    assert own.table_lines() == [
        "[table]",
        'rows = ["offence", "platform"]',
        'columns = "year"',
        'offence_label = "force"',
    ]


def test_the_threshold_and_withheld_zeros_change_what_is_surely_withheld(
    small: foidesk.Answer,
) -> None:
    # figures from 1 to 2: every figure is 0, 3 or 6
    assert _layouts(small, suppress_below=3)[0].primary == 0
    # zeros withheld too: the four zeros of the offence rows count
    assert small.crime_hits is not None
    request = small.request
    zeros = replace(request, disclosure=replace(request.disclosure, zeros="withheld"))
    own = coarser_layouts(zeros, small.crime_hits, None, TERMS)[0]
    assert (own.primary, own.low, own.range_text) == (14, 0, "from 0 to 4")


def test_a_request_by_home_office_code_is_offered_no_force_labels(
    small: foidesk.Answer,
) -> None:
    request = replace(small.request, offence_label="home_office")
    assert small.crime_hits is not None
    options = coarser_layouts(request, small.crime_hits, None, TERMS, limit=100)
    assert options[0].offence_label == "home_office" and options[0].cells == 9
    assert all(o.offence_label == "home_office" for o in options)


def test_the_notice_names_the_best_options_when_more_than_half_is_withheld(
    small: foidesk.Answer,
) -> None:
    options = _layouts(small)
    assert layouts_notice(options, 0.5) is None  # half is not most
    notice = layouts_notice(options, options[0].share, small.request.path)
    assert notice is not None and notice.kind == "most-withheld"
    assert notice.message == (
        "66.7% of the table's 15 cells are withheld (10 are from 1 to 4): coarser layouts "
        'withhold less: rows = ["offence", "platform"], columns = "window", offence_label = '
        '"home_office", 0.0% of its cells from 1 to 4: '
        f"foidesk layouts {small.request.path} lists them with the [table] lines to use"
    )
    assert notice.details["layouts"][0]["own"] and len(notice.details["layouts"]) == 2


def _option(rows: tuple[str, ...], columns: str, cells: int, primary: int) -> LayoutOption:
    return LayoutOption(rows, columns, "force", cells // 6 - 1, cells, primary)


def test_the_notice_names_the_two_that_withhold_least_and_says_when_none_helps() -> None:
    own = replace(_option(("outcome", "offence", "term"), "year", 600, 250), own=True)
    window = _option(("term",), WINDOW, 14, 0)
    terms = _option(("term",), "year", 42, 2)
    outcome = _option(("outcome", "term"), "year", 300, 30)
    notice = layouts_notice([own, window, terms, outcome], 0.6)
    assert notice is not None
    assert 'rows = ["term"], columns = "window", 0.0% of its cells' in notice.message
    assert 'rows = ["term"], 4.8% of its cells' in notice.message
    assert "outcome" not in notice.message.split("withhold less")[1]
    assert "foidesk layouts REQUEST" in notice.message
    alone = layouts_notice([own], 0.7)
    assert alone is not None and "no coarser layout withholds less" in alone.message


def test_the_share_withheld_counts_both_symbols_in_every_row_and_column() -> None:
    small, secondary = Withheld("<5", SMALL), Withheld("*", SECONDARY)
    table = FoiTable(
        title="t",
        dimensions=("term",),
        periods=tuple(periods(date(2016, 1, 1), date(2017, 12, 31), "year")),
        rows=(
            TableRow("term", ("Facebook",), (small, secondary), 9),
            TableRow("term", ("Twitter",), (0, 7), 7),
        ),
        grand_total=TableRow("total", (), (secondary, 10), 16),
        footnotes=(),
        multi_platform_crimes=0,
    )
    assert share_withheld(table) == pytest.approx(3 / 9)


def test_the_whole_window_is_one_period_marked_when_it_is_not_whole_years() -> None:
    part = whole_window(date(2015, 1, 1), date(2019, 4, 30))
    assert (part.key, part.label, part.partial) == (2015, "2015-2019", True)
    assert part.note == "2015-2019 covers 1 January 2015 to 30 April 2019 only"
    whole = whole_window(date(2016, 1, 1), date(2016, 12, 31))
    assert (whole.key, whole.label, whole.partial) == (2016, "2016", False)


# -- a synthetic case -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 synthetic records and the demo's request, outcome > offence > platform by year,
    disclosure control off (only the counts are needed)."""
    folder = tmp_path_factory.mktemp("layouts-synth")
    make_synthetic(20_000, folder)
    return write_request(folder, [("legacy.csv", "Legacy"), ("athena.csv", "Athena")])


@pytest.fixture(scope="module")
def synthetic_answer(synthetic: Path) -> foidesk.Answer:
    return foidesk.answer(synthetic, letter_date=date(2019, 5, 20))


def _counted_here(hits: pa.Table, option: LayoutOption, keys: list[int]) -> tuple[int, int, int]:
    """(rows, cells, cells from 1 to 4) of ``option``'s table, counted from the crime hits
    without ``build_table``: distinct crimes with a certain hit per row and period."""
    ho = home_office()
    crimes: dict[tuple[str, ...], dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    columns = 1 if option.columns == WINDOW else len(keys)
    for row in hits.to_pylist():
        if not row["certain"] or row["platform"] not in TERMS or row["period"] not in keys:
            continue
        if option.offence_label == "home_office":
            offence = ho.offence_name(row["ho_code"]) if row["ho_code"] else "NO HOME OFFICE CODE"
        else:
            offence = row["offence"]
        values = {
            "outcome": row["outcome"] or "NO OUTCOME RECORDED",
            "offence": offence,
            "term": row["platform"],
            "system": row["system"],
        }
        path = tuple(values[d] for d in option.dims)
        column = 0 if option.columns == WINDOW else keys.index(row["period"])
        for depth in range(len(path) + 1):  # the Grand Total row is ()
            crimes[path[:depth]][column].add(row["crime_ref"])
    primary = 0
    for by_column in crimes.values():
        figures = [len(by_column[c]) for c in range(columns)]
        figures.append(len(set().union(*by_column.values())))
        primary += sum(1 <= f <= 4 for f in figures)
    return len(crimes) - 1, len(crimes) * (columns + 1), primary


def test_every_layout_is_counted_as_an_independent_count_gives(
    synthetic_answer: foidesk.Answer,
) -> None:
    request, hits = synthetic_answer.request, synthetic_answer.crime_hits
    assert hits is not None
    assert not all(hits.column("certain").to_pylist())  # possible hits too: not counted
    measured = measure_layouts(request, hits, None, TERMS)
    # 7 subsets of the three levels, in years and the whole window, the 4 with an offence
    # level by force labels and Home Office codes: 22 layouts, the request's own first
    assert len(measured) == 22 and measured[0].own
    assert {(o.dims, o.columns, o.offence_label) for o in measured[1:]} == {
        (dims, columns, label)
        for dims in (
            ("outcome", "offence", "term"),
            ("outcome", "offence"),
            ("outcome", "term"),
            ("offence", "term"),
            ("outcome",),
            ("offence",),
            ("term",),
        )
        for columns in ("year", WINDOW)
        for label in (("force", "home_office") if "offence" in dims else ("force",))
    } - {(("outcome", "offence", "term"), "year", "force")}
    keys = [p.key for p in periods(request.date_from, request.date_to, request.columns)]
    for option in measured:
        counted = (option.row_count, option.cells, option.primary)
        assert counted == _counted_here(hits, option, keys), option


def test_the_request_s_own_layout_comes_first_then_the_most_detailed_that_keep_most(
    synthetic_answer: foidesk.Answer,
) -> None:
    options = _layouts(synthetic_answer)
    own, *others = options
    table = synthetic_answer.counted
    assert own.own and own.rows == ("outcome", "offence", "platform")
    assert (own.row_count, own.cells) == (len(table.rows), (len(table.rows) + 1) * 6)
    assert own.share > 0.3  # two cells in five or so are from 1 to 4
    assert 1 < len(options) <= 8 and not any(o.own for o in others)
    # first those with at most a quarter of their cells small, most detailed first; then the
    # rest, fewest small first
    few = [o for o in others if o.share <= FEW_SMALL]
    many = [o for o in others if o.share > FEW_SMALL]
    assert few and others == [*few, *many]
    assert [o.cells for o in few] == sorted((o.cells for o in few), reverse=True)
    assert [o.share for o in many] == sorted(o.share for o in many)
    assert others[0].share < own.share
    # none is beaten by a finer one; each drops a level, or coarsens labels or columns
    for option in others:
        assert option.cells < own.cells
        assert not any(
            other is not option and other.finer_or_equal(option) and other.share <= option.share
            for other in options
        )


def test_layouts_are_fast(synthetic_answer: foidesk.Answer) -> None:
    import time

    started = time.perf_counter()
    _layouts(synthetic_answer)
    assert time.perf_counter() - started < 2


# -- the command line -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def case(synthetic_answer: foidesk.Answer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic answer's case folder, as ``foidesk answer --out`` writes it."""
    out = tmp_path_factory.mktemp("layouts-case") / "case"
    foidesk.write_case(out, synthetic_answer)
    return out


def test_layouts_prints_the_options_and_the_table_lines_to_paste(
    synthetic: Path, case: Path, synthetic_answer: foidesk.Answer
) -> None:
    done = run_cli("layouts", synthetic, "--case", case)
    assert done.returncode == 0, done.stderr
    options = _layouts(synthetic_answer)
    assert done.stdout.splitlines() == layout_lines(options)
    lines = done.stdout.splitlines()
    own = next(line for line in lines if line.startswith("own "))
    assert "outcome, offence, platform" in own and f"{options[0].primary:,}" in own
    for option in options[1:]:
        block = "\n".join(option.table_lines())
        assert block in done.stdout
    assert lines.count("[table]") == len(options) - 1
    # without --case the search is run first: the same options
    again = run_cli("layouts", synthetic, "--options", "3")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == layout_lines(options[:3])


def test_a_case_without_crime_hits_is_one_line_naming_the_file(
    synthetic: Path, tmp_path: Path
) -> None:
    done = run_cli("layouts", synthetic, "--case", tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("foidesk: error: ")
    assert str(tmp_path / "internal" / "crime-hits.parquet") in done.stderr


def test_a_case_of_another_population_is_refused(synthetic: Path, case: Path) -> None:
    other = synthetic.parent / "later.toml"
    text = synthetic.read_text(encoding="utf-8").replace("from = 2015-01-01", "from = 2017-01-01")
    other.write_text(text, encoding="utf-8")
    with pytest.raises(CaseError, match="grand total") as refused:
        layouts(other, case)
    assert "answer --replace" in str(refused.value) and "\n" not in str(refused.value)


def test_layouts_help_says_what_it_prints() -> None:
    done = run_cli("layouts", "--help")
    assert done.returncode == 0
    for words in ("--case", "crime-hits.parquet", "--options", "[table]", "Home Office"):
        assert words in done.stdout
