"""The fast CSV path (ingest/fast.py) gives exactly what the line-by-line path gives.

Every CSV file of the bad-file folder and a set of synthetic ones are ingested both ways
(``ingest(..., fast=False)`` is the line-by-line path, as FOIDESK_INGEST_SLOW=1 makes it); the
crimes and notes tables, ``quarantine.csv`` and ``manifest.json`` (but ``created``) must be
identical, and the fast path must have taken the well-formed files and refused the others.
A seeded random corpus of small awkward files checks the same on what nobody thought of.
"""

from __future__ import annotations

import contextlib
import random
import tomllib
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from foidesk.errors import SourceError
from foidesk.ingest import fast
from foidesk.ingest.mapping import load_mapping
from foidesk.ingest.snapshot import ingest

BAD = Path(__file__).parent / "data" / "bad"
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads(
    (BAD / "EXPECTED.toml").read_text(encoding="utf-8")
)
HEADER = "crime_ref,recorded_date,offence,ho_code,outcome,ho_outcome,status,text"
# the bad files the fast path must take (well-formed UTF-8) and must leave to the reader
TAKEN = {
    "enc_utf8_bom.csv",
    "enc_utf8_bom_semicolon.csv",
    "enc_stray_nul.csv",
    "date_31_02_2018.csv",
    "delim_tab.tsv",
    "ref_superseded.csv",
    "ref_invisible_characters.csv",
    "quote_note_300_lines.csv",
    "quote_doubled.csv",
}
REFUSED = {
    "enc_utf8_one_cp1252_row.csv",  # not UTF-8 throughout
    "enc_cp1252_throughout.csv",
    "enc_utf16le_bom_tab.txt",
    "enc_mixed_line_endings.csv",  # lone CRs
    "quote_unclosed_30_rows.csv",
    "quote_unclosed_last_row.csv",
    "quote_text_after_closing_quote.csv",
    "delim_header_comma_rows_semicolon.csv",  # wrong field counts
}


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOIDESK_TODAY", "2019-06-03")
    monkeypatch.delenv(fast.SLOW_VARIABLE, raising=False)


def _snapshot(out: Path, result: Any) -> dict[str, Any]:
    manifest = dict(result.manifest)
    manifest.pop("created")
    notes = out / "notes.parquet"
    return {
        "manifest": manifest,
        "crimes": pq.read_table(out / "crimes.parquet"),
        "notes": pq.read_table(notes) if notes.exists() else None,
        "quarantine": (out / "quarantine.csv").read_text(encoding="utf-8"),
    }


def both_ways(
    tmp: Path,
    files: list[Path],
    mapping: str | None = None,
    notes: list[Path] | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> list[bool]:
    """Ingest ``files`` both ways, assert the snapshots are identical, and return, per file,
    whether the fast path took it (or raise the SourceError both ways raised)."""
    taken: list[bool] = []
    original = fast.read_source

    def spy(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        taken.append(result is not None)
        return result

    spec = load_mapping(mapping)
    got = {}
    errors = {}
    for way in (False, True):
        out = tmp / f"snap-{way}"
        mp = pytest.MonkeyPatch()
        mp.setattr(fast, "read_source", spy)
        try:
            result = ingest(
                [str(f) for f in files],
                out,
                spec,
                system="Test",
                notes=[str(n) for n in notes or []],
                replace=True,
                fast=way,
            )
            got[way] = _snapshot(out, result)
        except SourceError as exc:
            errors[way] = str(exc)
        finally:
            mp.undo()
    if errors:
        assert errors.get(False) == errors.get(True)
        raise SourceError(errors[False])
    slow, quick = got[False], got[True]
    assert quick["manifest"] == slow["manifest"]
    assert quick["crimes"].equals(slow["crimes"])
    assert quick["quarantine"] == slow["quarantine"]
    if slow["notes"] is None:
        assert quick["notes"] is None
    else:
        assert quick["notes"].equals(slow["notes"])
    return taken


def _bad_csv_files() -> list[tuple[str, str | None]]:
    cases = []
    for entry in EXPECTED.values():
        name = entry["file"]
        if Path(name).suffix.lower() in (".csv", ".tsv", ".txt"):
            mapping = entry.get("mapping")
            cases.append((name, str(BAD / mapping) if mapping else None))
    return sorted(set(cases))


@pytest.mark.parametrize(("name", "mapping"), _bad_csv_files(), ids=lambda v: str(v))
def test_ingest_fast_bad_files_same_both_ways(
    tmp_path: Path, name: str, mapping: str | None
) -> None:
    try:
        taken = both_ways(tmp_path, [BAD / name], mapping)
    except SourceError:
        return  # refused both ways, with the same message
    if name in TAKEN:
        assert taken == [True], name
    if name in REFUSED:
        assert taken in ([], [False]), name


def _write(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


ROWS = [
    "A/1,2018-01-02,Possession of cannabis,92E,charged,1,recorded,Seen on Facebook",
    "A/2,02/01/2018,Theft,49,,,,plain",
    'A/3,2018-01-03,"Theft, other",049,NFA,18,CANCELLED,"a ""quoted"" word"',
    'A/4,2018-01-04,Drugs,92 e,,,,"line one\nline two\n\nline four"',
    "A/5,31/02/2018,Drugs,92E,,,,bad date",
    "A/6,2091-03-04,Drugs,92E,,,,out of range",
    "A/7,0219-05-01,Drugs,92E,,,,typed for 2019",
    ",2018-01-05,Drugs,92E,,,,empty ref",
    "\u200b ,2018-01-05,Drugs,92E,,,,invisible ref",
    "\u00a0A/8\u200b,2018-01-05,Drugs,92E,,,,ref trimmed",
    "A/9,2018-01-06,  ,92E,,,,empty offence",
    "A/10,2018-01-06,Drugs,92E,,,no crime,status to map",
    "A/11,2018-01-06,Drugs,92E,,,weird,status not known",
    "A/1,2018-01-02,Possession of cannabis,92E,charged,1,recorded,Seen on Facebook",
    "A/2,02/01/2018,Theft,49,,,,changed",
    "A/12,2018-01-07 10:30,Drugs, 92e ,  charged ,  q ,  Transferred ,x",
]


def _file(tmp: Path, name: str, rows: list[str], **kwargs: Any) -> Path:
    return _write(tmp / name, "\n".join([HEADER, *rows]) + "\n", **kwargs)


def test_ingest_fast_synthetic_well_formed(tmp_path: Path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text('name = "m"\n[values.status]\n"NO CRIME" = "cancelled"\n')
    files = [
        _file(tmp_path, "lf.csv", ROWS),
        _file(tmp_path, "crlf.csv", ROWS, newline="\r\n"),
        _file(tmp_path, "bom.csv", ROWS, encoding="utf-8-sig"),
        _file(tmp_path, "semi.csv", [r.replace(",", ";") for r in ROWS[:3]]),
        _write(tmp_path / "noeol.csv", "\n".join([HEADER, *ROWS[:3]])),
    ]
    (tmp_path / "semi.csv").write_text(
        HEADER.replace(",", ";") + "\n" + "\n".join(r.replace(",", ";") for r in ROWS[:2]) + "\n"
    )
    taken = both_ways(tmp_path, files, str(mapping))
    assert taken == [True] * len(files)


def test_ingest_fast_crlf_inside_a_quoted_field_of_an_lf_file(tmp_path: Path) -> None:
    rows = [*ROWS[:3], 'A/20,2018-01-02,Drugs,92E,,,,"one\r\ntwo"', *ROWS[4:6]]
    assert both_ways(tmp_path, [_file(tmp_path, "x.csv", rows)]) == [True]


@pytest.mark.parametrize(
    ("label", "rows"),
    [
        ("wrong field count in the middle", [*ROWS[:3], "A/30,2018-01-02,Drugs", *ROWS[3:6]]),
        ("unclosed quote at the end", [*ROWS[:5], 'A/31,2018-01-02,Drugs,92E,,,,"never closed']),
        ("blank line in the middle", [*ROWS[:3], "", *ROWS[3:6]]),
        ("space before a quote", [*ROWS[:3], 'A/32,2018-01-02,Drugs,92E,,,, "spaced"']),
        ("space after a quote", [*ROWS[:3], 'A/33,2018-01-02,Drugs,92E,,,,"spaced" ']),
        ("trailing delimiter", [*ROWS[:3], "A/34,2018-01-02,Drugs,92E,,,,x,"]),
        ("lone CR in a quoted field", [*ROWS[:3], 'A/35,2018-01-02,Drugs,92E,,,,"a\rb"']),
        ("text after a closing quote", [*ROWS[:3], 'A/36,2018-01-02,Drugs,92E,,,,"a"b']),
        (
            "a note whose lines read as whole records",
            [*ROWS[:3], 'A/37,2018-01-02,Drugs,92E,,,,"x\n' + "a,b,c,d,e,f,g,h\n" * 4 + '"'],
        ),
        ("a field that is one NUL", [*ROWS[:3], "A/38,2018-01-02,Drugs,92E,,,,\x00"]),
        ("trailing blank lines", [*ROWS[:3], "", ""]),
    ],
)
def test_ingest_fast_refuses_what_it_cannot_be_sure_of(
    tmp_path: Path, label: str, rows: list[str]
) -> None:
    taken = both_ways(tmp_path, [_file(tmp_path, "x.csv", rows)])
    if label in ("a field that is one NUL",):
        return  # may go either way; identical is what matters
    assert taken == [False], label


def test_ingest_fast_not_utf8_goes_line_by_line(tmp_path: Path) -> None:
    # a UTF-8 file (café) with one row saved as cp1252: the reader decodes that row alone
    path = tmp_path / "x.csv"
    rows = "\n".join([HEADER, *ROWS[:3], "A/8,2018-01-02,Drugs,92E,,,,café"]) + "\n"
    path.write_bytes(rows.encode() + b"A/9,2018-01-02,Drugs,92E,,,,caf\xe9\n")
    assert both_ways(tmp_path, [path]) == [False]


def test_ingest_fast_duplicates_across_files_and_notes(tmp_path: Path) -> None:
    first = _file(tmp_path, "a.csv", ROWS[:6])
    second = _file(tmp_path, "b.csv", [ROWS[0], ROWS[1].replace("plain", "new"), ROWS[2]])
    notes = _write(
        tmp_path / "notes.csv",
        "crime_ref,entry,entry_date,text\nA/1,1,2018-01-03,note\nZ/9,1,2018-01-03,orphan\n",
    )
    assert both_ways(tmp_path, [first, second], notes=[notes]) == [True, True]


def test_ingest_fast_mixed_with_a_file_read_line_by_line(tmp_path: Path) -> None:
    good = _file(tmp_path, "a.csv", ROWS[:6])
    bad = _file(tmp_path, "b.csv", [*ROWS[:2], "A/40,2018-01-02"])
    assert both_ways(tmp_path, [good, bad, good]) == [True, False, True]


def test_ingest_fast_switched_off_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(fast.SLOW_VARIABLE, "1")
    assert not fast.enabled(None)
    assert fast.enabled(True)
    monkeypatch.delenv(fast.SLOW_VARIABLE)
    assert fast.enabled(None)


PIECES = ["a", "b", " ", ",", '"', '""', "\n", "\r\n", "é", "\u200b", "\t", "x,y", ";", "2018"]


def _random_file(rng: random.Random) -> str:
    rows = [HEADER]
    for number in range(rng.randint(1, 6)):
        fields = [f"R/{number}", rng.choice(["2018-01-02", "02/01/2018", "x", ""]), "Drugs"]
        fields += ["92E", "", "", rng.choice(["", "recorded", "odd"])]
        fields.append("".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6))))
        if rng.random() < 0.5:
            fields[-1] = '"' + fields[-1].replace('"', '""') + '"'
        if rng.random() < 0.2:
            fields[0] = rng.choice(['"R/1"', " R/1", "R/1 ", '"R/1" ', ' "R/1"'])
        rows.append(",".join(fields))
    text = rng.choice(["\n", "\r\n"]).join(rows)
    return text + rng.choice(["\n", "\r\n", "", "\n\n"])


@pytest.mark.parametrize("seed", range(40))
def test_ingest_fast_random_awkward_files(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    path = tmp_path / "r.csv"
    path.write_bytes(_random_file(rng).encode("utf-8"))
    with contextlib.suppress(SourceError):  # refused both ways alike
        both_ways(tmp_path, [path])


def test_ingest_fast_row_groups_whatever_the_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """crimes.parquet is written once, in row groups of ROW_GROUP rows whatever the batches
    each path hands over (here groups of 3, fast batches of 4, line-by-line batches of 5), and
    written again without the copies dropped (duplicates, superseded) or from several parts:
    the bytes are the same both ways (the manifest holds their sha256)."""
    from foidesk.ingest import snapshot

    monkeypatch.setattr(snapshot, "ROW_GROUP", 3)
    monkeypatch.setattr(snapshot, "BATCH", 5)
    monkeypatch.setattr(fast, "BATCH_ROWS", 4)
    many = [f"B/{i},2018-01-02,Drugs,92E,,,,note {i}" for i in range(23)]
    one = _file(tmp_path, "one.csv", many)
    assert both_ways(tmp_path, [one]) == [True]
    groups = pq.ParquetFile(tmp_path / "snap-True" / "crimes.parquet").metadata
    assert [groups.row_group(g).num_rows for g in range(groups.num_row_groups)] == [3] * 7 + [2]
    dup = _file(tmp_path, "dup.csv", [*many[:9], *ROWS, many[2], many[3].replace("note", "new")])
    assert both_ways(tmp_path, [dup, one]) == [True, True]
    groups = pq.ParquetFile(tmp_path / "snap-True" / "crimes.parquet").metadata
    assert all(groups.row_group(g).num_rows == 3 for g in range(groups.num_row_groups - 1))
