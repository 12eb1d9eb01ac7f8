"""Tests for the synthetic two-system data set (foidesk.synth)."""

from __future__ import annotations

import csv
import re
import tomllib
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from foidesk.synth import SynthResult, make_synthetic

ROWS = 5000
LEGACY_HEADER = (
    "crime_ref,recorded_date,offence,ho_code,outcome,ho_outcome,status,system,text_mo,text_summary"
)
ATHENA_HEADER = LEGACY_HEADER + ",text_log"
SIX = {"Facebook", "Instagram", "Snapchat", "TikTok", "Twitter", "WhatsApp"}

# Loose detectors for the forms the generator uses, and the traps to blank out first. They
# check that labels.csv says exactly which platforms each crime's notes name.
LOOSE = {
    "Facebook": r"face[\s\-]?book|facebok|\bfb\b",
    "Instagram": r"insta[\s\-]?gram|\binsta\b|\big\b",
    "Snapchat": r"snap[\s\-]?chat|\bsnap\b",
    "TikTok": r"tik[\s\-]?tok|tiktock|\btt\b",
    "Twitter": r"twitter|twiter|tweet|\bx\.com",
    "WhatsApp": r"what['\u2019]?s[\s\-]?app|whatsap|\bwa\b|\bwa\.me",
}
TRAPS = re.compile(
    r"caféfacebook|cold snap|snap decision|snap bags|IG checks|TT unit|Seattle WA|twittering",
    re.IGNORECASE,
)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _legacy_date(text: str) -> date:
    assert re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text), text
    return datetime.strptime(text, "%d/%m/%Y").date()


def _athena_date(text: str) -> date:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").date()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return make_synthetic(ROWS, tmp_path_factory.mktemp("synth") / "new-folder")


@pytest.fixture(scope="module")
def legacy(data: SynthResult) -> list[dict[str, str]]:
    return _rows(data.legacy_path)


@pytest.fixture(scope="module")
def athena(data: SynthResult) -> list[dict[str, str]]:
    return _rows(data.athena_path)


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    a = make_synthetic(ROWS, tmp_path / "a", seed=11)
    b = make_synthetic(ROWS, tmp_path / "b", seed=11)
    c = make_synthetic(ROWS, tmp_path / "c", seed=12)
    for name in ("legacy.csv", "athena.csv", "labels.csv", "foi2019-02832.toml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    for name in ("legacy.csv", "athena.csv", "labels.csv"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes()
    assert (a.legacy_rows, a.athena_rows, a.migrated) == (b.legacy_rows, b.athena_rows, b.migrated)
    assert c.legacy_rows + c.athena_rows == ROWS


def test_headers_encoding_and_line_ends(data: SynthResult) -> None:
    for path, header in ((data.legacy_path, LEGACY_HEADER), (data.athena_path, ATHENA_HEADER)):
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in raw
        assert raw.endswith(b"\n")
        assert raw.decode("utf-8").split("\n", 1)[0] == header
    assert data.labels_path.read_text("utf-8").split("\n", 1)[0] == "crime_ref,platforms"


def test_row_counts_match_request(
    data: SynthResult, legacy: list[dict[str, str]], athena: list[dict[str, str]]
) -> None:
    assert len(legacy) == data.legacy_rows
    assert len(athena) == data.athena_rows
    assert len(legacy) + len(athena) == ROWS
    assert 0.65 < len(legacy) / ROWS < 0.8
    assert {r["system"] for r in legacy} == {"Legacy"}
    assert {r["system"] for r in athena} == {"Athena"}
    # Every row has every column (quoting kept commas inside cells).
    assert all(None not in r and None not in r.values() for r in legacy + athena)
    assert any("," in r["text_mo"] for r in legacy)


def test_dates_per_system(legacy: list[dict[str, str]], athena: list[dict[str, str]]) -> None:
    legacy_dates = [_legacy_date(r["recorded_date"]) for r in legacy]
    assert min(legacy_dates) >= date(2014, 1, 1)
    assert max(legacy_dates) <= date(2018, 5, 22)
    unpadded = [r for r in legacy if not re.fullmatch(r"\d\d/\d\d/\d{4}", r["recorded_date"])]
    assert 0.05 < len(unpadded) / len(legacy) < 0.15
    born = [_athena_date(r["recorded_date"]) for r in athena if r["crime_ref"].startswith("AT/")]
    assert min(born) >= date(2018, 5, 23)
    assert max(born) <= date(2019, 12, 31)


def test_crime_refs_follow_the_recorded_year(
    legacy: list[dict[str, str]], athena: list[dict[str, str]]
) -> None:
    for rows, parse in ((legacy, _legacy_date), (athena, _athena_date)):
        for r in rows:
            match = re.fullmatch(r"(LG|AT)/(\d\d)/(\d{6})", r["crime_ref"])
            assert match, r["crime_ref"]
            assert int(match.group(2)) == parse(r["recorded_date"]).year % 100
    assert all(r["crime_ref"].startswith("LG/") for r in legacy)
    refs = [r["crime_ref"] for r in legacy] + [r["crime_ref"] for r in athena]
    assert len(refs) - len(set(refs)) == sum(r["crime_ref"].startswith("LG/") for r in athena)


def test_migrated_records_keep_ref_and_date(
    data: SynthResult, legacy: list[dict[str, str]], athena: list[dict[str, str]]
) -> None:
    by_ref = {r["crime_ref"]: r for r in legacy}
    migrated = [r for r in athena if r["crime_ref"].startswith("LG/")]
    assert len(migrated) == data.migrated > 0
    changed_outcome = 0
    for new in migrated:
        old = by_ref[new["crime_ref"]]
        day = _athena_date(new["recorded_date"])
        assert day == _legacy_date(old["recorded_date"])
        assert date(2017, 6, 1) <= day <= date(2018, 5, 22)
        assert new["ho_code"] == old["ho_code"]
        assert new["offence"] != old["offence"]  # Athena's own wording
        assert not new["offence"].startswith("(")
        changed_outcome += new["outcome"] != old["outcome"]
    assert changed_outcome > 0


def test_statuses(legacy: list[dict[str, str]], athena: list[dict[str, str]]) -> None:
    statuses = Counter(r["status"] for r in legacy + athena)
    assert set(statuses) == {"", "cancelled", "transferred"}
    assert statuses[""] / ROWS > 0.95


def test_offences_and_codes(legacy: list[dict[str, str]], athena: list[dict[str, str]]) -> None:
    rows = legacy + athena
    codes = Counter(r["ho_code"] for r in rows)
    assert {"92A", "92C", "92D", "92E"} <= set(codes)
    assert {"28E", "49", "8N", "105A", "58C", "53"} <= set(codes)
    drug = sum(n for code, n in codes.items() if code.startswith("92"))
    assert 0.25 < drug / len(rows) < 0.35
    # Each system words the same code its own way.
    legacy_92e = {r["offence"] for r in legacy if r["ho_code"] == "92E"}
    athena_92e = {r["offence"] for r in athena if r["ho_code"] == "92E"}
    assert "(B) STATE BASED: DRUGS - CLASS B CANNABIS - POSSESSION OF A CONTROLLED DRUG" in (
        legacy_92e
    )
    assert "Possession of a controlled drug - Class B - Cannabis" in athena_92e
    assert not legacy_92e & athena_92e


def test_outcomes_consistent_with_home_office_types(
    legacy: list[dict[str, str]], athena: list[dict[str, str]]
) -> None:
    pairs = {(r["outcome"], r["ho_outcome"]) for r in legacy}
    by_label: dict[str, set[str]] = {}
    for label, code in pairs:
        by_label.setdefault(label, set()).add(code)
    assert all(len(codes) == 1 for codes in by_label.values()), by_label
    assert by_label["CHARGED"] == {"1"} and by_label["CANNABIS WARNING"] == {"7"}
    assert by_label.get("UNDER INVESTIGATION", {""}) == {""}
    warnings = Counter(r["outcome"] for r in legacy if r["ho_code"] == "92E")
    supply = Counter(r["outcome"] for r in legacy if r["ho_code"] == "92A")
    assert warnings.most_common(1)[0][0] in {"CANNABIS WARNING", "COMMUNITY RESOLUTION"}
    assert supply.most_common(1)[0][0] == "CHARGED"
    # Athena leaves about half its Home Office outcomes blank, never contradicting the label.
    blank = sum(r["ho_outcome"] == "" for r in athena) / len(athena)
    assert 0.4 < blank < 0.7
    for r in athena:
        if r["ho_outcome"]:
            assert by_label[r["outcome"]] == {r["ho_outcome"]}


def test_labels_match_the_notes(
    data: SynthResult, legacy: list[dict[str, str]], athena: list[dict[str, str]]
) -> None:
    labels = {r["crime_ref"]: r["platforms"] for r in _rows(data.labels_path)}
    assert len(labels) == data.labelled > 0
    notes: dict[str, list[str]] = {}
    for r in legacy + athena:
        texts = [v for k, v in r.items() if k.startswith("text") and v]
        notes.setdefault(r["crime_ref"], []).extend(texts)
    assert set(labels) <= set(notes)
    detectors = {p: re.compile(rx, re.IGNORECASE) for p, rx in LOOSE.items()}
    for ref, texts in notes.items():
        found = {p for p, rx in detectors.items() for t in texts if rx.search(TRAPS.sub(" ", t))}
        want = labels.get(ref, "")
        assert want == ";".join(sorted(found)), (ref, texts)
    assert all(set(v.split(";")) <= SIX for v in labels.values())
    assert any(";" in v for v in labels.values())


def test_mention_and_trap_rates(
    data: SynthResult, legacy: list[dict[str, str]], athena: list[dict[str, str]]
) -> None:
    labels = {r["crime_ref"] for r in _rows(data.labels_path)}
    born = [
        r for r in legacy + athena if not (r["system"] == "Athena" and r["crime_ref"][0] == "L")
    ]
    drug = [r for r in born if r["ho_code"].startswith("92")]
    other = [r for r in born if not r["ho_code"].startswith("92")]
    assert 0.02 < sum(r["crime_ref"] in labels for r in drug) / len(drug) < 0.07
    assert 0.002 < sum(r["crime_ref"] in labels for r in other) / len(other) < 0.025
    notes = [v for r in legacy + athena for k, v in r.items() if k.startswith("text")]
    assert sum(bool(TRAPS.search(t)) for t in notes) > 0
    assert sum(not t for t in notes) > 0  # some fields are blank


def test_request_file(data: SynthResult) -> None:
    spec = tomllib.loads(data.request_path.read_text("utf-8"))
    assert spec["reference"] == "FOI2019/02832"
    assert spec["received"] == date(2019, 4, 26)
    assert spec["population"] == {
        "from": date(2015, 1, 1),
        "to": date(2019, 4, 30),
        "offences": ["drugs"],
    }
    assert spec["table"]["rows"] == ["outcome", "offence", "platform"]
    systems = [s["system"] for s in spec["source"]]
    assert systems == ["Legacy", "Athena"]
    for source in spec["source"]:
        assert (data.request_path.parent / source["path"]).is_file()
    assert spec["source"][1]["data_quality_from"] == date(2018, 5, 23)
    assert "Anyshire" in spec["force"]["name"]


def test_zero_rows_writes_headers_only(tmp_path: Path) -> None:
    result = make_synthetic(0, tmp_path)
    assert (result.legacy_rows, result.athena_rows, result.migrated) == (0, 0, 0)
    assert result.legacy_path.read_text("utf-8") == LEGACY_HEADER + "\n"
    assert result.athena_path.read_text("utf-8") == ATHENA_HEADER + "\n"
    assert result.labels_path.read_text("utf-8") == "crime_ref,platforms\n"
