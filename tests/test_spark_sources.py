"""Spark reads a raw Parquet extract where it lies, on the executors (issue 20): the rows are
read by the embedded engine's own statement of the canonical columns (DuckDB inside each
task), so the answer is the embedded engine's, whatever the file's spellings; and the
evidence can be written to a folder URI the executors and the driver share.

Spark runs with a tiny driver result size, three partitions, 4 KB input splits and Arrow
batches of 3 records, so that anything collected to the driver, or depending on one
partition or batch, would show.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import crime, write_extract, write_request
from tests.helpers import SPARK_SMALL, answer_with_both, assert_same_answer

pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'foidesk[spark]')")
if shutil.which("java") is None:
    pytest.skip("no Java runtime for Spark (Debian: default-jre-headless)", allow_module_level=True)

from foidesk.engines.spark.engine import SparkEngine

SMALL = SPARK_SMALL


def _messy_parquet(path: Path) -> None:
    """A Parquet extract as a records system might export it: padded and lower-case codes,
    blank and odd-case statuses, DD/MM and ISO dates with times, references with invisible
    ends, a crime held twice in the file (the later row wins), text in two fields."""
    rows = [
        crime("P1", "03/02/2018", "messaged on Facebook", ho_code=" 92e "),
        crime("P2\u200b", "2018-02-13 10:00:00", "via Snap chat", status="RECORDED"),
        crime("P3", "3/2/2016", "What's App group", ho_code="92 E"),
        crime("P4", "2017-04-01", "on TikTok", status="Cancelled"),
        crime("P5", "01/05/2018", "on Instagram", outcome="CHARGED", ho_outcome="1"),
        crime("P5", "02/05/2018", "no platform here", outcome="CHARGED", ho_outcome="1"),
        crime("P6", "2019-01-02", "nothing", text_summary="seen on Twitter"),
        crime("P7", "2014-12-31", "Facebook, outside the window"),
        crime("P8", "2018-07-07", "Facebook but not a drug crime", ho_code="8N"),
    ]
    names = list(rows[0])
    pq.write_table(pa.table({n: [r[n] for r in rows] for n in names}), path, row_group_size=2)


def test_a_raw_parquet_extract_read_on_the_executors_gives_the_embedded_answer(
    tmp_path: Path,
) -> None:
    _messy_parquet(tmp_path / "legacy.parquet")
    # a second system as a typed Parquet file: zoned timestamps, a crime held in both
    london = dt.timezone(dt.timedelta(hours=1))
    typed = pa.table(
        {
            "crime_ref": ["P1", "T1"],
            "recorded_date": pa.array(
                [
                    dt.datetime(2018, 3, 1, 9, 0, tzinfo=london),
                    dt.datetime(2019, 4, 1, 0, 30, tzinfo=london),
                ],
                pa.timestamp("us", tz="+01:00"),
            ),
            "offence": ["Possession", "Possession"],
            "ho_code": ["92E", "92E"],
            "outcome": ["Zulu charge", "CAUTION"],
            "ho_outcome": ["1", "3"],
            "text": ["via Instagram", "on Snapchat"],
        }
    )
    pq.write_table(typed, tmp_path / "athena.parquet")
    request = write_request(tmp_path, [("legacy.parquet", "Legacy"), ("athena.parquet", "Athena")])
    duck, spark = answer_with_both(request, tmp_path, SparkEngine(master="local[2]", conf=SMALL))
    assert_same_answer(duck, spark)
    d = duck[0]
    assert d.audit["counts"]["rows_read"] == 11
    assert d.audit["counts"]["crimes_in_more_than_one_system"] == 1  # P1
    evidence = {(e["crime_ref"], e["text"]) for e in duck[1].to_pylist()}
    assert ("P2", "Snap chat") in evidence  # the invisible end trimmed
    assert ("P7", "Facebook") not in evidence and ("P8", "Facebook") not in evidence
    assert ("T1", "Snapchat") in evidence  # 2019-03-31 23:30 UTC: inside the window


def test_evidence_through_a_shared_folder_uri(tmp_path: Path) -> None:
    """``work``: the executors write the evidence under a folder URI (here file://; on a
    cluster hdfs:// or s3a://) and the driver reads it back through Spark, then removes it."""
    _messy_parquet(tmp_path / "legacy.parquet")
    request = write_request(tmp_path, [("legacy.parquet", "Legacy")])
    shared = tmp_path / "shared"
    shared.mkdir()
    engine = SparkEngine(master="local[2]", conf=SMALL, work=shared.as_uri())
    duck, spark = answer_with_both(request, tmp_path, engine)
    assert_same_answer(duck, spark)
    assert spark[1].num_rows > 0
    assert list(shared.iterdir()) == []  # the run's folder is removed


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_a_population_crimes_last_copy_out_of_scope_is_searched_as_the_embedded_engine_does(
    tmp_path: Path, kind: str
) -> None:
    """A source's last copy of a population crime can be out of scope (a migrated crime whose
    copy in the older system has another code, or another date), and its mentions count as
    the embedded engine counts them (a plan that searched only copies in scope would have to
    search these again: tried, docs/performance.md), from raw Parquet read in row groups and
    from the snapshot a CSV becomes."""
    legacy = [
        crime("M1", "2018-05-01", "seen on Facebook", ho_code="8N"),  # winner is Athena's
        crime("Q1", "2018-01-01", "nothing here"),
        crime("M3", "2017-02-02", "on Instagram"),  # in scope, then out of scope:
        crime("Q2", "2018-01-02", "nothing here"),
        crime("Q3", "2018-01-03", "nothing here"),
        crime("M3", "2017-02-03", "on Instagram again", ho_code="8N"),  # the last copy wins
        crime("M4", "2014-12-30", "a TikTok video"),  # outside the window here only
        crime("X1", "2018-03-03", "Facebook, not a drug crime", ho_code="8N"),
    ]
    athena = [
        crime("M1", "2018-05-02", "no mention"),
        crime("M4", "2015-01-02", "no mention"),
        crime("A1", "2018-07-07", "via Snapchat"),
    ]
    if kind == "csv":  # a crime twice in one CSV is ingested as its last copy alone, so its
        # earlier copy in scope makes it a candidate for the embedded engine only (docs/spark.md)
        legacy = [r for r in legacy if r["crime_ref"] != "M3"]
    if kind == "parquet":
        for name, rows in (("legacy", legacy), ("athena", athena)):
            names = list(rows[0])
            table = pa.table({n: [r[n] for r in rows] for n in names})
            pq.write_table(table, tmp_path / f"{name}.parquet", row_group_size=2)
    else:
        write_extract(tmp_path / "legacy.csv", legacy)
        write_extract(tmp_path / "athena.csv", athena)
    request = write_request(tmp_path, [(f"legacy.{kind}", "Legacy"), (f"athena.{kind}", "Athena")])
    duck, spark = answer_with_both(request, tmp_path, SparkEngine(master="local[2]", conf=SMALL))
    assert_same_answer(duck, spark)
    found = {(e["crime_ref"], e["system"], e["text"]) for e in spark[1].to_pylist()}
    assert ("M1", "Legacy", "Facebook") in found  # a copy out of scope, its crime counted
    assert ("M4", "Legacy", "TikTok") in found
    assert ("A1", "Athena", "Snapchat") in found
    assert not {f for f in found if f[0] in ("M3", "X1")}  # not in the population
