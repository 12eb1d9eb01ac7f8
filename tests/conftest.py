"""Shared helpers: write small hand-written extracts and request files, run the CLI."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SEED = Path(__file__).parent / "data" / "seed"
COLUMNS = [
    "crime_ref",
    "recorded_date",
    "offence",
    "ho_code",
    "outcome",
    "ho_outcome",
    "status",
    "text_mo",
    "text_summary",
]
CANNABIS = "(B) STATE BASED: DRUGS - CLASS B CANNABIS - POSSESSION OF A CONTROLLED DRUG"
COCAINE = "(B) STATE BASED: POSSESSION OF A CONTROLLED DRUG - CLASS A COCAINE"


def crime(ref: str, when: str, text: str = "", **fields: str) -> dict[str, str]:
    """One extract row with sensible defaults (a cannabis possession, CAUTION)."""
    row = {
        "crime_ref": ref,
        "recorded_date": when,
        "offence": CANNABIS,
        "ho_code": "92E",
        "outcome": "CAUTION",
        "ho_outcome": "3",
        "status": "",
        "text_mo": text,
        "text_summary": "",
    }
    row.update(fields)
    return row


def write_extract(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    """Write a standard-extract CSV."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_request(
    folder: Path,
    sources: list[tuple[str, str]],
    *,
    date_from: str = "2015-01-01",
    date_to: str = "2019-04-30",
    offences: str = '["drugs"]',
    rows: str = '["outcome", "offence", "platform"]',
    columns: str = "year",
    offence_label: str = "force",
    extra: str = "",
    disclosure: str = "[disclosure]\nsuppress_below = 0\n",
) -> Path:
    """Write a request file naming ``sources`` as (file name, system) pairs. Disclosure
    control is off unless ``disclosure`` says otherwise (pass "" for the defaults): these
    requests test searching and counting, whose figures are then published as counted;
    tests/test_disclosure_*.py and the seed and demo cases test control."""
    text = f"""reference = "FOI-TEST/1"
received = 2019-04-26
request = "Drug offences mentioning social media."
{extra}
[population]
from = {date_from}
to = {date_to}
offences = {offences}

[search]
terms = ["Facebook", "Twitter", "WhatsApp", "Instagram", "TikTok", "Snapchat"]

[table]
rows = {rows}
columns = "{columns}"
offence_label = "{offence_label}"

{disclosure}"""
    for path, system in sources:
        text += f'\n[[source]]\npath = "{path}"\nsystem = "{system}"\n'
    out = folder / "request.toml"
    out.write_text(text, encoding="utf-8")
    return out


def control_off(request: Path) -> Path:
    """Switch disclosure control off in a written request (the synthetic one holds
    ``suppress_below = 5``): for tests of searching and counting, which compare figures."""
    text = request.read_text(encoding="utf-8")
    assert "suppress_below = 5" in text, request
    request.write_text(text.replace("suppress_below = 5", "suppress_below = 0"), encoding="utf-8")
    return request


def run_cli(*args: Any, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m foidesk`` with the arguments; capture stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "foidesk", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture
def seed_request() -> Path:
    """The hand-written two-system extract that reproduces the seed letter's figures."""
    return SEED / "request.toml"


def _no_skips(report: Any) -> None:
    """In CI (``CI=true`` or ``FOIDESK_NO_SKIPS=1``, both set by ``.ci/run``), a skipped test
    or module is a failure: every test there has what it needs (Java, PostgreSQL), so a skip
    would hide a test that did not run."""
    strict = os.environ.get("FOIDESK_NO_SKIPS") == "1" or os.environ.get("CI") == "true"
    if strict and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A skipped test fails in CI (``_no_skips``)."""
    _no_skips((yield).get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Any:
    """A module skipped as a whole (no Java, no PySpark) fails in CI (``_no_skips``)."""
    _no_skips((yield).get_result())


@pytest.fixture(scope="module")
def seed_answer() -> Any:
    """The seed request answered (letter dated before the due date)."""
    from datetime import date

    import foidesk

    return foidesk.answer(SEED / "request.toml", letter_date=date(2019, 5, 20))


@pytest.fixture(scope="module")
def other_answer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A different, smaller answer: one crime on one system."""
    from datetime import date

    import foidesk

    folder = tmp_path_factory.mktemp("other")
    write_extract(folder / "a.csv", [crime("OT/1", "2016-05-01", "Seen on Instagram.")])
    request = write_request(folder, [("a.csv", "Other")], date_from="2016-01-01")
    return foidesk.answer(request, letter_date=date(2019, 6, 3))


@pytest.fixture(scope="session")
def synthetic_200k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's data set (200,000 synthetic rows, seed 2019) and its request file, made once
    for every test that needs a run long enough to interrupt, or the demo's figures. Tests
    only read it."""
    from foidesk.tools.synth import make_synthetic

    return make_synthetic(200_000, tmp_path_factory.mktemp("synthetic-200k")).request_path


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A run's temporary folder (TMPDIR), owned by this test alone."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder
