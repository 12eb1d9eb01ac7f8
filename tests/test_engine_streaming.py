"""The engine streams: small batches, prefetching or not, give the same table and evidence."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from foidesk.engines.duckdb.engine import DuckDBEngine
from foidesk.release.render import RENDERERS
from foidesk.tools.synth import make_synthetic
from tests.conftest import control_off
from tests.helpers import answer_case


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("synth")
    return control_off(make_synthetic(6_000, folder, seed=7).request_path)


@pytest.mark.parametrize(
    "engine",
    [
        {"batch_rows": 37, "prefetch": True},
        {"batch_rows": 37, "prefetch": False},
        {"batch_rows": 1, "prefetch": True},
    ],
)
def test_small_batches_give_the_same_answer(synthetic: Path, tmp_path: Path, engine: dict) -> None:
    reference = answer_case(synthetic, tmp_path / "one")
    assert reference.table.grand_total.total > 20  # a real table, not an empty one
    streamed = answer_case(synthetic, tmp_path / "many", engine=DuckDBEngine(**engine))
    assert RENDERERS["csv"](streamed.table) == RENDERERS["csv"](reference.table)
    one = pq.read_table(tmp_path / "one" / "internal" / "evidence.parquet")
    many = pq.read_table(tmp_path / "many" / "internal" / "evidence.parquet")
    assert one.equals(many)
    assert streamed.coverage == reference.coverage


def test_a_consumer_that_stops_early_does_not_leave_the_prefetch_thread_blocked() -> None:
    import threading
    import time

    import duckdb

    engine = DuckDBEngine(batch_rows=10)
    con = duckdb.connect()
    before = threading.active_count()
    reader = con.sql("SELECT range AS n FROM range(1000)").to_arrow_reader(10)
    batches = engine._batches(reader)
    assert next(batches).num_rows == 10  # the producer now waits on a full queue
    batches.close()  # as when the matcher raises mid-stream
    deadline = time.monotonic() + 10
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == before  # the producer thread has ended
