"""Property: whatever rows an export holds, none is silently dropped.

Hypothesis writes CSV files of good rows and bad rows (empty references, impossible dates,
unknown statuses, notes with commas, quotes, newlines and Unicode, exact duplicates) and
checks that every row is loaded, or quarantined at the physical line where it starts, or
counted as a duplicate, and that the counts reconcile.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foidesk.ingest.mapping import load_mapping
from foidesk.ingest.snapshot import ingest

COLUMNS = ["crime_ref", "recorded_date", "offence", "ho_code", "status", "text_mo"]
notes = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
    max_size=60,
)
kinds = st.sampled_from(["good", "good", "good", "no_ref", "bad_date", "bad_status", "dup"])


@st.composite
def exports(draw: st.DrawFn) -> list[tuple[str, list[str]]]:
    rows: list[tuple[str, list[str]]] = []
    for i, kind in enumerate(draw(st.lists(kinds, min_size=1, max_size=40))):
        text = draw(notes)
        day = draw(st.integers(1, 28))
        row = [f"R{i}", f"{day:02d}/03/2018", "Cannabis", "92E", "", text]
        if kind == "no_ref":
            row[0] = draw(st.sampled_from(["", "   "]))
        elif kind == "bad_date":
            row[1] = draw(st.sampled_from(["31/02/2018", "2018-13-01", "soon", ""]))
        elif kind == "bad_status":
            row[4] = "pending"
        elif kind == "dup" and rows and rows[-1][0] == "good":
            rows.append(("dup", list(rows[-1][1])))
            continue
        else:
            kind = "good"
        rows.append((kind, row))
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports())
def test_no_row_is_silently_dropped(rows: list[tuple[str, list[str]]]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    starts = []
    for _, row in rows:
        starts.append(buffer.getvalue().count("\n") + 1)
        writer.writerow(row)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        result = ingest([str(path)], Path(tmp) / "snap", load_mapping(None), system="P")
        source = result.manifest["sources"][0]
        assert source["rows_read"] == len(rows)
        assert source["rows_read"] == (
            source["rows_loaded"] + source["rows_quarantined"] + source["duplicates"]
        )
        with (Path(tmp) / "snap" / "quarantine.csv").open(encoding="utf-8", newline="") as f:
            quarantined = {int(r["line"]) for r in csv.DictReader(f)}
        loaded = pq.read_table(Path(tmp) / "snap" / "crimes.parquet").to_pylist()
        loaded_refs = {r["crime_ref"] for r in loaded}
        for (kind, row), line in zip(rows, starts, strict=True):
            if kind == "good":
                assert row[0] in loaded_refs, (row, line)
                [crime] = [r for r in loaded if r["crime_ref"] == row[0]]
                assert (crime["text_mo"] or "") == row[5]  # notes kept whole
            elif kind != "dup":
                assert line in quarantined, (kind, row, line)
        assert source["duplicates"] == sum(1 for kind, _ in rows if kind == "dup")
