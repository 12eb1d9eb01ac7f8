"""An outside review of the desk's issue-18 pages (search as a job, review, release) from the
point of view of an attacker and of a careless or malicious insider.

Each test is either a regression test for a problem found (it fails until the problem is
fixed) or an attack that the desk correctly refuses (it passes). The first kind are marked
in their docstrings with "FOUND:".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import foidesk
from foidesk.casework.decisions import DecisionLog, Selector
from foidesk.desk import cases
from foidesk.desk.release import release_state
from foidesk.desk.store import Approval, Case, Job
from foidesk.desk.web.app import create_app
from foidesk.review.case import decide, open_case
from tests.desk_kit import seed_data
from tests.test_desk_web import add_seed, seed_request
from tests.test_desk_web import login as first_login

TODAY = date(2019, 5, 20)
FORCE = """
[force]
name = "Northshire Police"
unit = "Information Rights Unit"
address = "1 High Street"
email = "foi@northshire.police.uk"
telephone = "01234 567890"
signatory = "A. Person"
"""
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    data = seed_data(tmp_path / "data", also=(("second", "approver"),))
    (data / "desk.toml").write_text(FORCE, encoding="utf-8")
    return data


@pytest.fixture
def client(data: Path) -> Iterator[TestClient]:
    app = create_app(data, None, today=lambda: TODAY)
    with TestClient(app, follow_redirects=False) as made:
        yield made


def login(client: TestClient, name: str) -> str:
    """Log in as ``name`` (forgetting whoever was logged in); the CSRF token."""
    client.cookies.clear()
    return first_login(client, name)


def _case(client: TestClient, case_id: int) -> Case:
    with client.app.state.desk.store.session() as db:  # type: ignore[attr-defined]
        case = db.get(Case, case_id)
    assert case is not None
    return case


def _folder(client: TestClient, data: Path, case_id: int) -> Path:
    return cases.case_folder(data, _case(client, case_id))


def answer_again(client: TestClient, data: Path, case_id: int) -> None:
    """The case's search as the job runs it."""
    case = _case(client, case_id)
    folder = cases.case_folder(data, case)
    result = foidesk.answer(
        cases.case_request(data, case),
        letter_date=TODAY,
        decisions=foidesk.case_decisions(folder) if folder.exists() else [],
    )
    foidesk.write_case(folder, result, replace=folder.exists())


def answered(client: TestClient, data: Path, request_text: str | None = None) -> int:
    """A case added by the officer (the seed request, or ``request_text``) and answered."""
    csrf = login(client, "officer")
    if request_text is None:
        case_id = add_seed(client, csrf)
    else:
        reply = client.post(
            "/cases/new",
            data={"csrf_token": csrf},
            files={"request_file": ("request.toml", request_text.encode(), "application/toml")},
        )
        assert reply.status_code == 303, reply.text
        case_id = int(reply.headers["location"].rsplit("/", 1)[1])
    answer_again(client, data, case_id)
    return case_id


def _hits(client: TestClient, data: Path, case_id: int) -> list[str]:
    return [str(h["hit_id"]) for h in open_case(_folder(client, data, case_id)).hits()]


def _approve(client: TestClient, case_id: int, user: str = "approver") -> httpx.Response:
    csrf = login(client, user)
    return client.post(f"/cases/{case_id}/approve", data={"csrf_token": csrf})


def _approvals(client: TestClient) -> list[Approval]:
    with client.app.state.desk.store.session() as db:  # type: ignore[attr-defined]
        return list(db.scalars(select(Approval)))


def _log_lines(folder: Path) -> int:
    return len(DecisionLog(folder / "internal").read())


# === problems found (these fail until fixed) =================================================


@pytest.mark.parametrize("by", [" approver", "approver ", "approver\n", "\tAPPROVER"])
def test_four_eyes_sees_the_approvers_name_with_spaces_around_it(
    client: TestClient, data: Path, by: str
) -> None:
    """FOUND: the four-eyes rule compares the decision's ``by`` with the user's name after
    ``casefold`` only. ``foidesk review decide --by " approver"`` (the command line keeps the
    name as typed) puts the approver's own decision on the case, and the approver may then
    approve it."""
    case_id = answered(client, data)
    folder = _folder(client, data, case_id)
    decide(folder, "reject", Selector(hit=_hits(client, data, case_id)[0]), by=by)
    answer_again(client, data, case_id)
    reply = _approve(client, case_id)
    assert reply.status_code == 403, f"approved a case the approver reviewed as {by!r}"
    assert _approvals(client) == [] and not (data / "disclosure-log").exists()


def test_four_eyes_sees_the_approvers_decision_restored_by_an_undo(
    client: TestClient, data: Path
) -> None:
    """FOUND: an undo appends the decision that held before with the *undoer's* name. The
    approver rejects a hit (command line or a review file); an analyst accepts it on the page
    and then presses u: the approver's reject holds again, but the log names the analyst, so
    the four-eyes rule no longer sees the approver and they approve their own review."""
    case_id = answered(client, data)
    folder = _folder(client, data, case_id)
    hit = _hits(client, data, case_id)[0]
    decide(folder, "reject", Selector(hit=hit), by="approver", reason="not about drugs")
    csrf = login(client, "analyst")
    for choice in ("accept", "undo"):
        reply = client.post(
            f"/cases/{case_id}/hits/{hit}/decision", data={"csrf_token": csrf, "choice": choice}
        )
        assert reply.status_code == 303, reply.text
    # the approver's reject (and its reason) is the decision that holds now
    held = open_case(folder).decisions()[-1]
    assert (held.decision, held.reason) == ("reject", "not about drugs")
    answer_again(client, data, case_id)
    reply = _approve(client, case_id)
    assert reply.status_code == 403, "the approver approved a review whose decision is theirs"
    assert _approvals(client) == []


def test_a_public_file_edited_after_the_search_is_not_approved(
    client: TestClient, data: Path
) -> None:
    """FOUND: an approval pins only ``internal/audit.json``. A public file edited after the
    search (``internal/written.json`` has the sha256 the search wrote) is approved and
    copied into the disclosure log as it is: here a crime reference and a name in the table,
    which the public scan refused when the search wrote the folder and nothing checks at
    approval. (The letter's PDF, which the page does not show, is copied the same way.)"""
    case_id = answered(client, data)
    table = _folder(client, data, case_id) / "public" / "table.csv"
    table.write_text(
        table.read_text(encoding="utf-8").replace("CAUTION", "CAUTION LG/16/000101 J. Smith"),
        encoding="utf-8",
    )
    reply = _approve(client, case_id)
    assert reply.status_code != 303, "a public file edited since the search was approved"
    logged = data / "disclosure-log" / "releases" / "foi2019-02832" / "table.csv"
    assert not logged.exists() or "LG/16/000101" not in logged.read_text(encoding="utf-8")


def test_a_public_file_changed_after_approval_is_not_shown_as_approved(
    client: TestClient, data: Path
) -> None:
    """FOUND: after approval, a public file replaced (here the letter's PDF the officer
    downloads to send) leaves the page saying "Approved by approver ... (this answer)": the
    release offered for download is not the one approved and copied to the disclosure log."""
    case_id = answered(client, data)
    assert _approve(client, case_id).status_code == 303
    folder = _folder(client, data, case_id)
    (folder / "public" / "letter.pdf").write_bytes(b"%PDF-1.4 another letter altogether")
    state = release_state(client.app.state.desk.store, data, _case(client, case_id))  # type: ignore[attr-defined]
    assert state.approved is None, "the changed release is still shown as the approved answer"


def test_refusals_on_the_review_and_release_pages_do_not_show_server_paths(
    client: TestClient, data: Path
) -> None:
    """FOUND: the search job writes the data folder as DATA (``jobs._data_named``), but the
    review and release pages show the library's messages as they are: an undo with nothing
    to undo, a case folder in use, a decisions log that cannot be read all show the server's
    absolute path of the case folder."""
    case_id = answered(client, data)
    folder = _folder(client, data, case_id)
    hit = _hits(client, data, case_id)[0]
    where = str(data.resolve())
    csrf = login(client, "analyst")
    for headers in ({}, {"HX-Request": "true"}):
        reply = client.post(
            f"/cases/{case_id}/hits/{hit}/decision",
            data={"csrf_token": csrf, "choice": "undo"},
            headers=headers,
        )
        assert reply.status_code == 400
        assert where not in reply.text and str(data) not in reply.text, reply.text
    (folder / "internal" / "decisions.jsonl").write_text("not json\n", encoding="utf-8")
    for page in (f"/cases/{case_id}/release", f"/cases/{case_id}/review"):
        text = client.get(page).text
        assert where not in text and str(data) not in text, page


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/cases/{id}/hits/{hit}/decision"), ("get", "/cases/{id}/search")],
)
def test_htmx_without_a_session_is_not_answered_with_the_login_page(
    client: TestClient, data: Path, method: str, path: str
) -> None:
    """FOUND: a session that ends while the review page or a running search is open (12 h
    idle, logged out in another tab, the user made inactive): the next key press or poll is
    answered 303 /login; the browser's XHR follows it and htmx swaps the whole login page
    into the hit's row or the search panel (seen in Chromium). htmx needs a response it
    does not swap (401) or ``HX-Redirect: /login``."""
    case_id = answered(client, data)
    hit = _hits(client, data, case_id)[0]
    client.cookies.clear()
    url = path.format(id=case_id, hit=hit)
    reply = client.request(
        method,
        url,
        data={"csrf_token": "x", "choice": "accept"} if method == "post" else None,
        headers={"HX-Request": "true"},
    )
    assert not 300 <= reply.status_code < 400, "htmx follows the redirect and swaps the login page"
    assert reply.headers.get("HX-Redirect") == "/login" or reply.status_code == 401


# === attacks that the desk refuses (these pass) ==============================================


def test_public_downloads_only_what_public_lists(client: TestClient, data: Path) -> None:
    case_id = answered(client, data)
    folder = _folder(client, data, case_id)
    public = folder / "public"
    os.symlink("../internal/audit.json", public / "audit-link.csv")
    (public / ".hidden.csv").write_text("hidden", encoding="utf-8")
    login(client, "officer")
    for name in (
        "audit.json",
        "written.json",
        "evidence.parquet",
        "decisions.jsonl",
        ".foidesk.lock",
        "audit-link.csv",
        ".hidden.csv",
        "..%2Finternal%2Faudit.json",
        "%2E%2E%2Finternal%2Faudit.json",
        "..%5Cinternal%5Caudit.json",
        "%2e%2e",
        "letter.pdf%00",
        "letter.pdf%00.txt",
        "%00",
        "LETTER.PDF",
        "letter.pdf%20",
        "public",
        "internal",
    ):
        reply = client.get(f"/cases/{case_id}/public/{name}")
        assert reply.status_code == 404, name
        assert b'"hit_id"' not in reply.content and b"sha256" not in reply.content
    assert client.get(f"/cases/{case_id + 1}/public/letter.pdf").status_code == 404
    assert client.get(f"/cases/{case_id}/internal/audit.json").status_code == 404


def test_public_downloads_are_attachments_with_the_sites_headers(
    client: TestClient, data: Path
) -> None:
    case_id = answered(client, data)
    public = _folder(client, data, case_id) / "public"
    (public / 'odd"; name\r\nX-Evil: 1 é.csv').write_text("a,b\n", encoding="utf-8")
    login(client, "officer")
    html = client.get(f"/cases/{case_id}/public/table.html")
    assert html.status_code == 200
    assert html.headers["content-disposition"] == 'attachment; filename="table.html"'
    assert "default-src 'self'" in html.headers["content-security-policy"]
    assert html.headers["x-content-type-options"] == "nosniff"
    assert html.headers["cache-control"] == "no-store"
    odd = client.get(f"/cases/{case_id}/public/odd%22%3B%20name%0D%0AX-Evil%3A%201%20%C3%A9.csv")
    assert odd.status_code == 200 and "x-evil" not in odd.headers
    assert odd.headers["content-disposition"].startswith("attachment; filename*=utf-8''")
    assert "\r" not in odd.headers["content-disposition"]
    assert "\n" not in odd.headers["content-disposition"]


def test_a_decision_for_another_cases_hit_is_refused(client: TestClient, data: Path) -> None:
    first = answered(client, data)
    # a second request over the same records, for Twitter only: its one hit is also a hit of
    # the first case (hit ids are made from the content), the first case's Facebook hits not
    other = seed_request().replace("FOI2019/02832", "FOI2019/09999")
    other = re.sub(r"terms = \[[^\]]*\]", 'terms = ["Twitter"]', other)
    second = answered(client, data, other)
    mine, theirs = _folder(client, data, first), _folder(client, data, second)
    only_first = set(_hits(client, data, first)) - set(_hits(client, data, second))
    assert only_first
    csrf = login(client, "analyst")
    for hit in sorted(only_first):
        for headers in ({}, {"HX-Request": "true"}):
            for choice in ("accept", "reject", "undo"):
                reply = client.post(
                    f"/cases/{second}/hits/{hit}/decision",
                    data={"csrf_token": csrf, "choice": choice},
                    headers=headers,
                )
                assert reply.status_code == 404, reply.text
    assert _log_lines(mine) == 0 and _log_lines(theirs) == 0


@pytest.mark.parametrize("role", ["officer", "approver", "admin"])
def test_only_an_analyst_decides(client: TestClient, data: Path, role: str) -> None:
    case_id = answered(client, data)
    hit = _hits(client, data, case_id)[0]
    folder = _folder(client, data, case_id)
    csrf = login(client, role)
    posts = [
        (f"/cases/{case_id}/hits/{hit}/decision", {"choice": "reject"}),
        (f"/cases/{case_id}/bulk/preview", {"choice": "reject", "term": "Facebook"}),
        (f"/cases/{case_id}/bulk", {"choice": "reject", "term": "Facebook"}),
        (f"/cases/{case_id}/search", {}),
    ]
    for path, form in posts:
        for headers in ({}, {"HX-Request": "true"}):
            reply = client.post(path, data={"csrf_token": csrf, **form}, headers=headers)
            assert reply.status_code == 403, path
    assert _log_lines(folder) == 0
    with client.app.state.desk.store.session() as db:  # type: ignore[attr-defined]
        assert list(db.scalars(select(Job))) == []
    page = client.get(f"/cases/{case_id}/review").text
    assert 'name="choice"' not in page and "/bulk/preview" not in page


def test_every_new_post_needs_the_sessions_own_csrf_token(client: TestClient, data: Path) -> None:
    case_id = answered(client, data)
    hit = _hits(client, data, case_id)[0]
    folder = _folder(client, data, case_id)
    other = TestClient(client.app, follow_redirects=False)
    their_token = first_login(other, "second")  # another user's session and token
    for user in ("analyst", "approver"):
        login(client, user)
        posts = [
            (f"/cases/{case_id}/hits/{hit}/decision", {"choice": "reject"}),
            (f"/cases/{case_id}/bulk/preview", {"choice": "reject", "term": "Facebook"}),
            (f"/cases/{case_id}/bulk", {"choice": "reject", "term": "Facebook"}),
            (f"/cases/{case_id}/search", {}),
            (f"/cases/{case_id}/approve", {}),
        ]
        for path, form in posts:
            for token in (None, "", their_token, "x" * 10_000):
                sent = form if token is None else {**form, "csrf_token": token}
                reply = client.post(path, data=sent, headers={"HX-Request": "true"})
                assert reply.status_code == 403 and "token" in reply.text, (path, token)
    assert _log_lines(folder) == 0 and _approvals(client) == []
    with client.app.state.desk.store.session() as db:  # type: ignore[attr-defined]
        assert list(db.scalars(select(Job))) == []


def test_bulk_needs_criteria_and_a_known_choice(client: TestClient, data: Path) -> None:
    case_id = answered(client, data)
    folder = _folder(client, data, case_id)
    csrf = login(client, "analyst")
    for form in (
        {"choice": "reject"},
        {"choice": "reject", "term": "   ", "rule": "\t", "text": " "},
        {"choice": "undo", "term": "Facebook"},
        {"choice": "<b>", "term": "Facebook"},
        {"choice": "reject", "rule": "no.such.rule"},
        {"choice": "reject", "text": "x" * 200_000},
    ):
        for path in (f"/cases/{case_id}/bulk/preview", f"/cases/{case_id}/bulk"):
            reply = client.post(path, data={"csrf_token": csrf, **form})
            if path.endswith("preview") and reply.status_code == 200:
                assert "<strong>0</strong> hits" in reply.text  # selects nothing, writes nothing
            else:
                assert reply.status_code == 400, (path, form)
            assert "<b>" not in reply.text
    assert _log_lines(folder) == 0


def test_record_and_user_text_is_escaped_on_every_page(client: TestClient, data: Path) -> None:
    legacy = data / "sources" / "seed" / "legacy.csv"
    text = legacy.read_text(encoding="utf-8")
    quoted = XSS.replace('"', '""')
    legacy.write_text(
        text.replace(
            "Phone shows messages on Facebook arranging the purchase.",
            f"Phone {quoted} shows messages on Facebook {quoted} arranging.",
        ).replace("LG/16/000101", "LG/16/<b>01"),
        encoding="utf-8",
    )
    request = seed_request().replace(
        'reference = "FOI2019/02832"', f'reference = "FOI2019/02832"\ntitle = "T {XSS}"'
    )
    case_id = answered(client, data, request)
    hit = _hits(client, data, case_id)[0]
    csrf = login(client, "analyst")
    reply = client.post(
        f"/cases/{case_id}/hits/{hit}/decision",
        data={"csrf_token": csrf, "choice": "reject", "reason": XSS},
    )
    assert reply.status_code == 303
    preview = client.post(
        f"/cases/{case_id}/bulk/preview",
        data={"csrf_token": csrf, "choice": "reject", "text": f'"><{XSS}'},
    )
    for body in (
        preview.text,
        *(
            client.get(path).text
            for path in (
                "/",
                f"/cases/{case_id}",
                f"/cases/{case_id}/review",
                f"/cases/{case_id}/release",
                f"/cases/{case_id}/search",
            )
        ),
    ):
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "<b>01" not in body


def test_two_approvals_at_once_make_one(client: TestClient, data: Path) -> None:
    case_id = answered(client, data)
    clients = [client, TestClient(client.app, follow_redirects=False)]
    tokens = [login(clients[0], "approver"), first_login(clients[1], "second")]
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def approve(c: TestClient, token: str) -> None:
        barrier.wait()
        codes.append(c.post(f"/cases/{case_id}/approve", data={"csrf_token": token}).status_code)

    threads = [
        threading.Thread(target=approve, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [303, 409]
    assert len(_approvals(client)) == 1


def test_many_searches_started_at_once_make_one_job(client: TestClient, data: Path) -> None:
    csrf = login(client, "officer")
    case_id = add_seed(client, csrf)
    desk = client.app.state.desk  # type: ignore[attr-defined]
    gate = threading.Event()
    desk.jobs.submit(-1, gate.wait)  # the runner is busy: the jobs stay "running"
    clients = [TestClient(client.app, follow_redirects=False) for _ in range(5)]
    tokens = [first_login(c, "analyst") for c in clients]
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []

    def start(c: TestClient, token: str) -> None:
        barrier.wait()
        codes.append(c.post(f"/cases/{case_id}/search", data={"csrf_token": token}).status_code)

    threads = [
        threading.Thread(target=start, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(codes) == [303] + [409] * (len(clients) - 1)
        with desk.store.session() as db:
            assert len(list(db.scalars(select(Job)))) == 1
    finally:
        gate.set()
    with desk.store.session() as db:
        [job_id] = list(db.scalars(select(Job.id)))
    assert desk.jobs.wait(job_id, 60)


def test_approval_is_refused_while_a_decision_is_pending_or_a_search_runs(
    client: TestClient, data: Path
) -> None:
    case_id = answered(client, data)
    folder = _folder(client, data, case_id)
    csrf = login(client, "analyst")
    hit = _hits(client, data, case_id)[0]
    client.post(
        f"/cases/{case_id}/hits/{hit}/decision", data={"csrf_token": csrf, "choice": "reject"}
    )
    assert _approve(client, case_id).status_code == 400
    answer_again(client, data, case_id)
    # the approver's own decision via the command line, in another letter case: refused
    decide(folder, "accept", Selector(hit=hit), by="APPROVER")
    answer_again(client, data, case_id)
    assert _approve(client, case_id).status_code == 403
    assert _approvals(client) == [] and not (data / "disclosure-log").exists()
    assert _approve(client, case_id, "second").status_code == 303


def test_the_disclosure_log_gets_only_public_files(client: TestClient, data: Path) -> None:
    case_id = answered(client, data)
    folder = _folder(client, data, case_id)
    audit = json.loads((folder / "internal" / "audit.json").read_text(encoding="utf-8"))
    assert _approve(client, case_id).status_code == 303
    [approval] = _approvals(client)
    digest = hashlib.sha256((folder / "internal" / "audit.json").read_bytes()).hexdigest()
    assert approval.audit_sha256 == digest
    logged = sorted(p for p in (data / "disclosure-log").rglob("*") if p.is_file())
    names = {p.name for p in logged}
    public = {p.name for p in (folder / "public").iterdir()}
    assert names - public <= {"disclosure-log.csv", "index.html"}
    refs = {str(h["crime_ref"]) for h in open_case(folder).hits()}
    for path in logged:
        if path.suffix in (".csv", ".html"):
            text = path.read_text(encoding="utf-8")
            assert not any(ref in text for ref in refs), path
            assert str(data) not in text and "hit_id" not in text
    assert audit["request"]["path"] not in (
        data / "disclosure-log" / "disclosure-log.csv"
    ).read_text(encoding="utf-8")
