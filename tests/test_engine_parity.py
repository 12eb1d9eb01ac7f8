"""The embedded (DuckDB) and scale-out (Spark) engines give the same table and evidence.

Spark runs with a tiny driver result size, three or more partitions and small Arrow batches,
so that anything quietly collected to the driver, or depending on one partition, would show.
Skipped, saying why, where PySpark or Java is missing (CI installs both).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import foidesk
from foidesk.answering import request_matcher
from foidesk.engines.base import NoProgress
from foidesk.engines.duckdb.engine import DuckDBEngine
from foidesk.tools.synth import make_synthetic
from tests.conftest import SEED, control_off, crime, write_extract, write_request
from tests.helpers import answer_with_both, assert_same_answer

pytest.importorskip("pyspark", reason="PySpark is not installed (pip install 'foidesk[spark]')")
if shutil.which("java") is None:
    pytest.skip("no Java runtime for Spark (Debian: default-jre-headless)", allow_module_level=True)

from foidesk.engines.spark.engine import SparkEngine

SMALL = {
    "spark.driver.maxResultSize": "2m",
    "spark.sql.shuffle.partitions": "3",
    "spark.default.parallelism": "3",
    "spark.sql.files.maxPartitionBytes": "4096",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "7",
    "spark.master": "local[2]",
}


def _both(request: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple:
    return answer_with_both(request, tmp_path, SparkEngine(master="local[2]", conf=SMALL))


def test_parity_on_the_seed_extract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    duck, spark = _both(SEED / "request.toml", tmp_path, monkeypatch)
    assert duck[0].table.grand_total.total == 3
    assert_same_answer(duck, spark)


def test_parity_on_synthetic_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_synthetic(4_000, tmp_path / "data", seed=11)
    duck, spark = _both(control_off(data.request_path), tmp_path, monkeypatch)
    assert duck[0].table.grand_total.total > 20
    assert_same_answer(duck, spark)


@pytest.mark.parametrize("columns", ["financial_year", "window"])
def test_parity_on_hand_written_cases(
    columns: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_extract(
        tmp_path / "old.csv",
        [
            crime("U1", "03/02/2018", "café 😀 Facebook; naïve"),
            crime("U2", "13/02/2018", "line one\nmessaged on Snap\u00a0chat\nline three"),
            crime("U3", "3/2/2016", "What’s App and via FB, Snap and WA"),
            crime("U4", "01/04/2017", "Caféfacebook; cold snap; IG checks"),
            crime("M1", "01/05/2018", "on Instagram", outcome="UNDER INVESTIGATION"),
        ],
    )
    write_extract(
        tmp_path / "new.csv",
        [
            crime("M1", "2018-05-01 10:00:00", "charged", outcome="CHARGED", ho_outcome="1"),
            crime("N1", "2018-06-01 09:00:00", "TikTok video", status="cancelled"),
            crime("N2", "2019-01-02 09:00:00", "x.com/handle and t.me/deals"),
        ],
    )
    request = write_request(
        tmp_path, [("old.csv", "Legacy"), ("new.csv", "Athena")], columns=columns
    )
    duck, spark = _both(request, tmp_path, monkeypatch)
    assert duck[0].table.grand_total.total == 5
    assert len(duck[0].table.periods) == (1 if columns == "window" else 6)  # 2014/15 on
    assert_same_answer(duck, spark)


def test_parity_on_awkward_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Duplicates within a source, zoned timestamps, tabs around values, float outcome codes."""
    import datetime as dt

    import pyarrow as pa

    write_extract(
        tmp_path / "old.csv",
        [
            crime("D1", "2018-03-01", "messaged him on Facebook"),  # superseded by the next
            crime("D1", "2018-03-01", "no social media involved"),
            crime("D2", "2018-03-02", "on Snapchat"),  # exact duplicate
            crime("D2", "2018-03-02", "on Snapchat"),
            crime("H1\t", "2018-04-01", "on TikTok", offence="Possession\t"),
        ],
    )
    london = dt.timezone(dt.timedelta(hours=1))
    table = pa.table(
        {
            "crime_ref": ["Z1", "H1"],
            "recorded_date": pa.array(
                [
                    dt.datetime(2019, 4, 1, 0, 30, tzinfo=london),
                    dt.datetime(2018, 4, 1, 9, 0, tzinfo=london),
                ],
                pa.timestamp("us", tz="+01:00"),
            ),
            "offence": ["Possession", "Possession"],
            "ho_code": ["92E", "92E"],
            "outcome": ["Zulu charge", "CAUTION"],
            "ho_outcome": pa.array([1.0, 3.0]),
            "text": ["via Instagram", "x"],
        }
    )
    pq.write_table(table, tmp_path / "new.parquet")
    request = write_request(
        tmp_path,
        [("old.csv", "Legacy"), ("new.parquet", "Athena")],
        columns="financial_year",
        date_from="2017-04-01",
        date_to="2019-03-31",
    )
    duck, spark = _both(request, tmp_path, monkeypatch)
    assert_same_answer(duck, spark)
    evidence = {(e["crime_ref"], e["text"]) for e in duck[1].to_pylist()}
    assert ("D1", "Facebook") not in evidence  # only the last copy's text is searched
    assert ("Z1", "Instagram") in evidence  # 2019-03-31 23:30 UTC: inside the window
    assert duck[0].audit["counts"]["crimes_in_more_than_one_system"] == 1  # H1, tab trimmed


def test_parity_with_a_snapshot_and_its_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot source (read as it is, with its investigation-log notes) beside a raw one."""
    from foidesk.ingest.mapping import parse_mapping
    from foidesk.ingest.snapshot import ingest

    write_extract(
        tmp_path / "old.csv",
        [
            crime("N1", "2018-03-01", "nothing"),
            crime("N2", "2018-04-01", "on Facebook"),
            crime("N4", "2018-05-01", "x", status="cancelled"),
        ],
    )
    (tmp_path / "log.csv").write_text(
        "Occ,No,Text\nN1,1,Spoke to IP\nN1,2,IP shown Snapchat messages\nN2,1,WhatsApp\n"
        "N4,1,on Instagram\n",
        encoding="utf-8",
    )
    mapping = parse_mapping(
        b'[notes]\n[notes.columns]\ncrime_ref = "Occ"\nentry = "No"\ntext = "Text"\n', "n.toml"
    )
    ingest(
        [str(tmp_path / "old.csv")],
        tmp_path / "snap",
        mapping,
        system="Legacy",
        notes=[str(tmp_path / "log.csv")],
    )
    write_extract(
        tmp_path / "new.csv",
        [
            crime("N2", "2018-04-01 10:00:00", "on TikTok", outcome="CHARGED"),
            crime("N3", "2018-06-01 10:00:00", "via Instagram"),
        ],
    )
    request = write_request(tmp_path, [("snap", "Legacy"), ("new.csv", "Athena")])
    duck, spark = _both(request, tmp_path, monkeypatch)
    assert_same_answer(duck, spark)
    fields = {(e["crime_ref"], e["field"]) for e in duck[1].to_pylist()}
    assert ("N1", "note 2") in fields and ("N2", "note 1") in fields
    assert duck[0].audit["overlaps"] == {"Athena and Legacy": 1}


def test_spark_uses_the_matcher_it_is_handed_not_the_request_s_lexicon_file(
    tmp_path: Path,
) -> None:
    """The matcher travels to the workers as its lexicon's data: a force lexicon removed after
    it was compiled (or a path the workers cannot see) changes nothing."""
    write_extract(
        tmp_path / "a.csv",
        [
            crime("A1", "2016-05-01", "Arranged the deal on Yik-Yak."),
            crime("A2", "2016-06-01", "Messages on Snapchat."),
        ],
    )
    request_path = write_request(tmp_path, [("a.csv", "Alpha")])
    text = request_path.read_text(encoding="utf-8")
    lexicon = tmp_path / "force.toml"
    lexicon.write_text(
        'extends = "social-media"\nname = "force"\nversion = "1"\n\n[[platform]]\n'
        'name = "Yik Yak"\n[[platform.rule]]\nname = "force.yikyak"\npattern = "yik{SEP}yak"\n',
        encoding="utf-8",
    )
    text = text.replace("[search]\n", '[search]\nlexicon = "force.toml"\n')
    text = text.replace('"Snapchat"]', '"Snapchat", "Yik Yak"]')
    request_path.write_text(text, encoding="utf-8")
    request = foidesk.load_request(request_path)
    matcher = request_matcher(request)
    assert "Yik Yak" in matcher.platform_names
    lexicon.unlink()  # the workers could not reload it from the request's folder
    spark = SparkEngine(master="local[2]", conf=SMALL).run(request, matcher, NoProgress())
    duck = DuckDBEngine().run(request, matcher, NoProgress())
    assert spark.evidence.to_pylist() == duck.evidence.to_pylist()
    assert sorted(spark.evidence.column("rule").to_pylist()) == [
        "force.yikyak",
        "snapchat.name",
    ]
