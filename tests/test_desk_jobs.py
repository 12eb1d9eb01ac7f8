"""A case's search run from the desk's page as a background job (foidesk.desk.jobs,
search_pages; docs/desk-web.md): it writes the case folder, shows its progress and its result,
one per case, refused to the roles that may not, a job cut off by a stop marked interrupted
at the next start and run again, a failure said in one line."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from foidesk.case_folder import case_lock
from foidesk.desk.jobs import INTERRUPTED, WRITING, JobProgress, latest_job
from foidesk.desk.store import Case, Event, Job, now
from foidesk.desk.web.app import Desk, create_app
from tests.desk_kit import seed_data
from tests.test_desk_web import TODAY, add_seed, login

WAIT = 60.0  # seconds: the longest a search of the seed case may take here


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return seed_data(tmp_path / "data")


def _client(data: Path) -> TestClient:
    return TestClient(create_app(data, None, today=lambda: TODAY), follow_redirects=False)


@pytest.fixture
def client(data: Path) -> Iterator[TestClient]:
    with _client(data) as made:
        yield made


def _desk(client: TestClient) -> Desk:
    desk: Desk = client.app.state.desk  # type: ignore[attr-defined]
    return desk


def _as(client: TestClient, name: str) -> str:
    """Log out whoever is logged in and log in as ``name``; the CSRF token."""
    client.cookies.clear()
    return login(client, name)


def _seed_case(client: TestClient) -> int:
    case_id = add_seed(client, _as(client, "officer"))
    return case_id


def _job(client: TestClient, case_id: int) -> Job:
    job = latest_job(_desk(client).store, case_id)
    assert job is not None
    return job


def _finished(client: TestClient, case_id: int) -> Job:
    job = _job(client, case_id)
    assert _desk(client).jobs.wait(job.id, WAIT), "the search did not end"
    return _job(client, case_id)


def _status(client: TestClient, case_id: int) -> str:
    with _desk(client).store.session() as db:
        case = db.get(Case, case_id)
        assert case is not None
        return case.status


def _actions(client: TestClient, case_id: int) -> list[str]:
    with _desk(client).store.session() as db:
        events = db.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id))
        return [e.action for e in events]


def _folder(client: TestClient, case_id: int) -> Path:
    with _desk(client).store.session() as db:
        case = db.get(Case, case_id)
        assert case is not None
        return _desk(client).data / case.folder_path


# --- a search from start to end -------------------------------------------------------------


def test_search_writes_the_case_and_the_page_says_done(client: TestClient) -> None:
    case_id = _seed_case(client)
    assert client.get(f"/cases/{case_id}").text.count("Not searched yet") == 1
    csrf = _as(client, "analyst")
    reply = client.post(f"/cases/{case_id}/search", data={"csrf_token": csrf})
    assert reply.status_code == 303 and reply.headers["location"] == f"/cases/{case_id}#search"
    job = _finished(client, case_id)
    assert job.state == "done", job.message
    assert job.message is not None
    assert job.message.startswith("Searched 7 crimes: 3 with a mention; 3 hits, 0 possible hits")
    assert job.finished is not None and job.user_id is not None
    assert job.stage == WRITING  # the progress was written as it went, the last stage last
    folder = _folder(client, case_id)
    assert (folder / "public" / "table.csv").is_file()
    assert (folder / "internal" / "evidence.parquet").is_file()
    # the clock says "received": searching while it ran, in review now
    assert _status(client, case_id) == "in review"
    assert _actions(client, case_id)[-2:] == ["search.start", "search.done"]
    page = client.get(f"/cases/{case_id}").text
    assert "Done:</strong> Searched 7 crimes" in page
    assert f'href="/cases/{case_id}/review"' in page and f'href="/cases/{case_id}/release"' in page
    assert "Started by analyst" in page and "hx-trigger" not in page.split('id="search"')[1]
    assert "Run the search again" in page
    # what the answer says to check (its audit's notices) is listed under the result
    assert job.message.endswith("; 2 notices to check.")
    assert "To check before the answer is sent" in page and "placeholders" in page
    # run again: the case folder is replaced, the same result
    client.post(f"/cases/{case_id}/search", data={"csrf_token": csrf})
    again = _finished(client, case_id)
    assert again.id != job.id and again.state == "done" and again.message == job.message


def test_progress_polls_while_running_and_one_search_per_case(client: TestClient) -> None:
    case_id = _seed_case(client)
    csrf = _as(client, "analyst")
    gate = threading.Event()
    desk = _desk(client)
    desk.jobs.submit(-1, gate.wait)  # the runner is busy: the search waits its turn
    try:
        htmx = {"HX-Request": "true"}
        reply = client.post(f"/cases/{case_id}/search", data={"csrf_token": csrf}, headers=htmx)
        assert reply.status_code == 200
        assert f'hx-get="/cases/{case_id}/search"' in reply.text
        assert 'hx-trigger="every 1s"' in reply.text and 'hx-swap="outerHTML"' in reply.text
        assert "Queued:" in reply.text and "<progress" in reply.text
        assert "<noscript>" in reply.text and "Refresh</a>" in reply.text
        # the case page keeps it through a reload, in a live region
        page = client.get(f"/cases/{case_id}").text
        assert 'aria-live="polite"' in page and "Queued:" in page
        assert 'id="run-search"' not in page  # no second button while it runs
        # a second start is refused, and starts nothing
        second = client.post(f"/cases/{case_id}/search", data={"csrf_token": csrf})
        assert second.status_code == 409
        assert "A search of this case is already running (started by analyst at" in second.text
        second = client.post(f"/cases/{case_id}/search", data={"csrf_token": csrf}, headers=htmx)
        assert second.status_code == 400 and "already running" in second.text
        with desk.store.session() as db:
            assert len(list(db.scalars(select(Job)))) == 1
        assert _status(client, case_id) == "searching"
    finally:
        gate.set()
    job = _finished(client, case_id)
    assert job.state == "done"
    polled = client.get(f"/cases/{case_id}/search")
    assert polled.status_code == 200 and "Done:" in polled.text
    assert "hx-trigger" not in polled.text  # the polling stops by itself
    assert "hx-swap-oob" not in polled.text
    # htmx's poll that finds it ended brings the rest of the page up to date, out of band:
    # the status, the review panel (no longer "run the search first"), the release, the log
    polled = client.get(f"/cases/{case_id}/search", headers=htmx)
    assert '<span id="case-status" hx-swap-oob="innerHTML">in review</span>' in polled.text
    review = re.search(
        r'<section id="review"[^>]*hx-swap-oob="true">(.*?)</section>', polled.text, re.S
    )
    assert (
        review
        and "Review the hits" in review.group(1)
        and "run the search first" not in review.group(1)
    )
    assert re.search(r'<section id="release"[^>]*hx-swap-oob="true">', polled.text)
    assert re.search(r'<section id="events"[^>]*hx-swap-oob="true">', polled.text)
    assert "search.done" in polled.text


def test_a_running_job_in_the_store_refuses_another(client: TestClient) -> None:
    case_id = _seed_case(client)
    with _desk(client).store.session() as db:
        db.add(Job(case_id=case_id, kind="search", state="running", started=now(), done=0))
    csrf = _as(client, "analyst")
    reply = client.post(f"/cases/{case_id}/search", data={"csrf_token": csrf})
    assert reply.status_code == 409 and "already running" in reply.text
    with _desk(client).store.session() as db:
        assert len(list(db.scalars(select(Job)))) == 1


@pytest.mark.parametrize("role", ["officer", "approver", "admin"])
def test_only_an_analyst_runs_the_search(client: TestClient, role: str) -> None:
    case_id = _seed_case(client)
    csrf = _as(client, role)
    reply = client.post(f"/cases/{case_id}/search", data={"csrf_token": csrf})
    assert reply.status_code == 403 and "Only an analyst may run a case" in reply.text
    assert latest_job(_desk(client).store, case_id) is None
    assert "Only an analyst runs the search." in client.get(f"/cases/{case_id}").text


def test_post_without_csrf_is_refused(client: TestClient) -> None:
    case_id = _seed_case(client)
    _as(client, "analyst")
    for form in ({}, {"csrf_token": "forged"}):
        reply = client.post(f"/cases/{case_id}/search", data=form)
        assert reply.status_code == 403
    assert latest_job(_desk(client).store, case_id) is None
    assert (
        client.post("/cases/999/search", data={"csrf_token": _as(client, "analyst")}).status_code
        == 404
    )


# --- a stop, a failure -----------------------------------------------------------------------


def test_a_job_cut_off_by_a_stop_is_interrupted_and_runs_again(data: Path) -> None:
    with _client(data) as client:
        case_id = _seed_case(client)
        with _desk(client).store.session() as db:
            db.add(Job(case_id=case_id, kind="search", state="running", started=now(), done=0))
            case = db.get(Case, case_id)
            assert case is not None
            case.status = "searching"
    with _client(data) as client:  # the desk starts again
        job = _job(client, case_id)
        assert job.state == "interrupted" and job.message == INTERRUPTED
        assert job.finished is not None
        assert _actions(client, case_id)[-1] == "search.interrupted"
        csrf = _as(client, "analyst")
        page = client.get(f"/cases/{case_id}").text
        assert "Interrupted:</strong> cut off when the desk stopped; run the search again" in page
        assert 'id="run-search"' in page
        reply = client.post(f"/cases/{case_id}/search", data={"csrf_token": csrf})
        assert reply.status_code == 303
        assert _finished(client, case_id).state == "done"


def test_a_failing_search_says_why_in_one_line(client: TestClient, data: Path) -> None:
    case_id = _seed_case(client)
    (data / "sources" / "seed" / "legacy.csv").unlink()
    csrf = _as(client, "analyst")
    client.post(f"/cases/{case_id}/search", data={"csrf_token": csrf})
    job = _finished(client, case_id)
    assert job.state == "failed" and job.message is not None
    assert "legacy.csv" in job.message and "\n" not in job.message
    assert "source file not found: DATA/" in job.message and str(data) not in job.message
    page = client.get(f"/cases/{case_id}").text
    assert f"Failed:</strong> {job.message}" in page.replace("&#39;", "'")
    assert 'id="run-search"' in page
    assert _status(client, case_id) == "received"  # put back: nothing is in review
    assert _actions(client, case_id)[-1] == "search.failed"
    assert not (_folder(client, case_id) / "public").exists()


def test_an_unexpected_error_is_named_not_shown(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("secret detail")

    monkeypatch.setattr("foidesk.answering.answer", broken)
    case_id = _seed_case(client)
    csrf = _as(client, "analyst")
    with caplog.at_level(logging.ERROR, logger="foidesk.desk.jobs"):
        client.post(f"/cases/{case_id}/search", data={"csrf_token": csrf})
        job = _finished(client, case_id)
    assert job.state == "failed" and job.message is not None
    assert "ZeroDivisionError" in job.message and "secret detail" not in job.message
    assert "secret detail" in caplog.text  # the traceback is in the log
    page = client.get(f"/cases/{case_id}").text
    assert "ZeroDivisionError" in page and "secret detail" not in page


def test_a_case_folder_in_use_fails_the_search(client: TestClient) -> None:
    case_id = _seed_case(client)
    folder = _folder(client, case_id)
    folder.mkdir(parents=True)
    csrf = _as(client, "analyst")
    with case_lock(folder):  # a command-line run writing the case
        client.post(f"/cases/{case_id}/search", data={"csrf_token": csrf})
        job = _finished(client, case_id)
    assert job.state == "failed" and job.message is not None and "is in use" in job.message


# --- progress --------------------------------------------------------------------------------


def test_progress_writes_each_stage_and_at_most_four_times_a_second(client: TestClient) -> None:
    case_id = _seed_case(client)
    store = _desk(client).store
    with store.session() as db:
        job = Job(case_id=case_id, kind="search", state="running", started=now(), done=0)
        db.add(job)
    clock = [100.0]
    progress = JobProgress(store, job.id, clock=lambda: clock[0])

    def row() -> tuple[str | None, int, int | None]:
        with store.session() as db:
            found = db.get(Job, job.id)
            assert found is not None
            return found.stage, found.done, found.total

    progress.begin("Searching free text", 10)
    assert row() == ("Searching free text", 0, 10)
    clock[0] += 0.1
    progress.advance(3)
    assert row() == ("Searching free text", 0, 10)  # too soon: not written
    clock[0] += 0.2
    progress.advance(2)
    assert row() == ("Searching free text", 5, 10)
    progress.end()
    assert row() == ("Searching free text", 10, 10)
    progress.begin("Searching notes")  # a new stage is written at once
    assert row() == ("Searching notes", 0, None)
    assert progress.stages == ["Searching free text", "Searching notes"]


def test_a_case_answered_on_the_command_line_says_so(client: TestClient, data: Path) -> None:
    """``foidesk answer`` into the case folder, with no search run on the desk, or after one:
    the search panel says the folder holds an answer made outside the desk, not "Not
    searched yet" nor the older job's result alone."""
    import foidesk
    from foidesk.desk.cases import case_folder, case_request

    case_id = _seed_case(client)
    with _desk(client).store.session() as db:
        case = db.get(Case, case_id)
    assert case is not None
    folder, request = case_folder(data, case), case_request(data, case)
    _as(client, "analyst")
    assert "Not searched yet" in client.get(f"/cases/{case_id}").text
    foidesk.write_case(folder, foidesk.answer(request, letter_pdf=False))
    page = client.get(f"/cases/{case_id}").text
    assert "Answered outside the desk" in page and "Not searched yet" not in page
    assert "after the last search run here" not in page
    # a search on the desk: its own result, nothing said about outside
    csrf = _as(client, "analyst")
    client.post(f"/cases/{case_id}/search", data={"csrf_token": csrf})
    assert _finished(client, case_id).state == "done"
    page = client.get(f"/cases/{case_id}").text
    assert "Done:" in page and "Answered outside the desk" not in page
    # answered again on the command line after it
    foidesk.write_case(folder, foidesk.answer(request, letter_pdf=False), replace=True)
    page = client.get(f"/cases/{case_id}").text
    assert "Answered outside the desk" in page and "after the last search run here" in page
