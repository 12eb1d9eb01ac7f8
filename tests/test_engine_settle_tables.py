"""Where the embedded engine keeps the population's working tables: in memory when they fit in
DuckDB's memory limit, in its database file when they do not (``settle_tables``); either way
the answer is the same."""

from __future__ import annotations

from pathlib import Path

import pytest

import foidesk.engines.duckdb.engine as engine_module
from foidesk.answering import request_matcher
from foidesk.casework.request import load_request
from foidesk.engines.duckdb.engine import SETTLE_BYTES_PER_ROW, DuckDBEngine, settle_tables
from foidesk.tools.bench import prepare


def test_the_tables_stay_in_memory_only_when_they_fit() -> None:
    limit = 512e6
    fits = int(limit // SETTLE_BYTES_PER_ROW)
    assert settle_tables(fits, limit) == "TEMP TABLE"
    assert settle_tables(fits + 1, limit) == "TABLE"
    assert settle_tables(10_000_000, limit) == "TABLE"
    assert settle_tables(1, 0.0) == "TABLE"  # a limit that cannot be read: the file


@pytest.fixture(scope="module")
def parquet_request(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _, request = prepare(4_000, tmp_path_factory.mktemp("bench"))
    return request


def test_in_memory_and_in_the_file_give_the_same_answer(
    parquet_request: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = load_request(parquet_request)
    assert {s.format for s in request.sources} == {"parquet"}  # a database file, not memory
    matcher = request_matcher(request)
    made: list[str] = []
    real = engine_module.settle_tables

    def spy(rows: int, limit: float) -> str:
        made.append(real(rows, limit))
        return made[-1]

    monkeypatch.setattr(engine_module, "settle_tables", spy)
    in_memory = DuckDBEngine().run(request, matcher)
    monkeypatch.setattr(engine_module, "SETTLE_BYTES_PER_ROW", 10**12)  # nothing fits
    in_file = DuckDBEngine().run(request, matcher)
    assert made == ["TEMP TABLE", "TABLE"]
    assert in_memory.crime_hits.num_rows > 10  # a real answer
    assert in_memory.crime_hits.equals(in_file.crime_hits)
    assert in_memory.evidence.equals(in_file.evidence)
    assert in_memory.coverage == in_file.coverage
    assert in_memory.stages == in_file.stages
    assert in_memory.overlaps == in_file.overlaps
