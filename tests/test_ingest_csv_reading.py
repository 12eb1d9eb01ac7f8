"""Issue 11, items 1-3: CSV text that is not all one encoding, quotes left open, and headers that
repeat a name the mapping reads (docs/ingest.md, "CSV text": "Encodings", "Quotes left open",
"Repeated column names").

The bad-file corpus (tests/data/bad, test_bad_files.py) holds the small cases; these tests hold
the limits: a genuine note at the line limit and past it, the character limit, a 1,000-row file
with one open quote, a file too narrow for the whole-record test, a file built to make the
reader re-read lines, cp1252 rows past the 4 MB sample, and the manifest's list of them.
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from foidesk.errors import SourceError
from foidesk.ingest import readers
from foidesk.ingest.mapping import load_mapping, parse_mapping
from foidesk.ingest.readers import CsvReader
from foidesk.ingest.snapshot import ingest

HEADER = "crime_ref,recorded_date,offence,ho_code,outcome,status,text\n"


def _row(ref: str, text: str) -> str:
    return f"{ref},2018-04-01,Possession of cannabis,92E,CAUTION,,{text}\n"


def _ingest(tmp_path: Path, data: str | bytes, mapping: str | None = None) -> dict:
    path = tmp_path / "x.csv"
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    spec = parse_mapping(mapping.encode(), "m.toml") if mapping else load_mapping(None)
    return ingest([str(path)], tmp_path / "snap", spec, system="Test").manifest["sources"][0]


def _quarantined(tmp_path: Path) -> dict[int, str]:
    with (tmp_path / "snap" / "quarantine.csv").open(encoding="utf-8", newline="") as f:
        return {int(row["line"]): row["reason"] for row in csv.DictReader(f)}


def _texts(tmp_path: Path) -> dict[str, str]:
    rows = pq.read_table(tmp_path / "snap" / "crimes.parquet").to_pylist()
    return {row["crime_ref"]: row["text"] for row in rows}


def _records(path: Path, **kw: str) -> tuple[CsvReader, list[readers.Record]]:
    reader = CsvReader(path, **kw)
    try:
        return reader, list(reader.records())
    finally:
        reader.close()


# ---------------------------------------------------------------------------- quotes left open


def test_a_genuine_note_at_the_line_limit_loads_whole(tmp_path: Path) -> None:
    """A note whose record spans exactly QUOTED_LINES_LIMIT lines is a note: it loads whole and
    the record after it is numbered by its physical line."""
    lines = [f"{i:05d} entry, officer attended" for i in range(readers.QUOTED_LINES_LIMIT)]
    note = "\n".join(lines)
    impossible = _row("L/3", "impossible date").replace("2018-04-01", "31/02/2018")
    data = HEADER + _row("L/1", f'"{note}"') + _row("L/2", "after") + impossible
    source = _ingest(tmp_path, data)
    assert (source["rows_read"], source["rows_loaded"], source["rows_quarantined"]) == (3, 2, 1)
    assert _texts(tmp_path)["L/1"] == note
    end = 2 + readers.QUOTED_LINES_LIMIT  # the note's record is lines 2 to end - 1
    assert list(_quarantined(tmp_path)) == [end + 1]


def test_a_quote_open_past_the_line_limit_is_judged_unclosed(tmp_path: Path) -> None:
    """One line more than the limit: the record is quarantined at its first line and the lines
    after it are read again, each on its own (here each is quarantined: a line of a note is not
    a record); the records after them load."""
    count = readers.QUOTED_LINES_LIMIT + 5
    note = "\n".join(f"{i:05d} entry" for i in range(count))
    data = HEADER + _row("L/1", f'"{note}') + _row("L/2", "after")
    source = _ingest(tmp_path, data)
    quarantined = _quarantined(tmp_path)
    assert "runs past 10,000 lines or 10,000,000 characters" in quarantined[2]
    assert "reading resumes at line 3" in quarantined[2]
    assert source["rows_read"] == count + 1  # line 2, then each line after it, then L/2
    assert sorted(quarantined) == list(range(2, count + 2))
    assert quarantined[3] == "expected 7 fields, found 1"
    assert _texts(tmp_path) == {"L/2": "after"}


def test_a_quote_open_past_the_character_limit_is_judged_unclosed(tmp_path: Path) -> None:
    part = "x" * (readers.QUOTED_CHARS_LIMIT // 3)
    data = HEADER + _row("C/1", f'"{part}\n{part}\n{part}\n{part}') + _row("C/2", "after")
    _ingest(tmp_path, data)
    quarantined = _quarantined(tmp_path)
    assert "10,000,000 characters" in quarantined[2]
    assert _texts(tmp_path) == {"C/2": "after"}


def test_one_open_quote_in_a_thousand_rows_costs_one_record(tmp_path: Path) -> None:
    """The issue's example: a quote opened on line 2 and never closed was "2 rows read, 1
    quarantined (lines 3 to 1001)"; now 1,000 read, 999 loaded, line 2 quarantined."""
    rows = [_row(f"K/{i:04d}", f"entry {i}") for i in range(1, 1001)]
    rows[0] = _row("K/0001", '"Suspect said meet on Snapchat')
    source = _ingest(tmp_path, HEADER + "".join(rows))
    assert (source["rows_read"], source["rows_loaded"], source["rows_quarantined"]) == (
        1000,
        999,
        1,
    )
    assert list(_quarantined(tmp_path)) == [2]
    assert "the lines after it are whole records" in _quarantined(tmp_path)[2]


def test_blank_lines_after_an_open_quote_do_not_hide_it(tmp_path: Path) -> None:
    """Blank lines say nothing either way: an open quote followed by a blank line, whole records
    and then a genuine multi-line note costs its own record only (the note's opening quote would
    otherwise end the open one, and lines 3 to 8 be one unreadable record)."""
    rows = [_row("B/1", '"open'), "\n", _row("B/2", "x"), "\n", _row("B/3", "y"), _row("B/4", "z")]
    rows.append(_row("B/5", '"real note\nsecond, line\nthird"'))
    source = _ingest(tmp_path, HEADER + "".join(rows))
    assert list(_quarantined(tmp_path)) == [2]
    assert source["rows_loaded"] == 4
    assert _texts(tmp_path)["B/5"] == "real note\nsecond, line\nthird"


def test_a_genuine_note_whose_lines_have_commas_is_not_split(tmp_path: Path) -> None:
    """Note lines with commas, doubled quotes and a blank line are not whole records (not the
    header's seven fields with balanced quotes), so the note is one record."""
    note = 'first, with a comma\nsecond, third, fourth\n\nsaid ""hi"", left\nlast line'
    data = HEADER + _row("N/1", f'"{note}"') + _row("N/2", "plain")
    source = _ingest(tmp_path, data)
    assert source["rows_loaded"] == 2
    assert _texts(tmp_path)["N/1"] == note.replace('""', '"')


def test_a_two_column_file_has_no_whole_record_test_but_the_end_of_file_rule(
    tmp_path: Path,
) -> None:
    """With fewer than three columns one comma makes a "whole record", so the test is not used:
    a quote open at the end of the file still costs its own record only."""
    path = tmp_path / "notes.csv"
    lines = ["crime_ref,text\n", 'N1,"open\n'] + [f"N{i},note {i}\n" for i in range(2, 1001)]
    path.write_text("".join(lines), encoding="utf-8")
    _, records = _records(path)
    assert len(records) == 1000
    assert records[0][0] == 2 and records[0][1] is None
    assert "the file ends inside it" in str(records[0][2])
    assert [r[0] for r in records[1:]] == list(range(3, 1002))
    assert all(r[2] is None for r in records[1:])


def test_each_line_is_read_at_most_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file built so that every line reopens a quote that runs to the limit is read in linear
    time: after a quote judged unclosed, the lines it held are read again one line each, never
    as the start of another long record."""
    path = tmp_path / "x.csv"
    count = 3 * readers.QUOTED_LINES_LIMIT
    path.write_text("a,b,c\n" + 'a",x,"b\n' * count, encoding="utf-8")
    calls = 0
    split = CsvReader._split

    def counting(self: CsvReader, text: str) -> list[str]:
        nonlocal calls
        calls += 1
        return split(self, text)

    monkeypatch.setattr(CsvReader, "_split", counting)
    _, records = _records(path)
    assert sum(1 for r in records if r[1] is None) == len(records) == count
    assert calls <= 2 * count


# ---------------------------------------------------------------------------- encodings


def test_cp1252_rows_after_the_sample_are_decoded_not_quarantined(tmp_path: Path) -> None:
    """The first 4 MB are ASCII, so the file is read as UTF-8; a cp1252 row further on is
    decoded as cp1252 and listed (it was quarantined as bytes not valid in the encoding)."""
    path = tmp_path / "x.csv"
    filler = _row("F/1", "x" * 200)
    count = readers.SAMPLE_BYTES // len(filler) + 10
    with path.open("wb") as f:
        f.write(HEADER.encode())
        for i in range(count):
            f.write(_row(f"F/{i}", "x" * 200).encode())
        f.write(_row("W/1", "Paid £20 – on What’s App").encode("cp1252"))
        f.write(_row("W/2", "Met at the café").encode("utf-8"))
    reader, records = _records(path)
    assert reader.encoding == "utf-8"
    assert [r[1][-1] for r in records[-2:] if r[1]] == [
        "Paid £20 – on What’s App",
        "Met at the café",
    ]
    assert reader.decoded_as_cp1252 == {"cp1252_rows": 1, "cp1252_lines": [count + 2]}


def test_only_the_fields_that_are_not_utf8_are_decoded_as_cp1252(tmp_path: Path) -> None:
    """A row whose note is UTF-8 and whose outcome was typed in cp1252 keeps "What’s App"
    (decoding the whole row as cp1252 would make it "Whatâ€™s App" and lose the mention)."""
    data = HEADER.encode() + _row("M/1", "Met at the café").encode()
    data += b"M/2,2018-04-01,Possession of cannabis,92E,CAUTION \x96 PND,,"
    data += "Chat on What’s App\n".encode()
    source = _ingest(tmp_path, data)
    assert source["cp1252_rows"] == 1 and source["cp1252_lines"] == [3]
    assert _texts(tmp_path)["M/2"] == "Chat on What’s App"
    outcome = pq.read_table(tmp_path / "snap" / "crimes.parquet").to_pylist()[1]["outcome"]
    assert outcome == "CAUTION – PND"


def test_bytes_neither_utf8_nor_cp1252_quarantine_the_row(tmp_path: Path) -> None:
    data = HEADER.encode() + _row("B/1", "café").encode() + _row("B/2", "x \x81 y").encode()
    data = data.replace(b"\xc2\x81", b"\x81")  # a lone 0x81: undefined in cp1252
    source = _ingest(tmp_path, data)
    assert source["rows_loaded"] == 1 and "cp1252_rows" not in source
    assert "neither UTF-8 nor cp1252" in _quarantined(tmp_path)[3]


def test_the_manifest_lists_the_first_thousand_cp1252_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    with path.open("wb") as f:
        f.write(HEADER.encode() + _row("U/0", "café").encode())
        for i in range(1, 1201):
            f.write(_row(f"U/{i}", "£5").encode("cp1252"))
    reader, records = _records(path)
    assert all(r[2] is None for r in records)
    found = reader.decoded_as_cp1252
    assert found["cp1252_rows"] == 1200
    assert found["cp1252_lines"] == list(range(3, 1003))


def test_a_cp1252_header_name_in_a_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(HEADER.replace("text", "text_résumé").encode("cp1252") + b"A,\xc3\xa9\n")
    reader, _ = _records(path)
    assert reader.columns[-1] == "text_résumé"
    assert reader.decoded_as_cp1252["cp1252_lines"] == [1]


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_utf16_bytes_that_are_not_utf16_quarantine_the_row(tmp_path: Path, bom: bytes) -> None:
    codec = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
    lone = "\ud800".encode(codec, "surrogatepass")  # a high surrogate with no low one
    data = bom + (HEADER + _row("U/1", "café")).encode(codec)
    data += _row("U/2", "bad ").encode(codec)[:-2] + lone + "\n".encode(codec)
    data += _row("U/3", "Paid £20").encode(codec)
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    reader, records = _records(path)
    assert reader.encoding == codec
    assert [(r[0], r[1] is None) for r in records] == [(2, False), (3, True), (4, False)]
    assert "not valid in the file's encoding" in str(records[1][2])
    assert records[2][1] is not None and records[2][1][-1] == "Paid £20"


def test_utf16_without_a_bom_is_refused_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes((HEADER + _row("U/1", "x")).encode("utf-16-le"))
    with pytest.raises(SourceError, match="UTF-16 is read only with its byte-order mark"):
        CsvReader(path)


# ---------------------------------------------------------------------------- headers


def test_a_mapped_column_repeated_three_times_is_refused(tmp_path: Path) -> None:
    mapping = '[columns]\ncrime_ref = "Occurrence Number"\n'
    header = "Occurrence Number,recorded_date,offence,occurrence number,ho_code,OCCURRENCE NUMBER"
    data = header + "\nA,2018-01-01,Poss,B,92E,C\n"
    with pytest.raises(SourceError) as caught:
        _ingest(tmp_path, data, mapping)
    message = str(caught.value)
    assert "'Occurrence Number' (columns 1, 4 and 6)" in message
    assert "crime_ref" in message


def test_a_repeated_column_under_a_constant_is_not_read_so_not_refused(tmp_path: Path) -> None:
    mapping = '[constants]\nho_code = "92E"\n'
    data = HEADER.replace("text", "ho_code,text") + _row("A", "x").replace(",,x", ",,92E,x")
    source = _ingest(tmp_path, data, mapping)
    assert source["rows_loaded"] == 1


def test_a_notes_file_repeating_text_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text(HEADER + _row("A", "x"), encoding="utf-8")
    notes = tmp_path / "n.csv"
    notes.write_text("crime_ref,text,Text\nA,first,second\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"n\.csv: the header repeats 'text' \(columns 2 and 3\)"):
        ingest(
            [str(tmp_path / "x.csv")],
            tmp_path / "snap",
            load_mapping(None),
            system="Test",
            notes=[str(notes)],
        )
    assert not (tmp_path / "snap").exists()
