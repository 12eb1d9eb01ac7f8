"""Earlier releases (issue 15, item 5): a cell withheld in this release and published in an
earlier one under the same labels and period, or the other way round, is reported.

Two case folders' ``public/table.csv`` are written with the real CSV grid writer
(``release.render.csv_grid``) from hand-built tables, one with ``Withheld`` cells, and read
back as earlier releases.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from foidesk.casework.periods import periods
from foidesk.errors import CaseError
from foidesk.release.disclosure.earlier import (
    GRAND_TOTAL,
    NOTICE_KIND,
    WITHHELD_EARLIER,
    WITHHELD_NOW,
    Conflict,
    check_earlier,
    compare,
    earlier_audit,
    earlier_notices,
    read_release,
)
from foidesk.release.render.csv_grid import render_csv
from foidesk.release.table import SECONDARY, SMALL, Cell, FoiTable, TableRow, Withheld

SMALL_CELL = Withheld("<5", SMALL)
SECONDARY_CELL = Withheld("*", SECONDARY)
WHOLE_YEARS = tuple(periods(date(2017, 1, 1), date(2018, 12, 31), "year"))
PART_YEAR = tuple(periods(date(2018, 1, 1), date(2019, 4, 30), "year"))  # 2019 a part year


def table(
    rows: dict[tuple[str, ...], tuple[Cell, ...]],
    period_list: tuple = WHOLE_YEARS,
    grand: tuple[Cell, ...] | None = None,
) -> FoiTable:
    """An outcome/platform table: each row's figures are its periods' then its total."""
    built = tuple(
        TableRow("outcome" if len(labels) == 1 else "term", labels, figures[:-1], figures[-1])
        for labels, figures in rows.items()
    )
    top = [r for r in built if r.level == "outcome"]
    if grand is None:
        grand = tuple(
            sum(f for f in column if isinstance(f, int))
            for column in zip(*((*r.counts, r.total) for r in top), strict=True)
        )
    return FoiTable(
        title="Recorded Crime: Drug Offences - Free Text search Facebook/Twitter",
        dimensions=("outcome", "term"),
        dimension_names=("outcome", "platform"),
        headings=("OUTCOME", "SOCIAL MEDIA PLATFORM"),
        periods=period_list,
        rows=built,
        grand_total=TableRow("total", (), grand[:-1], grand[-1]),
        footnotes=(),
        multi_platform_crimes=0,
    )


def write_case(
    folder: Path, foi: FoiTable, reference: str | None = None, **content: object
) -> Path:
    """A case folder with public/table.csv from the real writer and, with a reference, an
    internal/audit.json recording the request's content."""
    (folder / "public").mkdir(parents=True)
    (folder / "public" / "table.csv").write_text(render_csv(foi), encoding="utf-8", newline="")
    if reference is not None:
        (folder / "internal").mkdir()
        audit = {"request": {"content": {"reference": reference, **content}}}
        (folder / "internal" / "audit.json").write_text(json.dumps(audit), encoding="utf-8")
    return folder


# the earlier release published everything (no disclosure control then)
EARLIER = table(
    {
        ("CHARGED",): (12, 9, 21),
        ("CHARGED", "Facebook"): (3, 9, 12),
        ("CHARGED", "Twitter"): (9, 0, 9),
        ("CAUTIONED",): (6, 7, 13),
        ("CAUTIONED", "Facebook"): (6, 7, 13),
    }
)

# this release withholds small figures, and publishes what the earlier one withheld
NOW = table(
    {
        ("CHARGED",): (12, 10, 22),
        ("CHARGED", "Facebook"): (SMALL_CELL, SECONDARY_CELL, 13),
        ("CHARGED", "Twitter"): (9, SECONDARY_CELL, SECONDARY_CELL),
        ("CAUTIONED",): (6, 7, 13),
        ("CAUTIONED", "Facebook"): (6, 7, 13),
    }
)


def test_a_cell_withheld_now_and_published_earlier_is_a_conflict(tmp_path: Path) -> None:
    earlier = read_release(write_case(tmp_path / "FOI2018-00100", EARLIER, "FOI2018/00100"))
    assert earlier.reference == "FOI2018/00100"
    assert earlier.dimensions == ("outcome", "platform")
    assert earlier.periods == ("2017", "2018")
    assert earlier.cells[(("CHARGED", "Facebook"), "2017")] == 3
    assert earlier.cells[((), GRAND_TOTAL)] == 34

    found = compare(NOW, earlier)
    assert [(c.labels, c.period, c.published, c.withheld) for c in found] == [
        (("CHARGED", "Facebook"), "2017", 3, "<5"),
        (("CHARGED", "Facebook"), "2018", 9, "*"),
        (("CHARGED", "Twitter"), "2018", 0, "*"),
        (("CHARGED", "Twitter"), GRAND_TOTAL, 9, "*"),
    ]
    assert {c.direction for c in found} == {WITHHELD_NOW}
    assert not any(c.part_period for c in found)
    # published in both with different numbers (12 then 13; the Grand Total row) is no conflict
    assert (("CHARGED", "Facebook"), GRAND_TOTAL) not in {(c.labels, c.period) for c in found}
    assert found[0].describe() == (
        "CHARGED / Facebook @ 2017: published 3 in FOI2018/00100, withheld now"
    )


def test_a_cell_published_now_and_withheld_earlier_is_a_conflict(tmp_path: Path) -> None:
    # the other way round: the release with withheld cells is the earlier one
    earlier = read_release(write_case(tmp_path / "FOI2019-00200", NOW, "FOI2019/00200"))
    assert earlier.cells[(("CHARGED", "Facebook"), "2017")] == "<5"
    found = compare(EARLIER, earlier)
    assert [(c.labels, c.period, c.direction, c.published, c.withheld) for c in found] == [
        (("CHARGED", "Facebook"), "2017", WITHHELD_EARLIER, 3, "<5"),
        (("CHARGED", "Facebook"), "2018", WITHHELD_EARLIER, 9, "*"),
        (("CHARGED", "Twitter"), "2018", WITHHELD_EARLIER, 0, "*"),
        (("CHARGED", "Twitter"), GRAND_TOTAL, WITHHELD_EARLIER, 9, "*"),
    ]
    assert found[0].describe() == (
        "CHARGED / Facebook @ 2017: published 3 now, withheld in FOI2019/00200"
    )


def test_the_same_cells_withheld_in_both_are_no_conflict(tmp_path: Path) -> None:
    again = table(
        {
            ("CHARGED",): (13, 11, 24),
            ("CHARGED", "Facebook"): (Withheld("~", SMALL), SECONDARY_CELL, 14),  # other symbol
            ("CHARGED", "Twitter"): (10, SECONDARY_CELL, SECONDARY_CELL),
            ("CAUTIONED",): (6, 8, 14),
            ("CAUTIONED", "Facebook"): (6, 8, 14),
        }
    )
    folder = write_case(tmp_path / "FOI2019-00200", NOW, "FOI2019/00200")
    assert compare(again, read_release(folder)) == []
    assert earlier_notices(again, [folder]) == []
    (check,) = check_earlier(again, [folder])
    assert check.cells_in_common == 18  # 6 rows by 2 years and the Grand Total column
    assert check.as_audit()["conflicts"] == []


def test_a_part_year_is_compared_by_its_label_and_says_so(tmp_path: Path) -> None:
    # earlier: 2018 and 2019 January to April (a part year, known from the earlier audit's
    # window); now the whole of 2019, its Facebook figure withheld
    earlier_table = table(
        {("CHARGED",): (4, 8, 12), ("CHARGED", "Facebook"): (4, 8, 12)}, PART_YEAR
    )
    now_years = tuple(periods(date(2018, 1, 1), date(2019, 12, 31), "year"))
    now = table(
        {("CHARGED",): (5, 12, 17), ("CHARGED", "Facebook"): (5, SMALL_CELL, SECONDARY_CELL)},
        now_years,
    )
    folder = write_case(
        tmp_path / "FOI2019-00300",
        earlier_table,
        "FOI2019/00300",
        population={"from": "2018-01-01", "to": "2019-04-30"},
        table={"columns": "year"},
    )
    earlier = read_release(folder)
    assert earlier.periods == ("2018", "2019")  # the CSV grid's header has plain years
    assert earlier.part_periods == {"2019"}
    found = compare(now, earlier)
    assert [(c.period, c.published, c.part_period) for c in found] == [
        ("2019", 8, True),
        (GRAND_TOTAL, 12, True),
    ]
    assert found[0].describe().endswith("(a part period in one release or both)")

    # a header marked by hand ("2019*"), no audit: the same column, marked part period
    marked = tmp_path / "marked.csv"
    text = render_csv(earlier_table).replace(",2019,", ",2019*,", 1)
    marked.write_text(text, encoding="utf-8")
    by_hand = read_release(marked)
    assert by_hand.periods == ("2018", "2019")
    assert by_hand.part_periods == {"2019"}
    assert by_hand.reference == tmp_path.name  # no audit: the folder's name
    assert [(c.period, c.part_period) for c in compare(now, by_hand)] == [
        ("2019", True),
        (GRAND_TOTAL, True),
    ]


def test_the_notice_names_the_first_two_cells_and_the_audit_all(tmp_path: Path) -> None:
    first = write_case(tmp_path / "FOI2018-00100", EARLIER, "FOI2018/00100")
    same = write_case(tmp_path / "FOI2019-00200", NOW, "FOI2019/00200")
    # a table.csv named directly, and an earlier release with nothing in conflict
    (notice,) = earlier_notices(NOW, [first / "public" / "table.csv", same])
    assert notice.kind == NOTICE_KIND
    assert "\n" not in notice.message
    assert notice.message.startswith(
        "4 cells are withheld in this release or the earlier release FOI2018/00100 and "
        "published in the other under the same labels and period ("
        "CHARGED / Facebook @ 2017: published 3 in FOI2018/00100, withheld now; "
        "CHARGED / Facebook @ 2018: published 9 in FOI2018/00100, withheld now; and 2 more)"
    )
    audit = notice.as_audit()
    assert audit["kind"] == NOTICE_KIND
    assert len(audit["conflicts"]) == 4
    assert audit["conflicts"][3] == {
        "labels": ["CHARGED", "Twitter"],
        "period": GRAND_TOTAL,
        "earlier": "FOI2018/00100",
        "direction": WITHHELD_NOW,
        "published": 9,
        "withheld": "*",
        "part_period": False,
    }
    records = earlier_audit(check_earlier(NOW, [first, same]))
    json.dumps(records)  # JSON-able as it is
    assert [(r["earlier"], len(r["conflicts"])) for r in records] == [
        ("FOI2018/00100", 4),
        ("FOI2019/00200", 0),
    ]


def test_labels_that_could_be_formulas_match_as_written(tmp_path: Path) -> None:
    # the CSV grid writes "=HYPERLINK" with a quote in front; the cell still matches, and a
    # symbol the grid quoted ("-") reads back as it was
    then = table({("=HYPERLINK(x)",): (3, 4, 7)})
    now = table(
        {("=HYPERLINK(x)",): (Withheld("-", SMALL), Withheld("-", SMALL), 7)},
        grand=(Withheld("-", SMALL), Withheld("-", SMALL), 7),
    )
    found = compare(now, read_release(write_case(tmp_path / "a", then)))
    assert [(c.labels, c.period, c.withheld) for c in found] == [
        (("=HYPERLINK(x)",), "2017", "-"),
        (("=HYPERLINK(x)",), "2018", "-"),
        ((), "2017", "-"),
        ((), "2018", "-"),
    ]
    back = compare(then, read_release(write_case(tmp_path / "b", now)))
    assert [c.withheld for c in back] == ["-", "-", "-", "-"]
    assert back[2].describe() == "Grand Total @ 2017: published 3 now, withheld in b"


def test_a_missing_or_unreadable_earlier_release_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match=r"FOI2017-00001: does not exist") as missing:
        read_release(tmp_path / "FOI2017-00001")
    (tmp_path / "empty-case").mkdir()
    with pytest.raises(CaseError, match=r"public/table\.csv: missing") as no_table:
        read_release(tmp_path / "empty-case")

    bad = write_case(tmp_path / "bad", EARLIER) / "public" / "table.csv"
    lines = bad.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([*lines[:3], lines[3] + ",9", *lines[4:]]) + "\n", encoding="utf-8")
    with pytest.raises(CaseError, match=r"table\.csv: line 4: 7 fields where the header has 6"):
        read_release(bad)
    bad.write_bytes(b"level,outcome,2017,Grand Total\ntotal,,3,3\ntotal,,\xff,3\n")
    with pytest.raises(CaseError, match=r"table\.csv: line 3: not UTF-8"):
        read_release(bad)
    bad.write_text("reference,title\nFOI1,x\n", encoding="utf-8")
    with pytest.raises(CaseError, match=r"table\.csv: line 1: the header is not"):
        read_release(bad)
    bad.write_text('level,outcome,2017,Grand Total\ntotal,,"3\n', encoding="utf-8")
    with pytest.raises(CaseError, match=r"table\.csv: line \d: not CSV"):
        read_release(bad)
    audit = tmp_path / "bad" / "internal" / "audit.json"
    audit.parent.mkdir()
    audit.write_text("{", encoding="utf-8")
    with pytest.raises(CaseError, match=r"audit\.json: line 1: not JSON"):
        read_release(tmp_path / "bad")
    for error in (missing.value, no_table.value):
        assert "\n" not in str(error)


def test_conflict_is_plain_data() -> None:
    conflict = Conflict(("A",), "2018", "FOI1", WITHHELD_NOW, 3, "<5", part_period=False)
    assert json.loads(json.dumps(conflict.as_audit()))["published"] == 3
