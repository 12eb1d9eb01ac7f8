"""An existing case folder is never replaced silently (issue 10, item 8).

``answer`` refuses a folder that already holds a case unless ``--replace``; ``--replace``
rebuilds ``public/`` and the evidence and keeps what people added: files under ``internal/``
stay as they were, files added or edited by hand in ``public/`` are moved aside to
``internal/set-aside/<time>/public/``. Two writers of one folder at once: the second refuses.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import foidesk
import foidesk.case_folder
from foidesk.case_folder import LOCK_NAME, WRITTEN_NAME, case_lock
from foidesk.release.render import RENDERERS
from tests.conftest import SEED, run_cli, write_request
from tests.helpers import FINAL_PUBLIC_FILES, PUBLIC_FILES, files_under


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("foidesk: error: ")
    assert "Traceback" not in proc.stderr
    return proc.stderr.strip()


# --- refusing ---------------------------------------------------------------------------


def test_answer_refuses_an_existing_case(tmp_path: Path) -> None:
    out = tmp_path / "case"
    assert run_cli("answer", SEED / "request.toml", "--out", out, "--quiet").returncode == 0
    (out / "public" / "letter.md").write_text("Dear requester, edited by hand.\n")
    before = files_under(out)
    line = _one_error_line(run_cli("answer", SEED / "request.toml", "--out", out))
    assert line == f"foidesk: error: {out}: already holds a case (use --replace to rebuild it)"
    assert files_under(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]


def test_write_case_refuses_an_existing_case(
    tmp_path: Path, seed_answer: foidesk.Answer, other_answer: foidesk.Answer
) -> None:
    out = tmp_path / "case"
    foidesk.write_case(out, seed_answer)
    before = files_under(out)
    with pytest.raises(foidesk.CaseError, match="already holds a case"):
        foidesk.write_case(out, other_answer)
    assert files_under(out) == before
    # a folder holding only one of the two is a case too
    (out / "public").rename(tmp_path / "public-elsewhere")
    with pytest.raises(foidesk.CaseError, match="already holds a case"):
        foidesk.write_case(out, other_answer)
    assert sorted(p.name for p in out.iterdir()) == ["internal"]


def test_an_empty_folder_is_written_into(tmp_path: Path, seed_answer: foidesk.Answer) -> None:
    out = tmp_path / "case"
    out.mkdir()
    foidesk.write_case(out, seed_answer)
    assert {p.name for p in (out / "public").iterdir()} == PUBLIC_FILES


@pytest.mark.parametrize("replace", [False, True])
def test_a_folder_that_holds_other_things_is_refused(tmp_path: Path, replace: bool) -> None:
    out = tmp_path / "papers"
    out.mkdir()
    (out / "notes.txt").write_text("not a case")
    args = ["--replace"] if replace else []
    line = _one_error_line(run_cli("answer", SEED / "request.toml", "--out", out, *args))
    assert line.startswith(f"foidesk: error: {out}: is not a case folder")
    assert "new or empty folder" in line
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_the_refusal_comes_before_the_answer_is_worked_out(tmp_path: Path) -> None:
    """A refused folder costs nothing: the request is not even read (a missing source would
    otherwise be the error)."""
    out = tmp_path / "case"
    (out / "public").mkdir(parents=True)
    write_request(tmp_path, [("missing.csv", "A")])
    line = _one_error_line(run_cli("answer", tmp_path / "request.toml", "--out", out))
    assert "already holds a case" in line


# --- replacing --------------------------------------------------------------------------


def test_replace_keeps_what_people_added(
    tmp_path: Path, seed_answer: foidesk.Answer, other_answer: foidesk.Answer
) -> None:
    out = tmp_path / "case"
    foidesk.write_case(out, seed_answer)
    internal, public = out / "internal", out / "public"
    (internal / "decisions.jsonl").write_text('{"hit": 1, "decision": "reject"}\n')
    (internal / "review.xlsx").write_bytes(b"PK review workbook")
    (internal / "notes").mkdir()
    (internal / "notes" / "call.txt").write_text("phoned the requester")
    (public / "cover-note.txt").write_text("added by hand")
    (public / "annex").mkdir()
    (public / "annex" / "map.png").write_bytes(b"\x89PNG")
    (public / "letter.md").write_text("Dear requester, the letter as the officer edited it.\n")
    added = {"decisions.jsonl", "review.xlsx", "notes"}
    kept_internal = {k: v for k, v in files_under(internal).items() if k.split("/")[0] in added}
    unedited_table = (public / "table.csv").read_bytes()

    folders = foidesk.write_case(out, other_answer, replace=True)

    # public/ is the new answer's, and nothing else
    assert {p.name for p in public.iterdir()} == PUBLIC_FILES
    assert (public / "table.csv").read_text() == RENDERERS["csv"](other_answer.table)
    assert "3rd June 2019" in (public / "letter.md").read_text()
    # the evidence and audit are new
    audit = json.loads((internal / "audit.json").read_text())
    assert audit["counts"]["table_grand_total"] == 1
    # what people added to internal/ is as it was
    assert {k: v for k, v in files_under(internal).items() if k in kept_internal} == kept_internal
    # what they added or edited in public/ is in one dated folder inside internal/
    (stamp,) = list((internal / "set-aside").iterdir())
    assert stamp.name.endswith("Z") and "T" in stamp.name
    moved = files_under(stamp / "public")
    assert moved == {
        "cover-note.txt": b"added by hand",
        "annex/map.png": b"\x89PNG",
        "letter.md": b"Dear requester, the letter as the officer edited it.\n",
    }
    assert unedited_table not in moved.values()  # an unedited answer file is not kept
    # write_case says what it set aside
    assert folders == {"public": public, "internal": internal}
    assert folders.set_aside_folder == stamp
    assert sorted((s.name, s.reason) for s in folders.set_aside) == [
        ("annex", "added"),
        ("cover-note.txt", "added"),
        ("letter.md", "edited"),
    ]
    assert all(s.path.exists() and s.path.is_relative_to(stamp) for s in folders.set_aside)
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]


def test_replace_without_changes_sets_nothing_aside_and_keeps_earlier_set_asides(
    tmp_path: Path, seed_answer: foidesk.Answer, other_answer: foidesk.Answer
) -> None:
    out = tmp_path / "case"
    foidesk.write_case(out, seed_answer)
    (out / "public" / "extra.txt").write_text("added")
    first = foidesk.write_case(out, other_answer, replace=True)
    assert [s.name for s in first.set_aside] == ["extra.txt"]
    kept = files_under(out / "internal" / "set-aside")
    second = foidesk.write_case(out, seed_answer, replace=True)
    assert second.set_aside == () and second.set_aside_folder is None
    assert files_under(out / "internal" / "set-aside") == kept


def test_written_json_records_each_public_file(tmp_path: Path, seed_answer: foidesk.Answer) -> None:
    out = tmp_path / "case"
    foidesk.write_case(out, seed_answer)
    written = json.loads((out / "internal" / WRITTEN_NAME).read_text())
    assert set(written["public"]) == PUBLIC_FILES
    for name, digest in written["public"].items():
        assert hashlib.sha256((out / "public" / name).read_bytes()).hexdigest() == digest


def test_a_case_without_a_record_keeps_public_files_that_differ(
    tmp_path: Path, seed_answer: foidesk.Answer, other_answer: foidesk.Answer
) -> None:
    """A case written before written.json: a public file whose bytes differ from the new
    answer's may have been edited, so it is kept; one with the same bytes is not."""
    out = tmp_path / "case"
    foidesk.write_case(out, seed_answer)
    (out / "internal" / WRITTEN_NAME).unlink()
    folders = foidesk.write_case(out, seed_answer, replace=True)  # the same answer again
    assert folders.set_aside == ()
    (out / "internal" / WRITTEN_NAME).unlink()
    folders = foidesk.write_case(out, other_answer, replace=True)
    assert {s.name for s in folders.set_aside} == PUBLIC_FILES  # every file's bytes differ
    assert all(s.reason == "edited" for s in folders.set_aside)


def test_a_failed_replace_puts_everything_back(
    tmp_path: Path,
    seed_answer: foidesk.Answer,
    other_answer: foidesk.Answer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "case"
    foidesk.write_case(out, seed_answer)
    (out / "internal" / "decisions.jsonl").write_text("{}\n")
    (out / "public" / "cover-note.txt").write_text("added by hand")
    (out / "public" / "letter.md").write_text("edited")
    before = files_under(out)
    rename = Path.rename

    def failing(self: Path, target: Path) -> Path:  # the new internal/ cannot be moved in
        if Path(target) == out / "internal" and self.parent.name.startswith(".foidesk-"):
            raise OSError(28, "No space left on device")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", failing)
    with pytest.raises(OSError, match="No space left"):
        foidesk.write_case(out, other_answer, replace=True)
    assert files_under(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]


def test_an_interrupted_write_is_undone_by_the_next(
    tmp_path: Path, seed_answer: foidesk.Answer, other_answer: foidesk.Answer
) -> None:
    """A writer killed (SIGKILL) part-way through the swap leaves its staging folder and its
    log of moves; the next writer puts the earlier case back before anything else."""
    out = tmp_path / "case"
    foidesk.write_case(out, seed_answer)
    (out / "internal" / "decisions.jsonl").write_text("{}\n")
    before = files_under(out)
    staging = out / ".foidesk-999999999-crashed"
    (staging / "earlier").mkdir(parents=True)
    (staging / "internal").mkdir()
    moves = []
    for src, dst in (
        ("public", f"{staging.name}/earlier/public"),
        ("internal", f"{staging.name}/earlier/internal"),
        (
            f"{staging.name}/earlier/internal/decisions.jsonl",
            f"{staging.name}/internal/decisions.jsonl",
        ),
    ):
        (out / src).rename(out / dst)
        moves.append(json.dumps([src, dst]))
    (staging / "moves.jsonl").write_text("\n".join(moves) + "\n")
    assert not (out / "public").exists()
    with pytest.raises(foidesk.CaseError, match="already holds a case"):
        foidesk.write_case(out, other_answer)
    assert files_under(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]


# --- the command line ---------------------------------------------------------------------


def test_cli_replace_says_what_it_set_aside_on_stderr(tmp_path: Path) -> None:
    out = tmp_path / "case"
    first = run_cli("answer", SEED / "request.toml", "--out", out, "--letter-date", "2019-05-20")
    assert first.returncode == 0, first.stderr
    (out / "public" / "cover-note.txt").write_text("added by hand")
    (out / "public" / "letter.md").write_text("edited")
    again = run_cli(
        "answer", SEED / "request.toml", "--out", out, "--replace", "--letter-date", "2019-05-20"
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout  # stdout carries the table only
    (stamp,) = list((out / "internal" / "set-aside").iterdir())
    lines = [line for line in again.stderr.splitlines() if "set aside" in line.lower()]
    assert len(lines) == 1, again.stderr
    assert str(stamp / "public") in lines[0]
    assert "cover-note.txt (added)" in lines[0] and "letter.md (edited)" in lines[0]
    # --quiet still says it: files were moved
    (out / "public" / "more.txt").write_text("x")
    quiet = run_cli("answer", SEED / "request.toml", "--out", out, "--replace", "--quiet")
    assert quiet.returncode == 0
    (line,) = [line for line in quiet.stderr.splitlines() if "set aside" in line.lower()]
    assert "more.txt (added)" in line
    assert "Searched" not in quiet.stderr  # the summary is not


def test_cli_replace_help() -> None:
    proc = run_cli("answer", "--help")
    assert "--replace" in proc.stdout
    assert "internal/set-aside/" in " ".join(proc.stdout.split())


def test_demo_replaces_its_own_case(tmp_path: Path) -> None:
    for _ in range(2):
        proc = run_cli("demo", "--out", tmp_path / "demo", "--rows", "1000")
        assert proc.returncode == 0, proc.stderr
    assert {p.name for p in (tmp_path / "demo" / "case" / "public").iterdir()} == FINAL_PUBLIC_FILES


# --- two writers at once ------------------------------------------------------------------


def test_a_folder_in_use_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "case"
    assert run_cli("answer", SEED / "request.toml", "--out", out, "--quiet").returncode == 0
    before = files_under(out)
    with case_lock(out):
        assert (out / LOCK_NAME).read_text().strip() == str(os.getpid())
        line = _one_error_line(run_cli("answer", SEED / "request.toml", "--out", out, "--replace"))
        assert line.startswith(f"foidesk: error: {out}: is in use")
        assert f"pid {os.getpid()}" in line
        with pytest.raises(foidesk.CaseError, match="is in use"), case_lock(out):
            pass
    assert not (out / LOCK_NAME).exists()
    assert files_under(out) == before


def test_a_lock_held_before_its_pid_is_written_is_refused_in_one_line(tmp_path: Path) -> None:
    """The holder has the lock but has not yet written its pid: the file is empty for a
    moment, and the refusal must still be a CaseError (it was an IndexError)."""
    import fcntl

    out = tmp_path / "case"
    out.mkdir()
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        in_use = "is in use by another foidesk run writing"
        with pytest.raises(foidesk.CaseError, match=in_use), case_lock(out):
            pass
    finally:
        os.close(fd)


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import date
    import foidesk
    answer = foidesk.answer(sys.argv[1], letter_date=date(2019, 5, 20))
    print("ready", flush=True)
    sys.stdin.readline()
    for _ in range(int(sys.argv[3])):
        try:
            foidesk.write_case(sys.argv[2], answer, replace=True)
            print("wrote", flush=True)
        except foidesk.CaseError as exc:
            print("refused", exc, flush=True)
    """
)


def test_two_writers_at_once_never_fail_half_way(tmp_path: Path) -> None:
    out = tmp_path / "case"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(SEED / "request.toml"), str(out), "15"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    for proc in procs:  # both start writing at once
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [proc.communicate(timeout=120) for proc in procs]
    for proc, (stdout, stderr) in zip(procs, results, strict=True):
        assert proc.returncode == 0, stderr
        for line in stdout.splitlines():
            assert line == "wrote" or line.startswith(f"refused {out}: is in use"), line
    assert sum(stdout.count("wrote") for stdout, _ in results) >= 1
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]
    assert {p.name for p in (out / "public").iterdir()} == PUBLIC_FILES


def test_sigterm_while_writing_puts_the_earlier_case_back(tmp_path: Path) -> None:
    out = tmp_path / "case"
    script = textwrap.dedent(
        f"""
        import os, signal
        from datetime import date
        import foidesk, foidesk.case_folder
        answer = foidesk.answer({str(SEED / "request.toml")!r}, letter_date=date(2019, 5, 20))
        foidesk.write_case({str(out)!r}, answer)
        open({str(out / "internal" / "decisions.jsonl")!r}, "w").write("kept")
        real = foidesk.case_folder.write_internal
        def killed(folder, answer):
            written = real(folder, answer)
            os.kill(os.getpid(), signal.SIGTERM)
            return written
        foidesk.case_folder.write_internal = killed
        foidesk.write_case({str(out)!r}, answer, replace=True)
        print("not reached")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == "foidesk: terminated\n"
    assert sorted(p.name for p in out.iterdir()) == ["internal", "public"]
    assert (out / "internal" / "decisions.jsonl").read_text() == "kept"
    assert {p.name for p in (out / "public").iterdir()} == PUBLIC_FILES
