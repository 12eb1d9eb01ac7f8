"""Issue 10: no silent wrong answer. A label that would leak a crime reference, a population that
is empty for a reason, records ingest could not read, outcomes with no Home Office type, and a
letter with gaps are each refused with one line or answered with the problem said (stderr,
method statement where a reader needs it, audit)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import foidesk
from tests.conftest import crime, run_cli, write_extract, write_request

LEAK = "Poss - Jane Roe (AB/18/0001)"


def _case(tmp_path: Path, extract: list[dict[str, str]], **request: str) -> Path:
    write_extract(tmp_path / "a.csv", extract)
    return write_request(tmp_path, [("a.csv", "Alpha")], **request)


def _one_line_refusal(proc: object, *needles: str) -> str:
    assert proc.returncode == 2, proc.stderr  # type: ignore[attr-defined]
    lines = proc.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("foidesk: error: "), proc.stderr  # type: ignore[attr-defined]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# 1. labels that carry a crime reference ---------------------------------------------------


def test_an_offence_label_holding_a_crime_reference_is_refused(tmp_path: Path) -> None:
    request = _case(
        tmp_path,
        [
            crime("AB/18/0001", "2016-05-01", "Deal on Snapchat."),
            crime("AB/18/0002", "2016-06-01", "Messages on Facebook.", offence=LEAK),
        ],
    )
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    line = _one_line_refusal(proc, "a.csv: line 3", repr(LEAK), "AB/18/0001", "[labels]")
    assert "offence label" in line
    assert not (tmp_path / "case").exists()


def test_a_reference_of_another_source_in_an_outcome_label_is_refused(tmp_path: Path) -> None:
    write_extract(tmp_path / "a.csv", [crime("LG/16/000101", "2016-05-01", "Deal on Snapchat.")])
    write_extract(
        tmp_path / "b.csv",
        [crime("AT/19/000901", "2017-05-01", "On Instagram.", outcome="NFA see lg/16/000101")],
    )
    request = write_request(tmp_path, [("a.csv", "Legacy"), ("b.csv", "Athena")])
    with pytest.raises(foidesk.SourceError, match=r"b\.csv: line 2: outcome label .*LG/16/000101"):
        foidesk.answer(request)


@pytest.mark.parametrize(
    "label",
    [
        "Poss - class A1 drugs",  # "A1" is a reference, but shorter than 5 characters
        "Poss XAB/18/0001",  # inside another token, not a whole one
        "Poss AB/18/00012",
    ],
)
def test_labels_that_only_look_like_a_reference_are_published(tmp_path: Path, label: str) -> None:
    request = _case(
        tmp_path,
        [
            crime("A1", "2016-04-01", "nothing here"),
            crime("AB/18/0001", "2016-05-01", "Deal on Snapchat.", offence=label),
            crime("AB/18/0003", "2016-05-02", "Deal on Snapchat.", offence=label),
        ],
    )
    answer = foidesk.answer(request)
    assert any(row.labels[-1] == label for row in answer.table.rows if row.level == "offence")


def test_a_label_carried_by_one_crime_is_named_in_a_warning_and_the_audit(tmp_path: Path) -> None:
    request = _case(
        tmp_path,
        [
            crime("C1", "2016-05-01", "On Snapchat.", outcome="Words typed by hand"),
            crime("C2", "2016-05-02", "On Snapchat."),
            crime("C3", "2016-05-03", "On Snapchat."),
        ],
    )
    proc = run_cli("answer", request, "--out", tmp_path / "case", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "carried by a single crime" in proc.stderr and "Words typed by hand" in proc.stderr
    assert "CAUTION" not in proc.stderr.split("single crime")[1]  # two crimes carry CAUTION
    audit = json.loads((tmp_path / "case" / "internal" / "audit.json").read_text())
    notice = next(n for n in audit["notices"] if n["kind"] == "labels-of-one-crime")
    assert {"field": "outcome", "label": "Words typed by hand"} in notice["labels"]
    # the warning is internal: the label is published, the warning is not
    method = (tmp_path / "case" / "public" / "method.md").read_text()
    assert "single crime" not in method


def test_offence_labels_are_not_checked_when_only_home_office_names_are_published(
    tmp_path: Path,
) -> None:
    request = _case(
        tmp_path,
        [
            crime("AB/18/0001", "2016-05-01", "Deal on Snapchat."),
            crime("AB/18/0002", "2016-06-01", "Messages on Facebook.", offence=LEAK),
        ],
        offence_label="home_office",
    )
    answer = foidesk.answer(request)
    assert LEAK not in json.dumps([r.labels for r in answer.table.rows])


# 4. an empty population, and offence codes in another notation ---------------------------


def _class_subclass(tmp_path: Path) -> Path:
    rows = [
        crime(f"K{i}", "2017-03-0" + str(1 + i % 9), "On Snapchat.", ho_code="092/39")
        for i in range(12)
    ]
    rows += [crime("K90", "2017-04-01", "On Snapchat.", ho_code="092/40")]
    return _case(tmp_path, rows)


def test_a_population_emptied_by_codes_in_another_notation_is_refused(tmp_path: Path) -> None:
    request = _class_subclass(tmp_path)
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    _one_line_refusal(
        proc, "none of the 13 records", "092/39 (12)", "092/40 (1)", "[values.ho_code]"
    )
    assert "--allow-empty" in proc.stderr
    assert not (tmp_path / "case").exists()


def test_allow_empty_answers_zero_and_says_so(tmp_path: Path) -> None:
    request = _class_subclass(tmp_path)
    proc = run_cli("answer", request, "--out", tmp_path / "case", "--allow-empty", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "--allow-empty" in proc.stderr and "not a Home Office code" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("Each figure")  # the table is printed
    audit = json.loads((tmp_path / "case" / "internal" / "audit.json").read_text())
    kinds = {n["kind"] for n in audit["notices"]}
    assert {"empty-population", "unknown-offence-codes"} <= kinds


def test_unknown_codes_are_said_even_when_the_population_is_not_empty(tmp_path: Path) -> None:
    request = _case(
        tmp_path,
        [
            crime("K1", "2017-03-01", "On Snapchat."),
            crime("K2", "2017-03-02", "On Snapchat.", ho_code="092/39"),
            crime("K3", "2017-03-03", "On Snapchat.", ho_code=""),
        ],
    )
    answer = foidesk.answer(request)
    notice = next(n for n in answer.notices if n.kind == "unknown-offence-codes")
    assert "092/39 (1)" in notice.message and "1 have no offence code" in notice.message
    assert answer.table.grand_total.total == 1


def test_a_window_with_no_records_at_all_is_said(tmp_path: Path) -> None:
    request = _case(
        tmp_path,
        [crime("K1", "2010-03-01", "On Snapchat.")],
    )
    answer = foidesk.answer(request)
    assert [n.kind for n in answer.notices if n.kind == "empty-window"] == ["empty-window"]


# 5. records ingest could not read -----------------------------------------------------------


def test_quarantined_rows_are_said_in_the_summary_the_method_and_the_audit(
    tmp_path: Path,
) -> None:
    rows = [crime(f"Q{i}", "2016-05-01", "Deal on Snapchat.") for i in range(27)]
    rows += [crime(f"B{i}", "31/02/2016", "On Facebook.") for i in range(3)]  # not dates
    write_extract(tmp_path / "export.csv", rows)
    proc = run_cli(
        "ingest", tmp_path / "export.csv", "--system", "Alpha", "--out", tmp_path / "snap"
    )
    assert proc.returncode == 0, proc.stderr
    request = write_request(tmp_path, [("snap", "Alpha")])
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    assert proc.returncode == 0, proc.stderr
    assert "3 records could not be read" in proc.stderr
    assert "3 records of the Alpha extract could not be read by ingest" in proc.stderr
    method = (tmp_path / "case" / "public" / "method.md").read_text()
    assert "3 records of this system's extract could not be read and were not searched" in method
    letter = (tmp_path / "case" / "public" / "letter.md").read_text()
    assert "could not be read and were not searched" in letter
    audit = json.loads((tmp_path / "case" / "internal" / "audit.json").read_text())
    assert audit["sources"][0]["rows_quarantined"] == 3
    assert any(n["kind"] == "quarantined-rows" for n in audit["notices"])


# 6. outcome labels with no Home Office outcome type ------------------------------------------


def test_outcome_labels_without_a_type_are_named(tmp_path: Path) -> None:
    request = _case(
        tmp_path,
        [
            crime("O1", "2016-05-01", "On Snapchat.", outcome="Caution - adults", ho_outcome=""),
            crime("O2", "2016-05-02", "On Snapchat.", outcome="Caution - adults", ho_outcome=""),
            crime("O3", "2016-05-03", "On Snapchat.", outcome="CHARGED", ho_outcome=""),
        ],
    )
    answer = foidesk.answer(request)
    notice = next(n for n in answer.notices if n.kind == "unknown-outcome-labels")
    assert "'Caution - adults'" in notice.message and "home_office.toml" in notice.message
    assert "CHARGED" not in notice.message  # the built-in map places it


# 7. the letter ---------------------------------------------------------------------------------


def test_placeholders_and_a_late_letter_are_said(tmp_path: Path) -> None:
    request = _case(tmp_path, [crime("L1", "2016-05-01", "On Snapchat.")])
    proc = run_cli(
        "answer", request, "--out", tmp_path / "case", "--letter-date", "2019-06-03", "--quiet"
    )
    assert proc.returncode == 0, proc.stderr
    assert "[TELEPHONE]" in proc.stderr and "[force]" in proc.stderr
    assert "after the statutory due date 2019-05-28" in proc.stderr
    audit = json.loads((tmp_path / "case" / "internal" / "audit.json").read_text())
    kinds = {n["kind"] for n in audit["notices"]}
    assert {"letter-placeholders", "letter-after-due-date"} <= kinds


def test_a_complete_letter_on_time_has_no_letter_warning(tmp_path: Path) -> None:
    force = (
        '[force]\nname = "Anyshire Police"\nunit = "Information Rights"\naddress = "1 Road"\n'
        'telephone = "01234 567890"\nemail = "foi@anyshire.police.uk"\nsignatory = "A. Officer"\n'
    )
    write_extract(tmp_path / "a.csv", [crime("L1", "2016-05-01", "On Snapchat.")])
    request = write_request(tmp_path, [("a.csv", "Alpha")])
    request.write_text(request.read_text() + "\n" + force, encoding="utf-8")
    from datetime import date

    answer = foidesk.answer(request, letter_date=date(2019, 5, 20))
    assert not [n for n in answer.notices if n.kind.startswith("letter")]


# [labels]: the officer's fix, without editing the extract -------------------------------------


def _with_labels(request: Path, table: str) -> Path:
    request.write_text(request.read_text(encoding="utf-8") + "\n[labels]\n" + table, "utf-8")
    return request


def test_labels_table_publishes_another_text_and_the_raw_label_nowhere(tmp_path: Path) -> None:
    request = _case(
        tmp_path,
        [
            crime("AB/18/0001", "2016-05-01", "Deal on Snapchat."),
            crime("AB/18/0002", "2016-06-01", "Messages on Facebook.", offence=LEAK),
        ],
    )
    _with_labels(request, f'"{LEAK}" = "Possession of a controlled drug"\n')
    proc = run_cli("answer", request, "--out", tmp_path / "case", "--format", "csv", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "Possession of a controlled drug" in proc.stdout
    for path in (tmp_path / "case" / "public").iterdir():
        data = path.read_bytes()
        assert b"Jane Roe" not in data and b"AB/18/0001" not in data, path.name


def test_a_published_text_holding_a_reference_is_refused(tmp_path: Path) -> None:
    request = _case(
        tmp_path,
        [
            crime("AB/18/0001", "2016-05-01", "Deal on Snapchat."),
            crime("AB/18/0002", "2016-06-01", "Messages on Facebook.", outcome="Odd"),
        ],
    )
    _with_labels(request, '"Odd" = "Charged, see ab/18/0001"\n')
    with pytest.raises(foidesk.RequestError, match=r"labels: the text .* AB/18/0001"):
        foidesk.answer(request)


def test_two_spellings_given_one_text_are_one_row_of_distinct_crimes(tmp_path: Path) -> None:
    request = _case(
        tmp_path,
        [
            crime("S1", "2016-05-01", "On Snapchat and Facebook.", outcome="Caution - adults"),
            crime("S2", "2016-05-02", "On Snapchat.", outcome="CAUTION"),
        ],
        rows='["outcome", "platform"]',
    )
    _with_labels(request, '"Caution - adults" = "CAUTION"\n')
    table = foidesk.answer(request).table
    outcomes = {r.labels: r.total for r in table.rows if r.level == "outcome"}
    assert outcomes == {("CAUTION",): 2}


def test_a_labels_table_that_is_not_a_table_is_one_line(tmp_path: Path) -> None:
    request = _case(tmp_path, [crime("S1", "2016-05-01", "On Snapchat.")])
    request.write_text('labels = "x"\n' + request.read_text(), encoding="utf-8")
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    _one_line_refusal(proc, "labels: must be a table")


# Found by an outside attack on the first version ----------------------------------------------


def test_a_reference_in_a_system_name_is_refused(tmp_path: Path) -> None:
    write_extract(
        tmp_path / "a.csv",
        [
            crime("AB/18/88888", "2018-05-01", "Deal arranged on Snapchat"),
            crime("ZZ/00/00001", "2018-05-02", "Deal arranged on Snapchat"),
        ],
    )
    request = write_request(tmp_path, [("a.csv", "Athena AB/18/88888")])
    proc = run_cli("answer", request, "--out", tmp_path / "case")
    _one_line_refusal(proc, "source[1].system", "AB/18/88888", "another name")


@pytest.mark.parametrize(
    ("reference", "label"),
    [
        ("İZM/18/001", "Poss - İZM/18/001"),  # Python's and SQL's lower case disagree on İ
        ("ΑΘΗΝΑΣ1", "Poss ΑΘΗΝΑΣ1"),  # ... and on a final sigma
        ("STRASSE99", "Poss straße99"),  # case folding: ß is SS
    ],
)
def test_references_outside_ascii_are_found(tmp_path: Path, reference: str, label: str) -> None:
    request = _case(
        tmp_path,
        [
            crime(reference, "2016-05-01", "Deal on Snapchat."),
            crime("AB/18/0002", "2016-06-01", "Messages on Facebook.", offence=label),
        ],
    )
    with pytest.raises(foidesk.SourceError, match="holds the crime reference"):
        foidesk.answer(request)


def test_quarantined_and_orphan_notes_are_said(tmp_path: Path) -> None:
    write_extract(
        tmp_path / "ext.csv",
        [
            crime("NQ/18/00001", "2018-05-01", "Deal on Snapchat."),
            crime("NQ/18/00002", "2018-05-02", "Nothing here."),
        ],
    )
    (tmp_path / "notes.csv").write_text(
        "crime_ref,entry,text\n"
        'NQ/18/00002,1,"Buyer contacted him on Instagram",late entry\n'
        "NQ/18/99999,1,orphan note on Facebook\n",
        encoding="utf-8",
    )
    proc = run_cli(
        "ingest",
        tmp_path / "ext.csv",
        "--system",
        "Niche",
        "--out",
        tmp_path / "snap",
        "--notes",
        tmp_path / "notes.csv",
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 quarantined" in proc.stderr
    request = write_request(tmp_path, [("snap", "Niche")])
    answer = foidesk.answer(request)
    notice = next(n for n in answer.notices if n.kind == "quarantined-notes")
    assert "1 could not be read" in notice.message and "1 name a crime" in notice.message
    foidesk.write_case(tmp_path / "case", answer)
    method = (tmp_path / "case" / "public" / "method.md").read_text()
    assert "1 investigation log entry could not be read and was not searched" in method


def test_a_snapshot_that_lost_its_notes_is_refused(tmp_path: Path) -> None:
    write_extract(tmp_path / "ext.csv", [crime("N1", "2018-05-01", "Nothing.")])
    (tmp_path / "notes.csv").write_text("crime_ref,entry,text\nN1,1,On Snapchat\n", "utf-8")
    proc = run_cli(
        "ingest",
        tmp_path / "ext.csv",
        "--system",
        "Niche",
        "--out",
        tmp_path / "snap",
        "--notes",
        tmp_path / "notes.csv",
    )
    assert proc.returncode == 0, proc.stderr
    (tmp_path / "snap" / "notes.parquet").unlink()
    request = write_request(tmp_path, [("snap", "Niche")])
    with pytest.raises(foidesk.RequestError, match=r"no notes\.parquet, though its manifest"):
        foidesk.load_request(request)


def test_zero_padded_codes_are_the_codes_and_near_codes_are_said(tmp_path: Path) -> None:
    rows = [crime("P0", "2016-05-01", "On Snapchat.")]
    rows += [crime(f"P{i}", "2016-05-02", "On Snapchat.", ho_code="092e") for i in range(1, 11)]
    rows += [crime("P20", "2016-05-03", "On Snapchat.", ho_code="92")]
    request = _case(tmp_path, rows)
    answer = foidesk.answer(request)
    assert answer.table.grand_total.total == 11  # 092e is 92E
    near = next(n for n in answer.notices if n.kind == "near-offence-codes")
    assert "92 (1)" in near.message


def test_a_reference_with_markup_is_escaped_in_the_letter_heading(tmp_path: Path) -> None:
    request = _case(tmp_path, [crime("H1", "2016-05-01", "On Snapchat.")])
    text = request.read_text().replace(
        'reference = "FOI-TEST/1"', 'reference = "FOI <img src=x onerror=alert(1)> *x*"'
    )
    request.write_text(text, encoding="utf-8")
    foidesk.write_case(tmp_path / "case", foidesk.answer(request))
    letter = (tmp_path / "case" / "public" / "letter.md").read_text()
    assert "<img" not in letter and "&lt;img" in letter


@pytest.mark.parametrize("name", ["\u3164", "Legacy\u034f"])
def test_invisible_or_look_alike_system_names_are_refused(tmp_path: Path, name: str) -> None:
    request = _case(tmp_path, [crime("V1", "2016-05-01", "On Snapchat.")])
    request.write_text(request.read_text().replace('system = "Alpha"', f'system = "{name}"'))
    with pytest.raises(foidesk.RequestError, match=r"source\[1\]\.system"):
        foidesk.load_request(request)


@pytest.mark.parametrize("code", ["99", "0", "19B"])
def test_outcome_types_the_framework_does_not_have_are_said(tmp_path: Path, code: str) -> None:
    request = _case(
        tmp_path,
        [
            crime("T1", "2016-05-01", "On Snapchat.", outcome="ODD", ho_outcome=code),
            crime("T2", "2016-05-02", "On Snapchat."),
        ],
    )
    answer = foidesk.answer(request)
    assert any(n.kind == "unknown-outcome-labels" for n in answer.notices)
    outcomes = [r.labels[0] for r in answer.table.rows if r.level == "outcome"]
    assert outcomes == ["CAUTION", "ODD"]  # a known type first


def test_internal_is_private_to_its_owner(tmp_path: Path) -> None:
    request = _case(tmp_path, [crime("I1", "2016-05-01", "On Snapchat.")])
    foidesk.write_case(tmp_path / "case", foidesk.answer(request))
    internal = tmp_path / "case" / "internal"
    assert internal.stat().st_mode & 0o777 == 0o700
    assert (internal / "evidence.parquet").stat().st_mode & 0o777 == 0o600
