"""The release on the desk (foidesk.desk.release, release_pages): the table as released, the
letter to download, approval by an approver under the four-eyes rule, the disclosure log it
adds to; and the force's details of desk.toml that a case's copy of the request gets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import foidesk
from foidesk.casework.decisions import Selector
from foidesk.desk import cases
from foidesk.desk.db import open_store
from foidesk.desk.store import Approval, Case, Event, Job, now
from foidesk.desk.web.app import create_app
from foidesk.errors import DeskError
from foidesk.review.case import decide, open_case
from tests.conftest import SEED
from tests.desk_kit import seed_data
from tests.test_desk_web import add_seed
from tests.test_desk_web import login as first_login

TODAY = date(2019, 5, 20)
FORCE = """
[force]
name = "Northshire Police"
unit = "Information Rights Unit"
address = "1 High Street\\nNorthtown NT1 1AA"
email = "foi@northshire.police.uk"
telephone = "01234 567890"
signatory = "A. Person"
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    data = seed_data(tmp_path / "data", also=(("second", "approver"),))
    return data


@pytest.fixture
def client(data: Path) -> Iterator[TestClient]:
    app = create_app(data, None, today=lambda: TODAY)
    with TestClient(app, follow_redirects=False) as made:
        yield made


def login(client: TestClient, name: str) -> str:
    """Log in as ``name`` (whoever was logged in before is forgotten); the CSRF token."""
    client.cookies.clear()
    return first_login(client, name)


def _settings(data: Path, text: str) -> None:
    (data / "desk.toml").write_text(text, encoding="utf-8")


def _case(client: TestClient, case_id: int) -> Case:
    with client.app.state.desk.store.session() as db:  # type: ignore[attr-defined]
        case = db.get(Case, case_id)
    assert case is not None
    return case


def answered(client: TestClient, data: Path, *, force: bool = True) -> int:
    """The seed case added by the officer and answered, as the analyst's search does; the
    desk.toml gives the force's details when ``force``."""
    if force:
        _settings(data, FORCE)
    csrf = login(client, "officer")
    case_id = add_seed(client, csrf)
    answer_again(client, data, case_id)
    return case_id


def answer_again(client: TestClient, data: Path, case_id: int) -> None:
    """The case's search, as the job runs it: its request, its decisions, its folder."""
    case = _case(client, case_id)
    folder = cases.case_folder(data, case)
    result = foidesk.answer(
        cases.case_request(data, case),
        letter_date=TODAY,
        decisions=foidesk.case_decisions(folder),
    )
    foidesk.write_case(folder, result, replace=folder.exists())


def _approve(client: TestClient, case_id: int, user: str = "approver") -> httpx.Response:
    csrf = login(client, user)
    return client.post(f"/cases/{case_id}/approve", data={"csrf_token": csrf})


def _approvals(client: TestClient) -> list[Approval]:
    with client.app.state.desk.store.session() as db:  # type: ignore[attr-defined]
        return list(db.scalars(select(Approval)))


def _first_hit(client: TestClient, data: Path, case_id: int) -> str:
    folder = cases.case_folder(data, _case(client, case_id))
    return str(open_case(folder).hits()[0]["hit_id"])


# --- the page and the downloads -----------------------------------------------------------


def test_release_page_shows_the_table_and_the_letter_downloads(
    client: TestClient, data: Path
) -> None:
    case_id = answered(client, data)
    login(client, "analyst")
    page = client.get(f"/cases/{case_id}/release")
    assert page.status_code == 200
    text = page.text
    # the seed's figures as released: Twitter 1 in 2018 under CHARGED, Facebook 2 in all
    assert '<th scope="row">Twitter</th>' in text and '<th scope="row">Facebook</th>' in text
    assert '<th scope="col" class="n">2019*</th>' in text  # the part year, as released
    assert '<th scope="col">OUTCOME/OFFENCE/SOCIAL MEDIA PLATFORM</th>' in text
    assert 'class="depth-0 total"><th scope="row">Grand Total</th>' in text
    assert "Part year: 2019 covers 1 January 2019 to 30 April 2019 only." in text
    assert "Ready to approve." in text and "Ready to send, dated 2019-05-20." in text
    assert "Only an approver may approve a release (approver, second)." in text
    assert "Records with a mention" in text and "How the figures were produced" in text
    assert f'href="/cases/{case_id}/public/letter.pdf"' in text
    assert f'href="/cases/{case_id}/public/table.xlsx"' in text
    grand = text.split('<th scope="row">Grand Total</th>', 1)[1].split("</tr>", 1)[0]
    assert [c.split(">")[1].split("<")[0] for c in grand.split("<td")[1:]] == [
        "0",
        "1",
        "0",
        "2",
        "0",
        "3",
    ]

    pdf = client.get(f"/cases/{case_id}/public/letter.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment")
    word = client.get(f"/cases/{case_id}/public/letter.docx")
    assert word.status_code == 200 and word.content.startswith(b"PK")
    assert "wordprocessingml" in word.headers["content-type"]
    csv_file = client.get(f"/cases/{case_id}/public/table.csv")
    assert csv_file.headers["content-type"].startswith("text/csv")

    case_page = client.get(f"/cases/{case_id}")
    assert "Ready to approve." in case_page.text
    assert f'href="/cases/{case_id}/release"' in case_page.text


def test_only_public_files_download(client: TestClient, data: Path) -> None:
    case_id = answered(client, data)
    for path in (
        "audit.json",
        "..%2Finternal%2Faudit.json",
        "..%2F..%2Frequest.toml",
        "nothing.pdf",
        "../internal/audit.json",
    ):
        assert client.get(f"/cases/{case_id}/public/{path}").status_code == 404, path
    assert client.get(f"/cases/{case_id}/internal/audit.json").status_code == 404


def test_release_page_before_the_search(client: TestClient) -> None:
    csrf = login(client, "officer")
    case_id = add_seed(client, csrf)
    page = client.get(f"/cases/{case_id}/release")
    assert page.status_code == 200
    assert "The case has not been answered yet: run its search first." in page.text
    assert client.get(f"/cases/{case_id}/public/letter.pdf").status_code == 404
    assert "Not answered yet." in client.get(f"/cases/{case_id}").text
    assert client.get("/cases/99/release").status_code == 404


def test_anonymous_is_sent_to_login(client: TestClient, data: Path) -> None:
    case_id = answered(client, data)
    client.post("/logout", data={"csrf_token": login(client, "analyst")})
    for path in (f"/cases/{case_id}/release", f"/cases/{case_id}/public/letter.pdf"):
        reply = client.get(path)
        assert reply.status_code == 303 and reply.headers["location"] == "/login"


# --- approval ------------------------------------------------------------------------------


def test_approver_approves_and_the_log_has_the_release(client: TestClient, data: Path) -> None:
    case_id = answered(client, data)
    reply = _approve(client, case_id)
    assert reply.status_code == 303
    assert reply.headers["location"] == f"/cases/{case_id}/release?done=approved"
    [approval] = _approvals(client)
    audit = cases.case_folder(data, _case(client, case_id)) / "internal" / "audit.json"
    import hashlib

    assert approval.audit_sha256 == hashlib.sha256(audit.read_bytes()).hexdigest()
    assert approval.log_path == "disclosure-log"
    with client.app.state.desk.store.session() as db:  # type: ignore[attr-defined]
        [event] = db.scalars(select(Event).where(Event.action == "release.approve"))
    assert event.case_id == case_id and event.user_id == approval.user_id
    assert event.before == {"approved_audit_sha256": None}
    assert event.after is not None and event.after["answered"] == "2019-05-20"
    assert event.after["page"] == "disclosure-log/releases/foi2019-02832/index.html"
    index = (data / "disclosure-log" / "disclosure-log.csv").read_text(encoding="utf-8")
    assert "FOI2019/02832" in index and "2019-05-20" in index
    logged = data / "disclosure-log" / "releases" / "foi2019-02832" / "letter.pdf"
    assert logged.read_bytes().startswith(b"%PDF")

    page = client.get(f"/cases/{case_id}/release?done=approved").text
    assert "Approved: the release is in the disclosure log." in page
    assert "Approved by approver on" in page and "(this answer)" in page
    assert "Approved by approver on 20" in client.get(f"/cases/{case_id}").text

    again = _approve(client, case_id, "second")
    assert again.status_code == 409
    assert "This answer is already approved (by approver," in again.text
    assert len(_approvals(client)) == 1

    # searched again: another answer, which needs its own approval (replacing the log's)
    answer_again(client, data, case_id)
    page = client.get(f"/cases/{case_id}/release").text
    assert "(an earlier answer)" in page and "Ready to approve." in page
    assert _approve(client, case_id, "second").status_code == 303
    assert len(_approvals(client)) == 2


def test_only_an_approver_approves(client: TestClient, data: Path) -> None:
    case_id = answered(client, data)
    for user in ("officer", "analyst", "admin"):
        reply = _approve(client, case_id, user)
        assert reply.status_code == 403
        assert "Only an approver may approve a release." in reply.text
    login(client, "approver")
    no_token = client.post(f"/cases/{case_id}/approve", data={})
    assert no_token.status_code == 403 and "token" in no_token.text
    assert _approvals(client) == []
    assert not (data / "disclosure-log").exists()


def test_four_eyes_the_approver_who_reviewed_may_not_approve(
    client: TestClient, data: Path
) -> None:
    case_id = answered(client, data)
    folder = cases.case_folder(data, _case(client, case_id))
    hit = _first_hit(client, data, case_id)
    decide(folder, "accept", Selector(hit=hit), by="Approver", source="desk")  # any letter case
    answer_again(client, data, case_id)
    login(client, "approver")
    page = client.get(f"/cases/{case_id}/release").text
    assert "You reviewed this case&#39;s hits: another approver must approve it." in page
    assert 'id="approve"' not in page
    reply = _approve(client, case_id)
    assert reply.status_code == 403
    assert "You reviewed this case&#39;s hits: another approver must approve it." in reply.text
    assert _approvals(client) == [] and not (data / "disclosure-log").exists()
    # another approver may
    login(client, "second")
    assert 'id="approve"' in client.get(f"/cases/{case_id}/release").text
    second = _approve(client, case_id, "second")
    assert second.status_code == 303


def test_four_eyes_turned_off_in_desk_toml(client: TestClient, data: Path) -> None:
    case_id = answered(client, data)
    folder = cases.case_folder(data, _case(client, case_id))
    decide(folder, "accept", Selector(hit=_first_hit(client, data, case_id)), by="approver")
    answer_again(client, data, case_id)
    _settings(data, "four_eyes = false\n" + FORCE)
    assert _approve(client, case_id).status_code == 303
    assert len(_approvals(client)) == 1


def test_a_draft_letter_is_refused_naming_what_is_missing(client: TestClient, data: Path) -> None:
    case_id = answered(client, data, force=False)  # no desk.toml: the seed has no [force]
    login(client, "analyst")
    page = client.get(f"/cases/{case_id}/release").text
    assert "not to be sent" in page and "letter-draft.pdf" in page
    assert "The letter is a draft." in client.get(f"/cases/{case_id}").text
    reply = _approve(client, case_id)
    assert reply.status_code == 400
    assert (
        "The letter is a draft: [force] name, unit, address, telephone, email, signatory "
        "missing." in reply.text
    )
    assert _approvals(client) == []


def test_decisions_after_the_answer_are_refused_until_searched_again(
    client: TestClient, data: Path
) -> None:
    case_id = answered(client, data)
    folder = cases.case_folder(data, _case(client, case_id))
    decide(folder, "reject", Selector(hit=_first_hit(client, data, case_id)), by="analyst")
    reply = _approve(client, case_id)
    assert reply.status_code == 400
    assert (
        "1 decision was made after the case was last answered: search again so that the table "
        "counts it." in reply.text
    )
    answer_again(client, data, case_id)
    assert _approve(client, case_id).status_code == 303


def test_a_running_search_is_refused(client: TestClient, data: Path) -> None:
    case_id = answered(client, data)
    with client.app.state.desk.store.session() as db:  # type: ignore[attr-defined]
        db.add(Job(case_id=case_id, kind="search", state="running", started=now(), done=0))
    reply = _approve(client, case_id)
    assert reply.status_code == 409
    assert "A search of this case is running: wait for it to end." in reply.text


def test_a_log_that_refuses_writes_no_approval(client: TestClient, data: Path) -> None:
    case_id = answered(client, data)
    (data / "disclosure-log").mkdir()
    (data / "disclosure-log" / "notes.txt").write_text("not a log", encoding="utf-8")
    reply = _approve(client, case_id)
    assert reply.status_code == 400
    assert "holds other files but no disclosure-log.csv" in reply.text
    assert _approvals(client) == []


def copy_text(data: Path, case: Case) -> str:
    return cases.case_request(data, case).read_text(encoding="utf-8")


# --- desk.toml: four_eyes and [force] --------------------------------------------------------


def test_desk_toml_force_fills_what_the_request_lacks(data: Path) -> None:
    _settings(data, FORCE.replace('unit = "Information Rights Unit"\n', ""))
    request = data / "sources" / "seed" / "request.toml"
    text = (SEED / "request.toml").read_text(encoding="utf-8")
    request.write_text(text + '\n[force]\nname = "The Request\'s Own Police"\n', encoding="utf-8")
    with open_store(data) as store:
        case = cases.add_case(store, data, request)
    copy = cases.case_request(data, case)
    loaded = foidesk.load_request(copy)
    assert loaded.force.name == "The Request's Own Police"  # the request's own value wins
    assert loaded.force.signatory == "A. Person"
    assert loaded.force.unit == "[UNIT]"  # neither gave it
    assert "# from the desk's desk.toml [force]" in copy.read_text(encoding="utf-8")
    assert "# FOI2019/02832, answered on a hand-written" in copy.read_text(encoding="utf-8")


def test_desk_toml_force_and_four_eyes_are_checked(data: Path) -> None:
    _settings(data, FORCE + 'fax = "0123"\n')
    with pytest.raises(DeskError, match=r"desk.toml: force.fax: unknown key \(expected one of"):
        cases.load_settings(data)
    _settings(data, "[force]\nname = 3\n")
    with pytest.raises(foidesk.RequestError, match=r"desk.toml: force.name"):
        cases.load_settings(data)
    _settings(data, '[force]\nletter_template = "nowhere.docx"\n')
    with pytest.raises(foidesk.RequestError, match=r"force.letter_template: 'nowhere.docx'"):
        cases.load_settings(data)
    _settings(data, 'four_eyes = "no"\n')
    with pytest.raises(DeskError, match="four_eyes: true or false"):
        cases.load_settings(data)
    _settings(data, "four_eyes = false\n")
    assert cases.load_settings(data).four_eyes is False
    (data / "desk.toml").unlink()
    assert cases.load_settings(data).four_eyes is True and cases.load_settings(data).force == {}


def test_desk_toml_letter_template_is_named_from_the_copy(data: Path) -> None:
    import docx

    docx.Document().save(str(data / "letterhead.docx"))
    _settings(data, FORCE + 'letter_template = "letterhead.docx"\n')
    request = data / "sources" / "seed" / "request.toml"
    request.write_text((SEED / "request.toml").read_text(encoding="utf-8"), encoding="utf-8")
    with open_store(data) as store:
        case = cases.add_case(store, data, request)
    loaded = foidesk.load_request(cases.case_request(data, case))
    assert 'letter_template = "../../letterhead.docx"' in copy_text(data, case)
    assert (
        loaded.letter_template is not None
        and loaded.letter_template.resolve() == (data / "letterhead.docx").resolve()
    )


def test_undecided_possible_hits_are_refused(client: TestClient, data: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    case_id = answered(client, data)
    # the seed's hits are all certain: one is made a possible hit no one has decided
    evidence = cases.case_folder(data, _case(client, case_id)) / "internal" / "evidence.parquet"
    table = pq.read_table(evidence)
    status = table.column("status").to_pylist()
    status[0] = "undecided"
    index = table.column_names.index("status")
    pq.write_table(table.set_column(index, "status", pa.array(status)), evidence)
    login(client, "approver")
    assert (
        "1 possible hit is undecided: review it first."
        in client.get(f"/cases/{case_id}/release").text
    )
    reply = _approve(client, case_id)
    assert reply.status_code == 400
    assert "1 possible hit is undecided: review it first." in reply.text
    assert _approvals(client) == []
