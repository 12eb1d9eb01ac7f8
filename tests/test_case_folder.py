"""``write_case``: public/ and internal/, replaced together only on success, nothing
record-level in public/."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import foidesk
import foidesk.case_folder
from foidesk.release.gate import PublicRelease
from foidesk.release.render import RENDERERS
from tests.conftest import SEED
from tests.helpers import PUBLIC_FILES, files_under

INTERNAL_FILES = {
    "evidence.parquet",
    "crime-hits.parquet",
    "searched-hits.parquet",
    "audit.json",
    "written.json",
}


def test_writes_public_and_internal(tmp_path: Path, seed_answer: foidesk.Answer) -> None:
    out = tmp_path / "case"
    folders = foidesk.write_case(str(out), seed_answer)
    assert folders == {"public": out / "public", "internal": out / "internal"}
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]
    assert {p.name for p in (out / "public").iterdir()} == PUBLIC_FILES
    assert {p.name for p in (out / "internal").iterdir()} == INTERNAL_FILES
    public = out / "public"
    assert (public / "table.csv").read_text(encoding="utf-8") == RENDERERS["csv"](seed_answer.table)
    assert (public / "table.txt").read_text(encoding="utf-8") == RENDERERS["text"](
        seed_answer.table
    )
    assert (public / "coverage.csv").read_text(encoding="utf-8") == seed_answer.coverage.to_csv()
    assert "Ref No: FOI2019/02832" in (public / "letter.md").read_text(encoding="utf-8")
    with zipfile.ZipFile(public / "table.xlsx") as z:
        assert z.testzip() is None
    evidence = pq.read_table(out / "internal" / "evidence.parquet")
    assert evidence.equals(seed_answer.evidence)
    assert evidence.num_rows == 3
    audit = json.loads((out / "internal" / "audit.json").read_text(encoding="utf-8"))
    assert audit == json.loads(json.dumps(seed_answer.audit, default=str))
    assert audit["counts"]["table_grand_total"] == 3


def test_rewriting_replaces_both_folders(
    tmp_path: Path, seed_answer: foidesk.Answer, other_answer: foidesk.Answer
) -> None:
    """With replace=True (an added file is kept: tests/test_case_replace.py)."""
    out = tmp_path / "case"
    foidesk.write_case(out, seed_answer)
    (out / "public" / "stale.txt").write_text("from an earlier run")
    (out / "internal" / "stale.txt").write_text("from an earlier run")
    foidesk.write_case(out, other_answer, replace=True)
    assert {p.name for p in (out / "public").iterdir()} == PUBLIC_FILES
    assert {p.name for p in (out / "internal").iterdir()} == INTERNAL_FILES | {
        "stale.txt",  # kept where it was
        "set-aside",  # public/stale.txt, moved aside
    }
    assert (out / "public" / "table.csv").read_text() == RENDERERS["csv"](other_answer.table)
    letter = (out / "public" / "letter.md").read_text()
    assert "3rd June 2019" in letter and "20th May 2019" not in letter
    assert "Other" in (out / "public" / "coverage.csv").read_text()
    evidence = pq.read_table(out / "internal" / "evidence.parquet").to_pylist()
    assert [e["crime_ref"] for e in evidence] == ["OT/1"]
    audit = json.loads((out / "internal" / "audit.json").read_text())
    assert audit["counts"]["table_grand_total"] == 1
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]  # no staging left


def test_failure_while_writing_internal_leaves_the_earlier_case(
    tmp_path: Path,
    seed_answer: foidesk.Answer,
    other_answer: foidesk.Answer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "case"
    foidesk.write_case(out, seed_answer)
    before = files_under(out)

    def broken(folder: Path, answer: foidesk.Answer) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "evidence.parquet").write_bytes(b"half written")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(foidesk.case_folder, "write_internal", broken)
    with pytest.raises(OSError, match="No space left"):
        foidesk.write_case(out, other_answer, replace=True)
    assert files_under(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]


def test_failure_after_writing_public_leaves_the_earlier_case(
    tmp_path: Path,
    seed_answer: foidesk.Answer,
    other_answer: foidesk.Answer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "case"
    foidesk.write_case(out, seed_answer)
    before = files_under(out)
    real = foidesk.case_folder.write_public

    def broken(folder: Path, release: PublicRelease) -> list[Path]:
        real(folder, release)
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(foidesk.case_folder, "write_public", broken)
    with pytest.raises(RuntimeError, match="renderer failed"):
        foidesk.write_case(out, other_answer, replace=True)
    assert files_under(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_failure_on_a_new_case_folder_leaves_no_half_case(
    tmp_path: Path, seed_answer: foidesk.Answer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(folder: Path, answer: foidesk.Answer) -> list[Path]:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(foidesk.case_folder, "write_internal", broken)
    out = tmp_path / "case"
    with pytest.raises(OSError):
        foidesk.write_case(out, seed_answer)
    assert not (out / "public").exists() and not (out / "internal").exists()
    assert list(out.glob(".*")) == []


def test_out_is_a_file(tmp_path: Path, seed_answer: foidesk.Answer) -> None:
    out = tmp_path / "case"
    out.write_text("not a folder")
    with pytest.raises(foidesk.CaseError, match="is a file"):
        foidesk.write_case(out, seed_answer)
    assert out.read_text() == "not a folder"


def test_a_file_at_public_is_a_case_error(tmp_path: Path, seed_answer: foidesk.Answer) -> None:
    out = tmp_path / "case"
    out.mkdir()
    (out / "public").write_text("in the way")
    with pytest.raises(foidesk.CaseError):
        foidesk.write_case(out, seed_answer)
    assert (out / "public").read_text() == "in the way"
    assert [p.name for p in out.iterdir()] == ["public"]


def test_a_file_at_internal_leaves_the_earlier_public(
    tmp_path: Path, seed_answer: foidesk.Answer, other_answer: foidesk.Answer
) -> None:
    out = tmp_path / "case"
    foidesk.write_case(out, seed_answer)
    public_before = files_under(out / "public")
    for path in (out / "internal").iterdir():
        path.unlink()
    (out / "internal").rmdir()
    (out / "internal").write_text("in the way")
    with pytest.raises(foidesk.CaseError):
        foidesk.write_case(out, other_answer, replace=True)
    assert files_under(out / "public") == public_before
    assert (out / "internal").read_text() == "in the way"


def test_a_move_that_fails_midway_puts_the_earlier_case_back(
    tmp_path: Path,
    seed_answer: foidesk.Answer,
    other_answer: foidesk.Answer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "case"
    foidesk.write_case(out, seed_answer)
    public_before, internal_before = files_under(out / "public"), files_under(out / "internal")
    rename = Path.rename

    def failing(self: Path, target: Path) -> Path:  # the new internal/ cannot be moved in
        if Path(target) == out / "internal" and self.parent.name.startswith(".foidesk-"):
            raise OSError(28, "No space left on device")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", failing)
    with pytest.raises(OSError, match="No space left"):
        foidesk.write_case(out, other_answer, replace=True)
    assert files_under(out / "public") == public_before
    assert files_under(out / "internal") == internal_before
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]


def _seed_record_values() -> tuple[set[str], set[str], set[str]]:
    """The seed extracts' crime references, note fragments and raw recorded dates."""
    refs, notes, dates = set(), set(), set()
    for name in ("legacy.csv", "athena.csv"):
        with (SEED / name).open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                refs.add(row["crime_ref"])
                dates.add(row["recorded_date"])
                for key, value in row.items():
                    if key.startswith("text") and value:
                        notes.add(value)
                        notes.update(s.strip() for s in re.split(r"[.;:\n]", value))
    return refs, {n for n in notes if len(n) > 12}, dates


def _texts(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as text, the members of a zip (XLSX) each on their own."""
    texts = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data.startswith(b"PK"):
            with zipfile.ZipFile(path) as z:
                for member in z.namelist():
                    texts[f"{path.name}:{member}"] = z.read(member).decode("utf-8", "replace")
        else:
            texts[path.name] = data.decode("utf-8", "replace")
    return texts


def test_public_holds_nothing_record_level(tmp_path: Path, seed_answer: foidesk.Answer) -> None:
    out = tmp_path / "case"
    foidesk.write_case(out, seed_answer)
    refs, notes, dates = _seed_record_values()
    assert "LG/18/000202" in refs and "Meet arranged on Snapchat" in notes
    texts = _texts(out / "public")
    assert {name.split(":")[0] for name in texts} == PUBLIC_FILES
    assert any(name.startswith("table.xlsx:xl/worksheets/") for name in texts)
    hashes = {s["sha256"] for s in seed_answer.audit["sources"]}
    for name, text in texts.items():
        for ref in refs:
            assert ref not in text, f"crime reference {ref} in {name}"
        for note in notes:
            assert note not in text, f"note text {note!r} in {name}"
        for raw in dates:
            assert raw not in text, f"recorded date {raw!r} in {name}"
        for digest in hashes:
            assert digest not in text, f"source hash in {name}"
    # the scan can fail: the same values are in internal/
    internal = pq.read_table(out / "internal" / "evidence.parquet").to_pylist()
    assert {e["crime_ref"] for e in internal} <= refs
    audit = (out / "internal" / "audit.json").read_text()
    assert all(digest in audit for digest in hashes)
