"""A Spark task's reading of its row groups, run as the executor runs it but without Spark
(issue 20): positions, canonical rows and hits are the same whether a row group is read in one
batch or in several, and a task holding several row groups numbers their rows from each
group's first row."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from foidesk.engines.duckdb.sources import UNUSABLE_CHECKS
from foidesk.engines.spark.tasks import (
    HITS,
    SPLIT_SCHEMA,
    Search,
    SourceRead,
    source_batches,
    text_column,
)
from foidesk.ingest.record import CANONICAL
from foidesk.search.lexicon import load_lexicon
from tests.conftest import crime

CHECKS = len(UNUSABLE_CHECKS)


def _extract(path: Path) -> None:
    """Twelve rows in row groups of five: a hit in every third row, one a later copy of an
    earlier crime, one with an unusable date."""
    rows = []
    for i in range(12):
        text = f"met on Facebook, note {i}" if i % 3 == 0 else f"nothing to see, note {i}"
        rows.append(crime(f"R{i}", f"2018-01-{i + 1:02d}", text))
    rows[7]["crime_ref"] = "R2"  # a crime held twice in the file
    rows[10]["recorded_date"] = "not a date"
    names = list(rows[0])
    pq.write_table(pa.table({n: [r[n] for r in rows] for n in names}), path, row_group_size=5)


def _read(path: Path, groups: list[list[tuple[int, int]]], batch_rows: int) -> pa.Table:
    lexicon = load_lexicon("social-media")
    search = Search(lexicon, ("Facebook",), "Legacy", ("text_mo",))
    read = SourceRead(str(path), CANONICAL, ("text_mo",), search, True, None, None)
    run = source_batches(read, CHECKS, batch_rows)
    tables = []
    for split in groups:  # one task each
        splits = pa.RecordBatch.from_pylist(
            [{"row_group": g, "first_row": f} for g, f in split], schema=SPLIT_SCHEMA
        )
        tables.append(pa.Table.from_batches(list(run(iter([splits])))))
    return pa.concat_tables(tables)


def test_a_row_group_read_in_several_batches_gives_the_same_rows_and_hits(
    tmp_path: Path,
) -> None:
    path = tmp_path / "legacy.parquet"
    _extract(path)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    groups = [[(0, 0)], [(1, 5), (2, 10)]]  # two tasks, the second with two row groups
    whole = _read(path, groups, batch_rows=100_000)
    pieces = _read(path, groups, batch_rows=2)  # each group in batches of 2, 2 and 1
    assert pieces.equals(whole)

    assert whole.column("record_no").to_pylist() == list(range(12))
    refs = whole.column("crime_ref").to_pylist()
    assert refs == [f"R{i}" if i != 7 else "R2" for i in range(12)]
    # the date that is not a date is flagged, on its own row only
    dated = [k for k, (field, _c, _m) in enumerate(UNUSABLE_CHECKS) if field == "recorded_date_raw"]
    flagged = [i for i in range(12) if any(whole.column(f"bad_{k}")[i].as_py() for k in dated)]
    assert flagged == [10]
    assert whole.column("recorded_date_raw").to_pylist()[10] == "not a date"
    # a hit on every third row, each carried by its own row with its own crime
    hits = whole.column(HITS).to_pylist()
    with_hits = [i for i, h in enumerate(hits) if h]
    assert with_hits == [0, 3, 6, 9]
    for i in with_hits:
        assert {h["crime_ref"] for h in hits[i]} == {refs[i]}
        assert {h["platform"] for h in hits[i]} == {"Facebook"}
        assert all(f"note {i}" in h["after"] and h["field"] == "text_mo" for h in hits[i])
    assert text_column(0) not in whole.schema.names  # the text never leaves the task
