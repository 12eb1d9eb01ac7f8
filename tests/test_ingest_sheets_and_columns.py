"""Issue 11, items 5 and 7 beyond the bad-file corpus: which XLSX sheet is read (hidden
sheets, empty sheets, a named hidden sheet, a chart), and a mapping's columns checked against
every format's header (CSV, XLSX, Parquet, JSON lines, SQL, notes) before any row is read."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from foidesk.errors import FoideskError
from foidesk.ingest.mapping import Mapping, load_mapping, parse_mapping
from foidesk.ingest.snapshot import ingest

openpyxl = pytest.importorskip("openpyxl")

HEADER = ["crime_ref", "recorded_date", "offence", "text"]


def _book(tmp_path: Path, sheets: dict[str, tuple[str, list[list[Any]]]]) -> Path:
    """A workbook of ``{title: (state, rows)}`` in order."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, (state, rows) in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    path = tmp_path / "book.xlsx"
    book.save(path)
    return path


def _rows(ref: str) -> list[list[Any]]:
    return [HEADER, [ref, "2018-03-01", "Cannabis", "on Facebook"]]


def _ingest(path: Path | str, tmp_path: Path, mapping: Mapping | None = None) -> dict[str, Any]:
    result = ingest([str(path)], tmp_path / "snap", mapping or load_mapping(None), system="Test")
    return result.manifest


def _refused(path: Path | str, tmp_path: Path, mapping: Mapping | None, *wanted: str) -> str:
    with pytest.raises(FoideskError) as caught:
        _ingest(path, tmp_path, mapping)
    message = str(caught.value)
    assert "\n" not in message
    for text in wanted:
        assert text in message, message
    assert not (tmp_path / "snap").exists()
    return message


def _crime_refs(tmp_path: Path) -> list[str]:
    return sorted(pq.read_table(tmp_path / "snap" / "crimes.parquet")["crime_ref"].to_pylist())


# ------------------------------------------------------------------------- XLSX sheets


def test_the_visible_data_sheet_is_read_and_the_manifest_names_it(tmp_path: Path) -> None:
    path = _book(
        tmp_path,
        {
            "Old": ("hidden", _rows("OLD/1")),
            "Secret": ("veryHidden", _rows("OLD/2")),
            "Cover": ("visible", []),
            "Crimes": ("visible", _rows("C/1")),
        },
    )
    manifest = _ingest(path, tmp_path)
    assert _crime_refs(tmp_path) == ["C/1"]
    source = manifest["sources"][0]
    assert (source["sheet"], source["sheet_state"]) == ("Crimes", "visible")


def test_a_hidden_sheet_named_in_the_mapping_is_read_and_said(tmp_path: Path) -> None:
    path = _book(tmp_path, {"Old": ("hidden", _rows("OLD/1")), "Crimes": ("visible", _rows("C/1"))})
    manifest = _ingest(path, tmp_path, parse_mapping(b'sheet = "Old"\n', "m.toml"))
    assert _crime_refs(tmp_path) == ["OLD/1"]
    source = manifest["sources"][0]
    assert (source["sheet"], source["sheet_state"]) == ("Old", "hidden")


def test_only_hidden_sheets_hold_data(tmp_path: Path) -> None:
    path = _book(tmp_path, {"Cover": ("visible", []), "Old": ("hidden", _rows("OLD/1"))})
    _refused(path, tmp_path, None, "book.xlsx", "no visible sheet holds data", "'Old'", "sheet =")


def test_several_visible_data_sheets_are_refused_even_beside_empty_ones(tmp_path: Path) -> None:
    path = _book(
        tmp_path,
        {"A": ("visible", _rows("A/1")), "Blank": ("visible", []), "B": ("visible", _rows("B/1"))},
    )
    message = _refused(path, tmp_path, None, "2 visible sheets hold data ('A', 'B')", "sheet =")
    assert "Blank" not in message
    _ingest(path, tmp_path, parse_mapping(b'sheet = "B"\n', "m.toml"))
    assert _crime_refs(tmp_path) == ["B/1"]


def test_empty_workbooks_and_sheets(tmp_path: Path) -> None:
    path = _book(tmp_path, {"Sheet1": ("visible", []), "Sheet2": ("visible", [[None, " "]])})
    _refused(path, tmp_path, None, "every sheet is empty", "'Sheet1', 'Sheet2'")
    path = _book(tmp_path, {"Only": ("visible", [])})
    _refused(path, tmp_path, None, "sheet 'Only' is empty (no header row)")
    path = _book(tmp_path, {"Data": ("visible", _rows("D/1")), "Blank": ("visible", [])})
    _refused(path, tmp_path, parse_mapping(b'sheet = "Blank"\n', "m.toml"), "'Blank' is empty")


def test_a_chart_sheet_named_in_the_mapping(tmp_path: Path) -> None:
    from openpyxl.chart import BarChart, Reference

    book = openpyxl.Workbook()
    data = book.active
    data.title = "Data"
    for row in _rows("D/1"):
        data.append(row)
    chart = BarChart()
    chart.add_data(Reference(data, min_col=1, min_row=1, max_row=2))
    book.create_chartsheet("Chart").add_chart(chart)
    book.save(tmp_path / "chart.xlsx")
    mapping = parse_mapping(b'sheet = "Chart"\n', "m.toml")
    _refused(tmp_path / "chart.xlsx", tmp_path, mapping, "sheet 'Chart' is a chart")
    _ingest(tmp_path / "chart.xlsx", tmp_path)  # the chart is not a candidate
    assert _crime_refs(tmp_path) == ["D/1"]


# ------------------------------------------------------- mapping columns, every format

MAPPING = parse_mapping(
    b'[columns]\ncrime_ref = "Ref"\nrecorded_date = "Recorded"\noffence = "Offence"\n'
    b'ho_code = "HO Code"\n[text]\nmo = "MO"\n',
    "m.toml",
)
ROW = {"Ref": "R1", "Recorded": "2018-03-01", "Offence": "Cannabis", "MO": "on Facebook"}
WANTED = ("columns.ho_code", "'HO Code'", "'Ref', 'Recorded', 'Offence', 'MO'")


def test_csv_and_xlsx_and_parquet_missing_a_named_optional_column(tmp_path: Path) -> None:
    csv_path = tmp_path / "x.csv"
    csv_path.write_text(",".join(ROW) + "\n" + ",".join(ROW.values()) + "\n", encoding="utf-8")
    _refused(csv_path, tmp_path, MAPPING, "x.csv", *WANTED)
    xlsx = _book(tmp_path, {"Crimes": ("visible", [list(ROW), list(ROW.values())])})
    _refused(xlsx, tmp_path, MAPPING, "book.xlsx", *WANTED)
    parquet = tmp_path / "x.parquet"
    pq.write_table(pa.table({k: [v] for k, v in ROW.items()}), parquet)
    _refused(parquet, tmp_path, MAPPING, "x.parquet", *WANTED)


def test_json_lines_columns_are_the_first_objects_keys(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    later = {**ROW, "Ref": "R2", "HO Code": "92E"}
    path.write_text(json.dumps(ROW) + "\n" + json.dumps(later) + "\n", encoding="utf-8")
    _refused(path, tmp_path, MAPPING, "x.jsonl", *WANTED)
    path.write_text(json.dumps(later) + "\n" + json.dumps(ROW) + "\n", encoding="utf-8")
    _ingest(path, tmp_path, MAPPING)  # a key missing from a later line is empty there
    assert _crime_refs(tmp_path) == ["R1", "R2"]


def test_sql_columns_are_checked_before_any_row(tmp_path: Path) -> None:
    db = tmp_path / "crimes.db"
    with sqlite3.connect(db) as con:
        con.execute('CREATE TABLE crimes (Ref TEXT, Recorded TEXT, Offence TEXT, "MO" TEXT)')
        con.execute("INSERT INTO crimes VALUES ('S1', '2018-03-01', 'Cannabis', 'x')")
    mapping = parse_mapping(
        b'table = "crimes"\n[columns]\ncrime_ref = "Ref"\nrecorded_date = "Recorded"\n'
        b'offence = "Offence"\nho_code = "HO Code"\n[text]\nmo = "MO"\n',
        "sql.toml",
    )
    _refused(f"sqlite:///{db}", tmp_path, mapping, "crimes.db", *WANTED)
    empty = tmp_path / "empty.db"
    with sqlite3.connect(empty) as con:  # no rows: the columns are known all the same
        con.execute("CREATE TABLE crimes (Ref TEXT, Recorded TEXT, Offence TEXT, MO TEXT)")
    _refused(f"sqlite:///{empty}", tmp_path, mapping, "empty.db", *WANTED)


def test_a_named_notes_column_must_be_there(tmp_path: Path) -> None:
    crimes = tmp_path / "c.csv"
    crimes.write_text("crime_ref,recorded_date,offence,text\nN1,2018-03-01,Cannabis,x\n")
    (tmp_path / "log.csv").write_text("Occ,Text\nN1,Spoke to IP\n")
    mapping = parse_mapping(
        b'[notes]\n[notes.columns]\ncrime_ref = "Occ"\nentry = "No"\ntext = "Text"\n', "n.toml"
    )
    with pytest.raises(FoideskError) as caught:
        ingest([str(crimes)], tmp_path / "snap", mapping, "T", notes=[str(tmp_path / "log.csv")])
    message = str(caught.value)
    assert "log.csv" in message and "notes.columns.entry" in message and "'No'" in message
    assert "'Occ', 'Text'" in message
    assert not (tmp_path / "snap").exists()


def test_the_default_columns_of_optional_fields_may_be_absent(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("crime_ref,recorded_date,offence,text\nD1,2018-03-01,Cannabis,x\n")
    _ingest(path, tmp_path)  # no ho_code, outcome, status: the mapping names none of them
    assert _crime_refs(tmp_path) == ["D1"]


def test_a_field_from_a_column_and_a_constant_is_refused() -> None:
    with pytest.raises(FoideskError, match=r"constants\.ho_code: columns\.ho_code names"):
        parse_mapping(b'[columns]\nho_code = "Class"\n[constants]\nho_code = "92E"\n', "m.toml")


def test_unknown_notes_column_keys_are_refused() -> None:
    with pytest.raises(FoideskError, match=r"notes\.columns\.date: not a notes field"):
        parse_mapping(b'[notes]\n[notes.columns]\ndate = "Created"\n', "m.toml")
