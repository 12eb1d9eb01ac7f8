"""Which copies of a crime are searched: the embedded engine searches copies in the window and
offences while it settles the population, then drops the hits of copies that do not count and
searches the counted copies that were not in scope themselves. The answer must be as if it had
settled first and searched after."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from tests.conftest import crime, run_cli, write_extract, write_request
from tests.helpers import answer_case


def test_out_of_scope_and_losing_copies(tmp_path: Path) -> None:
    write_extract(
        tmp_path / "legacy.csv",
        [
            # reclassified after migration: the old copy is not a drug offence, its text counts
            crime("M1", "2018-03-01", "suspect used Facebook", ho_code="99", offence="OTHER"),
            # the old copy is dated before the window, the migrated copy inside it
            crime("M2", "2014-06-01", "messages on Snapchat"),
            # within one source the last copy wins: here it is not a drug offence
            crime("D2", "2018-03-01", "sold on Twitter"),
            crime("D2", "2018-03-02", "nothing here", ho_code="99", offence="OTHER"),
            # here the last copy is a drug offence, and only its text is searched
            crime("D3", "2018-03-01", "seen on Instagram", ho_code="99", offence="OTHER"),
            crime("D3", "2018-03-01", "nothing here"),
            # both copies in scope: the earlier one's text does not count
            crime("D4", "2018-03-01", "talked on TikTok"),
            crime("D4", "2018-03-01", "nothing here"),
        ],
    )
    write_extract(
        tmp_path / "athena.csv",
        [
            crime("M1", "2018-06-01", "nothing in the new copy"),
            crime("M2", "2015-02-01", "no platform named"),
            # a migrated crime whose winning (later) copy is cancelled: not in the population,
            # although the losing copy in scope mentions WhatsApp
            crime("C1", "2018-06-01", "nothing", status="cancelled"),
        ],
    )
    (tmp_path / "legacy.csv").write_text(
        (tmp_path / "legacy.csv").read_text(encoding="utf-8")
        + "C1,2018-05-01,"
        + '"(B) STATE BASED: DRUGS - CLASS B CANNABIS - POSSESSION OF A CONTROLLED DRUG",'
        + "92E,CAUTION,3,,on WhatsApp,\n",
        encoding="utf-8",
    )
    request = write_request(tmp_path, [("legacy.csv", "Legacy"), ("athena.csv", "Athena")])
    result = answer_case(request, tmp_path / "case")

    evidence = pq.read_table(tmp_path / "case" / "internal" / "evidence.parquet")
    found = sorted(
        zip(
            evidence.column("crime_ref").to_pylist(),
            evidence.column("system").to_pylist(),
            evidence.column("platform").to_pylist(),
            strict=True,
        )
    )
    assert found == [("M1", "Legacy", "Facebook"), ("M2", "Legacy", "Snapchat")]
    assert result.table.grand_total.total == 2
    counts = result.audit["counts"]
    # M1, M2, D3 and D4; D2's last copy and C1's winning copy are out
    assert counts["population"] == 4
    assert counts["excluded_cancelled"] == 1
    # M1 and M2 in both systems, D3 and D4 once in Legacy (their last copies)
    assert counts["copies_searched"] == 6


def test_a_bad_row_is_reported_before_a_later_source_without_codes(tmp_path: Path) -> None:
    # the officer fixes the first file's line first, as the rows come before whole-file checks
    write_extract(
        tmp_path / "legacy.csv",
        [crime("G1", "2018-03-01", "on Facebook"), crime("G2", "2018-02-30", "nothing")],
    )
    write_extract(tmp_path / "athena.csv", [crime("A1", "2018-06-01", "nothing", ho_code="")])
    request = write_request(tmp_path, [("legacy.csv", "Legacy"), ("athena.csv", "Athena")])
    proc = run_cli("answer", request, "--out", tmp_path / "case", "--quiet")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"foidesk: error: {tmp_path / 'legacy.csv'}: line 3: recorded_date '2018-02-30' is not "
        "a date (YYYY-MM-DD or DD/MM/YYYY, optionally with a time)"
    ]
    assert not (tmp_path / "case").exists()
