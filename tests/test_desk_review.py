"""The review page of the browser desk (issue 18) over HTTP: hits in their context, possible
first; accept, reject and undo one hit; bulk with a preview of what it changes; the undecided
filter; the table preview; the same decisions log as the command line; who may decide; a hit
of another case; CSRF."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import foidesk
from foidesk.casework.decisions import DecisionLog, latest
from foidesk.desk.cases import case_folder
from foidesk.desk.db import open_store
from foidesk.desk.store import Case, Event
from foidesk.desk.web.app import create_app
from foidesk.review.case import open_case
from foidesk.review.workbook import export_review, import_review
from foidesk.tools.synth import make_synthetic
from tests.conftest import SEED, run_cli
from tests.desk_kit import seed_data
from tests.test_desk_web import TODAY, add_seed, login, seed_request


@pytest.fixture(scope="module")
def answered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic case folder with possible hits (drug offences only), answered once."""
    folder = tmp_path_factory.mktemp("desk-review")
    made = make_synthetic(1500, folder / "data", seed=14, drug_share=1.0)
    case = folder / "case"
    foidesk.write_case(case, foidesk.answer(made.request_path, letter_pdf=False))
    return case


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return seed_data(tmp_path / "data")


@pytest.fixture
def client(data: Path) -> Iterator[TestClient]:
    app = create_app(data, None, today=lambda: TODAY)
    with TestClient(app, follow_redirects=False) as made:
        yield made


def _case(data: Path, case_id: int) -> Case:
    with open_store(data) as store, store.session() as db:
        case = db.get(Case, case_id)
        assert case is not None
        return case


def _searched(data: Path, case_id: int, answered: Path) -> Path:
    """Put the answered case folder where the desk keeps case ``case_id``'s (as the search
    job's write_case does)."""
    folder = case_folder(data, _case(data, case_id))
    folder.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(answered, folder)
    return folder


@pytest.fixture
def case(client: TestClient, data: Path, answered: Path) -> tuple[int, Path, str]:
    """A case added by the officer and searched; the analyst logged in: (id, folder, csrf)."""
    case_id = add_seed(client, login(client, "officer"))
    folder = _searched(data, case_id, answered)
    client.cookies.clear()
    return case_id, folder, login(client, "analyst")


def _possible(folder: Path) -> list[dict]:
    hits = [
        h
        for h in open_case(folder).hits()
        if h["certainty"] == "possible" and h["status"] != "set aside"
    ]
    return sorted(hits, key=lambda h: (h["crime_ref"], h["system"], h["field"], h["start"]))


def _log(folder: Path) -> list:
    return DecisionLog(folder / "internal").read()


def _events(data: Path, action: str) -> list[Event]:
    with open_store(data) as store, store.session() as db:
        return list(db.scalars(select(Event).where(Event.action == action).order_by(Event.id)))


def _progress(html: str) -> str:
    found = re.search(r'id="review-progress"[^>]*>([^<]*)<', html)
    assert found, html
    return found.group(1)


def test_panel_says_run_the_search_first_then_links_to_the_review(
    client: TestClient, data: Path, answered: Path
) -> None:
    case_id = add_seed(client, login(client, "officer"))
    page = client.get(f"/cases/{case_id}")
    assert "run the search first" in page.text
    assert client.get(f"/cases/{case_id}/review").status_code == 400
    folder = _searched(data, case_id, answered)
    page = client.get(f"/cases/{case_id}")
    n = len(_possible(folder))
    assert f"0 of {n} possible hits decided" in page.text
    assert f'href="/cases/{case_id}/review"' in page.text and "Review the hits" in page.text


def test_review_page_lists_possible_hits_first_in_context_with_the_preview(
    client: TestClient, case: tuple[int, Path, str]
) -> None:
    case_id, folder, _ = case
    page = client.get(f"/cases/{case_id}/review")
    assert page.status_code == 200
    html = page.text
    possible = _possible(folder)
    first = possible[0]
    assert html.index(f'id="hit-{first["hit_id"]}"') < html.index('class="certainty">certain')
    assert f"<mark>{first['text']}</mark>" in html
    assert _progress(html).startswith(f"0 of {len(possible)} possible hits decided")
    assert "Preview for the reviewer: before disclosure control; not for release" in html
    assert "Cost of compliance" in html and "With foidesk: about" in html
    assert "Quality sample:" in html
    assert f'href="/cases/{case_id}"' in html
    assert '<script src="/static/review.js"' in html and "<script>" not in html
    assert 'role="dialog"' in html or "<dialog" in html
    # the grand total of the preview is the published one before any decision
    grand = re.search(r"Grand Total</th>.*?<td class=\"n\">(\d+)</td></tr>", html, re.S)
    assert grand and int(grand.group(1)) >= 0


def test_accept_reject_and_undo_one_hit_write_the_log_and_an_event(
    client: TestClient, data: Path, case: tuple[int, Path, str]
) -> None:
    case_id, folder, csrf = case
    hit = _possible(folder)[0]["hit_id"]
    url = f"/cases/{case_id}/hits/{hit}/decision"
    reply = client.post(url, data={"csrf_token": csrf, "choice": "accept", "reason": "a mention"})
    assert reply.status_code == 303
    assert reply.headers["location"] == f"/cases/{case_id}/review#hit-{hit}"
    made = _log(folder)[-1]
    assert (made.hit_id, made.decision, made.by, made.source, made.reason) == (
        hit,
        "accept",
        "analyst",
        "desk",
        "a mention",
    )
    event = _events(data, "review.decide")[-1]
    assert event.before["held"] is None and event.after["held"]["decision"] == "accept"
    client.post(url, data={"csrf_token": csrf, "choice": "reject"})
    assert latest(_log(folder))[hit].decision == "reject"
    client.post(url, data={"csrf_token": csrf, "choice": "undo"})
    assert latest(_log(folder))[hit].decision == "accept"  # what held before the reject
    client.post(url, data={"csrf_token": csrf, "choice": "undo"})
    assert hit not in latest(_log(folder))  # and before that: nothing
    assert [d.decision for d in _log(folder)] == ["accept", "reject", "accept", "clear"]
    assert len(_events(data, "review.decide")) == 4
    page = client.get(f"/cases/{case_id}/review").text
    row = page[page.index(f'id="hit-{hit}"') :]
    row = row[: row.index("</li>")]
    assert 'class="decision">none' in row and 'value="undo"' not in row  # nothing to undo


def test_htmx_decision_answers_with_the_row_and_the_preview_out_of_band(
    client: TestClient, case: tuple[int, Path, str]
) -> None:
    case_id, folder, csrf = case
    possible = _possible(folder)
    hit = possible[0]["hit_id"]
    reply = client.post(
        f"/cases/{case_id}/hits/{hit}/decision",
        data={"csrf_token": csrf, "choice": "accept"},
        headers={"HX-Request": "true"},
    )
    assert reply.status_code == 200
    html = reply.text
    assert html.lstrip().startswith(f'<li id="hit-{hit}"')
    assert 'data-decided="1"' in html and "<strong>accept</strong> by analyst" in html
    assert 'id="review-preview" class="review-preview"' in html and 'hx-swap-oob="true"' in html
    assert f"1 of {len(possible)} possible hits decided" in _progress(html)
    assert 'id="review-recent"' in html and "<strong>accept</strong>" in html
    assert "<html" not in html


def test_undecided_filter_and_position_kept_after_a_plain_post(
    client: TestClient, case: tuple[int, Path, str]
) -> None:
    case_id, folder, csrf = case
    possible = _possible(folder)
    every = client.get(f"/cases/{case_id}/review").text
    total = every.count('<li id="hit-')
    first, second = possible[0]["hit_id"], possible[1]["hit_id"]
    reply = client.post(
        f"/cases/{case_id}/hits/{first}/decision",
        data={"csrf_token": csrf, "choice": "reject", "undecided": "1"},
    )
    # the hit leaves the filtered list: back to the next one still listed
    assert reply.headers["location"] == f"/cases/{case_id}/review?undecided=1#hit-{second}"
    only = client.get(f"/cases/{case_id}/review?undecided=1").text
    assert only.count('<li id="hit-') == total - 1
    assert f'id="hit-{first}"' not in only and f'id="hit-{second}"' in only
    assert 'name="undecided" value="1" checked' in only


def test_bulk_preview_counts_before_anything_is_written_then_applies(
    client: TestClient, data: Path, case: tuple[int, Path, str]
) -> None:
    case_id, folder, csrf = case
    possible = _possible(folder)
    text = possible[0]["text"]
    same = [h for h in possible if h["text"].casefold() == text.casefold()]
    every = [h for h in open_case(folder).hits() if h["text"].casefold() == text.casefold()]
    every = [h for h in every if h["status"] != "set aside"]
    client.post(
        f"/cases/{case_id}/hits/{same[0]['hit_id']}/decision",
        data={"csrf_token": csrf, "choice": "reject"},
    )
    form = {"csrf_token": csrf, "text": text.upper(), "choice": "reject"}
    shown = client.post(f"/cases/{case_id}/bulk/preview", data=form)
    assert shown.status_code == 200
    count = re.search(r'id="bulk-count"[^>]*>(.*?)</p>', shown.text, re.S)
    assert count
    words = re.sub(r"<[^>]+>", "", count.group(1))
    assert f"selects {len(every)} hit" in words
    assert f"would change {len(every) - 1} of them" in words
    assert len(_log(folder)) == 1  # nothing written by the preview
    assert f'action="/cases/{case_id}/bulk"' in shown.text
    applied = client.post(f"/cases/{case_id}/bulk", data={**form, "reason": "not a mention"})
    assert applied.status_code == 303
    held = latest(_log(folder))
    assert all(held[h["hit_id"]].decision == "reject" for h in every)
    assert len(_log(folder)) == len(every)
    assert _events(data, "review.decide")[-1].after["changed"] == len(every) - 1
    nothing = client.post(
        f"/cases/{case_id}/bulk/preview", data={"csrf_token": csrf, "choice": "reject"}
    )
    assert nothing.status_code == 400 and "Say which hits" in nothing.text


def test_only_an_analyst_decides_anyone_may_look(
    client: TestClient, case: tuple[int, Path, str]
) -> None:
    case_id, folder, _ = case
    hit = _possible(folder)[0]["hit_id"]
    client.cookies.clear()
    csrf = login(client, "officer")
    page = client.get(f"/cases/{case_id}/review")
    assert page.status_code == 200 and "<mark>" in page.text
    assert 'value="accept"' not in page.text and "Decide in bulk" not in page.text
    for url, form in (
        (f"/cases/{case_id}/hits/{hit}/decision", {"choice": "accept"}),
        (f"/cases/{case_id}/bulk/preview", {"term": "Facebook", "choice": "reject"}),
        (f"/cases/{case_id}/bulk", {"term": "Facebook", "choice": "reject"}),
    ):
        reply = client.post(url, data={"csrf_token": csrf, **form})
        assert reply.status_code == 403 and "Only an analyst" in reply.text
    assert _log(folder) == []


def test_a_hit_of_another_case_is_404_and_neither_log_changes(
    client: TestClient, data: Path, case: tuple[int, Path, str], tmp_path: Path
) -> None:
    case_id, folder, csrf = case
    # a second case whose folder holds only the seed's hits (none in common)
    client.cookies.clear()
    text = seed_request().replace('reference = "FOI2019/02832"', 'reference = "FOI2019/09999"')
    made = client.post(
        "/cases/new", data={"csrf_token": login(client, "officer"), "request_text": text}
    )
    assert made.status_code == 303, made.text
    other_id = int(made.headers["location"].rsplit("/", 1)[1])
    other = case_folder(data, _case(data, other_id))
    other.parent.mkdir(parents=True, exist_ok=True)
    foidesk.write_case(other, foidesk.answer(SEED / "request.toml", letter_pdf=False))
    client.cookies.clear()
    csrf = login(client, "analyst")
    theirs = open_case(other).hits()[0]["hit_id"]
    ours = _possible(folder)[0]["hit_id"]
    assert theirs not in {h["hit_id"] for h in open_case(folder).hits()}
    for choice in ("accept", "reject", "undo"):
        reply = client.post(
            f"/cases/{case_id}/hits/{theirs}/decision", data={"csrf_token": csrf, "choice": choice}
        )
        assert reply.status_code == 404, choice
    reply = client.post(
        f"/cases/{other_id}/hits/{ours}/decision", data={"csrf_token": csrf, "choice": "accept"}
    )
    assert reply.status_code == 404
    assert _log(folder) == [] and _log(other) == []
    assert not (other / "internal" / "decisions.jsonl").exists()
    assert _events(data, "review.decide") == []


def test_post_without_the_csrf_token_is_refused(
    client: TestClient, case: tuple[int, Path, str]
) -> None:
    case_id, folder, _ = case
    hit = _possible(folder)[0]["hit_id"]
    for url, form in (
        (f"/cases/{case_id}/hits/{hit}/decision", {"choice": "accept"}),
        (f"/cases/{case_id}/bulk", {"term": "Facebook", "choice": "reject"}),
        (f"/cases/{case_id}/bulk/preview", {"term": "Facebook", "choice": "reject"}),
    ):
        assert client.post(url, data=form).status_code == 403
        assert client.post(url, data={**form, "csrf_token": "wrong"}).status_code == 403
    assert _log(folder) == []


def test_a_decision_on_the_command_line_or_in_excel_shows_on_the_page_and_back(
    client: TestClient, case: tuple[int, Path, str], tmp_path: Path
) -> None:
    case_id, folder, csrf = case
    possible = _possible(folder)
    one, two, three = (h["hit_id"] for h in possible[:3])
    done = run_cli("review", "decide", folder, "reject", "--hit", one, "--by", "C Clerk")
    assert done.returncode == 0, done.stderr
    page = client.get(f"/cases/{case_id}/review").text
    row = page[page.index(f'id="hit-{one}"') :]
    row = row[: row.index("</li>")]
    assert "<strong>reject</strong> by C Clerk" in row
    assert "from command line" in page  # the recent decisions
    # a decision in the review file
    path = export_review(folder, tmp_path / "review.xlsx").path
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book["Review"]
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(r, 1).value == two:
            sheet.cell(r, 10).value = "accept"
    book.save(path)
    assert import_review(folder, path, by="E Excel").recorded == 1
    page = client.get(f"/cases/{case_id}/review").text
    assert "<strong>accept</strong> by E Excel" in page
    # the page's decision is in the log the command line and the file read
    client.post(
        f"/cases/{case_id}/hits/{three}/decision", data={"csrf_token": csrf, "choice": "accept"}
    )
    again = export_review(folder, tmp_path / "again.xlsx").path
    rows = {r[0]: r for r in load_workbook(again)["Review"].iter_rows(values_only=True)}
    assert rows[three][9] == "accept" and rows[one][9] == "reject"
    trace = run_cli("review", "trace", folder)
    assert "decisions were made after the case was last answered" in trace.stderr
    audit = json.loads((folder / "internal" / "audit.json").read_text())
    assert audit["review"]["decisions_in_log"] == 0


def test_preview_on_the_page_is_the_table_a_re_answer_gives(
    client: TestClient, case: tuple[int, Path, str]
) -> None:
    case_id, folder, csrf = case
    for hit in _possible(folder)[:4]:
        client.post(
            f"/cases/{case_id}/hits/{hit['hit_id']}/decision",
            data={"csrf_token": csrf, "choice": "accept"},
        )
    page = client.get(f"/cases/{case_id}/review").text
    again = foidesk.answer(
        open_case(folder).request(), decisions=foidesk.case_decisions(folder), letter_pdf=False
    )
    grand = re.search(r"Grand Total</th>(.*?)</tr>", page, re.S)
    assert grand
    figures = [int(n) for n in re.findall(r">(\d+)<", grand.group(1))]
    table = again.counted
    assert figures == [*table.grand_total.counts, table.grand_total.total]


def test_htmx_undo_with_nothing_to_undo_says_so_in_the_row(
    client: TestClient, case: tuple[int, Path, str]
) -> None:
    case_id, folder, csrf = case
    hit = _possible(folder)[0]["hit_id"]
    reply = client.post(
        f"/cases/{case_id}/hits/{hit}/decision",
        data={"csrf_token": csrf, "choice": "undo"},
        headers={"HX-Request": "true"},
    )
    assert reply.status_code == 400
    assert reply.text.lstrip().startswith(f'<li id="hit-{hit}"') and "<html" not in reply.text
    assert "has no decision to undo" in reply.text and 'role="alert"' in reply.text
    plain = client.post(
        f"/cases/{case_id}/hits/{hit}/decision", data={"csrf_token": csrf, "choice": "undo"}
    )
    assert plain.status_code == 400 and "has no decision to undo" in plain.text
    assert _log(folder) == []
