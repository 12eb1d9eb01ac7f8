"""The README's walk-through of the desk, in a real browser (issue 18): an officer adds the
seed request; an analyst runs its search as a job, reviews its hits with the keyboard only and
runs the search again to apply the decisions; an approver (another person) approves the
release and downloads the PDF letter, which the disclosure log now holds. Then the attacks a
desk must refuse, sent from the logged-in browser itself: a POST without the CSRF token, a
decision posted to one case for another case's hit, and an approver approving a case whose
hits they decided (four eyes).

Debian's Chromium with Playwright (tests/desk_browser.py), the clock's today fixed at 20 May
2019, axe-core on every page of the flow, screenshots kept (``FOIDESK_SCREENSHOTS``)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from foidesk.casework.decisions import Selector
from foidesk.desk.cases import case_folder
from foidesk.desk.db import open_store
from foidesk.desk.people import add_user
from foidesk.desk.store import Approval, Case, Event
from foidesk.desk.web.app import create_app
from foidesk.review.case import decide, open_case
from tests.conftest import SEED
from tests.desk_browser import (  # noqa: F401 (browser, page, shots: fixtures)
    PASSWORD,
    Browser,
    Page,
    browser,
    check_page,
    expect,
    log_in,
    page,
    serve,
    shots,
    tab_to,
)

TODAY = date(2019, 5, 20)
# the desk's settings as the README copies them: the force's details for every letter (without
# them the seed's letter is a draft, which cannot be approved) and the four-eyes rule on
DESK_TOML = Path(__file__).parents[1] / "docs" / "examples" / "desk.toml"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder as the README makes it: the seed's request and extracts in
    sources/seed/, desk.toml with the force's details, and one user of each role that the
    walk-through needs (each named as their role), with a second approver."""
    data = tmp_path_factory.mktemp("walk") / "data"
    with open_store(data) as store:
        for name in ("officer", "analyst", "approver"):
            add_user(store, name, name, PASSWORD)
    folder = data / "sources" / "seed"
    folder.mkdir(parents=True)
    for name in ("request.toml", "legacy.csv", "athena.csv"):
        shutil.copy(SEED / name, folder / name)
    shutil.copy(DESK_TOML, data / "desk.toml")
    return data


@pytest.fixture(scope="module")
def base_url(data: Path) -> Iterator[str]:
    with serve(create_app(data, None, today=lambda: TODAY)) as url:
        yield url


def log_out(page: Page) -> None:
    tab_to(page, page.get_by_role("button", name="Log out"))
    page.keyboard.press("Enter")
    page.wait_for_url("/login")


def open_case_page(page: Page, reference: str) -> str:
    """From the case list, by keyboard: the case's page; its URL."""
    row = page.get_by_role("row").filter(has_text=reference)
    tab_to(page, row.get_by_role("link", name=reference))
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/*")
    return page.url


def run_search(page: Page, again: bool = False) -> None:
    """Press the case page's search button by keyboard and wait for the job to end."""
    name = "Run the search again" if again else "Run the search"
    tab_to(page, page.get_by_role("button", name=name, exact=True))
    page.keyboard.press("Enter")
    # the reply to the press is the job running (polled from then on), then it is done
    expect(page.locator("#search-job")).to_have_class(re.compile(r"\bsearch-running\b"))
    expect(page.locator("#search-job")).to_contain_text("Done:", timeout=60_000)


def grand_total(page: Page) -> str:
    return page.locator("#review-preview tr.grand td").last.inner_text()


def test_add_search_review_approve_download(
    page: Page, shots: list[Path], data: Path, tmp_path: Path
) -> None:
    # the officer adds the seed request (the file in the data folder's sources)
    log_in(page, "officer")
    tab_to(page, page.get_by_role("navigation").get_by_role("link", name="New case"))
    page.keyboard.press("Enter")
    page.wait_for_url("/cases/new")
    # an uploaded request reads its sources from DATA/sources: name the seed's folder
    text = (SEED / "request.toml").read_text(encoding="utf-8")
    text = text.replace('path = "legacy.csv"', 'path = "seed/legacy.csv"')
    upload = tmp_path / "request.toml"
    upload.write_text(text.replace('path = "athena.csv"', 'path = "seed/athena.csv"'), "utf-8")
    page.get_by_label("Request file (TOML)").set_input_files(upload)
    tab_to(page, page.get_by_role("button", name="Create the case"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Case FOI2019/02832")
    expect(page.locator("#review")).to_contain_text("run the search first")
    expect(page.locator("#search")).to_contain_text("Only an analyst runs the search.")
    log_out(page)

    # the analyst runs the search: a job in the background, its progress polled by htmx
    log_in(page, "analyst")
    case_url = open_case_page(page, "FOI2019/02832")
    page.evaluate("window.__same_page = true")
    run_search(page)
    job = page.locator("#search-job")
    expect(job).to_contain_text("3 hits, 0 possible hits undecided")
    # the poll that saw it end brought the rest of the page up to date, without a reload
    expect(page.locator("#case-status")).to_have_text("in review")
    expect(page.locator("#review")).to_contain_text("No possible hits: all 3 hits are certain")
    expect(page.locator("#review")).to_contain_text("0 decisions made")
    # the s.12 estimate from the work left, and the quality sample, on the case itself
    expect(page.locator("#review")).to_contain_text("With foidesk: about 30 minutes")
    expect(page.locator("#review")).to_contain_text("Quality sample: 3 crimes of the 3 counted")
    expect(page.locator("#events")).to_contain_text("search.done")
    assert page.evaluate("window.__same_page") is True, "the page was loaded again"
    check_page(page, "walk-searched", shots)
    # the search survives a reload: the page says what it did
    page.reload()
    expect(page.locator("#search-job")).to_contain_text("Done:")

    # review with the keyboard only
    tab_to(page, page.locator("#review").get_by_role("link", name="Review the hits"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/review*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review the hits of FOI2019/02832")
    expect(page.locator("#review-preview")).to_contain_text("not for release")
    expect(page.locator("#review-progress")).to_contain_text(
        "No possible hits (every hit is certain); 0 accepted and 0 rejected of 3 hits"
    )
    assert grand_total(page) == "3"
    check_page(page, "walk-review", shots)
    page.evaluate("window.__same_page = true")
    hits = page.locator("li.hit")
    expect(hits).to_have_count(3)
    first = hits.nth(0)
    page.keyboard.press("j")
    expect(first).to_have_attribute("aria-current", "true")
    # x rejects the first hit: its crime leaves the preview; the focus moves on
    page.keyboard.press("x")
    expect(first.locator(".decision")).to_contain_text("reject by analyst")
    expect(hits.nth(1)).to_have_attribute("aria-current", "true")
    expect(page.locator("#review-preview tr.grand td").last).to_have_text("2")
    # u undoes it: the preview counts the crime again
    page.keyboard.press("u")
    expect(first.locator(".decision")).to_contain_text("none")
    expect(page.locator("#review-preview tr.grand td").last).to_have_text("3")
    expect(first).to_be_focused()  # u takes the keyboard back to the hit it undid
    # ? shows the keys, and again hides them
    page.keyboard.press("?")
    expect(page.locator("#review-keys")).to_be_visible()
    check_page(page, "walk-review-keys", shots)
    page.keyboard.press("?")
    expect(page.locator("#review-keys")).to_be_hidden()
    # accept every hit: a, and the focus goes to the next undecided one
    expect(first).to_have_attribute("aria-current", "true")
    for n in range(3):
        page.keyboard.press("a")
        expect(hits.nth(n).locator(".decision")).to_contain_text("accept by analyst")
    expect(page.locator("#review-recent")).to_contain_text("accept")
    assert page.evaluate("window.__same_page") is True, "a key loaded the page again"
    check_page(page, "walk-reviewed", shots)
    held = {d.hit_id: d.decision for d in open_case(case_folder_of(data)).decisions()}
    assert sorted(held.values()) == ["accept"] * 3 and len(held) == 3

    # the decisions reach the table when the search runs again
    page.goto(case_url)
    expect(page.locator("#release")).to_contain_text("Not ready to approve")
    run_search(page, again=True)
    expect(page.locator("#release")).to_contain_text("Ready to approve")
    log_out(page)

    # the approver, another person, approves the release and downloads the letter
    log_in(page, "approver")
    open_case_page(page, "FOI2019/02832")
    tab_to(page, page.locator("#release").get_by_role("link"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/release*")
    expect(page.locator(".release-ready")).to_have_text("Ready to approve.")
    table = page.locator("table.release-table")
    grand = table.locator("tr.total").last
    expect(grand.locator("th")).to_have_text("Grand Total")
    expect(grand.locator("td")).to_have_text(["0", "1", "0", "2", "0", "3"])
    check_page(page, "walk-release", shots)
    tab_to(page, page.get_by_role("button", name="Approve the release"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/release*")
    expect(page.locator(".release-approved")).to_contain_text("Approved by approver on")
    check_page(page, "walk-approved", shots)
    link = page.locator("ul.release-letter").get_by_role("link", name="letter.pdf", exact=True)
    with page.expect_download() as download:
        tab_to(page, link)
        page.keyboard.press("Enter")
    letter = Path(download.value.path())
    assert letter.read_bytes().startswith(b"%PDF-")
    assert download.value.suggested_filename == "letter.pdf"
    # the approval added the release to the disclosure log
    index = (data / "disclosure-log" / "disclosure-log.csv").read_text(encoding="utf-8")
    assert "FOI2019/02832" in index
    with open_store(data) as store, store.session() as db:
        assert db.query(Approval).count() == 1
        assert db.query(Event).filter(Event.action == "release.approve").count() == 1


def case_folder_of(data: Path, reference: str = "FOI2019/02832") -> Path:
    with open_store(data) as store, store.session() as db:
        case = db.query(Case).filter(Case.reference == reference).one()
    return case_folder(data, case)


def test_attacks_from_a_logged_in_browser(page: Page, data: Path, tmp_path: Path) -> None:
    """After the walk-through (its case exists, answered and approved)."""
    # a second case, searched, to post across
    log_in(page, "officer")
    page.goto("/cases/new")
    text = (SEED / "request.toml").read_text(encoding="utf-8")
    text = text.replace('path = "legacy.csv"', 'path = "seed/legacy.csv"')
    text = text.replace('path = "athena.csv"', 'path = "seed/athena.csv"')
    page.get_by_label("Or its text").fill(text.replace("FOI2019/02832", "FOI2019/02900"))
    page.get_by_role("button", name="Create the case").click()
    page.wait_for_url("**/cases/*")
    second_url = page.url
    second = int(second_url.rsplit("/", 1)[1])
    log_out(page)
    log_in(page, "analyst")
    page.goto(second_url)
    run_search(page)
    first = open_case(case_folder_of(data))
    other = case_folder_of(data, "FOI2019/02900")
    before = (first.internal / "decisions.jsonl").read_bytes()
    csrf = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    hit = first.hits()[0]["hit_id"]
    # the first case's hit id posted to the second case: 404, nothing written in either log
    reply = page.request.post(
        f"/cases/{second}/hits/{hit}0/decision",
        form={"csrf_token": str(csrf), "choice": "reject"},
        max_redirects=0,
    )
    assert reply.status == 404
    assert (first.internal / "decisions.jsonl").read_bytes() == before
    assert not (other / "internal" / "decisions.jsonl").exists()
    # a decision without the CSRF token: 403
    reply = page.request.post(
        f"/cases/{second}/hits/{open_case(other).hits()[0]['hit_id']}/decision",
        form={"choice": "reject"},
        max_redirects=0,
    )
    assert reply.status == 403
    assert not (other / "internal" / "decisions.jsonl").exists()
    log_out(page)

    # four eyes: the approver decided a hit of the second case (on the command line); the
    # analyst searches again; the approver may not approve it
    decide(other, "accept", Selector(hit=open_case(other).hits()[0]["hit_id"]), by="Approver")
    log_in(page, "analyst")
    page.goto(second_url)
    run_search(page, again=True)
    log_out(page)
    log_in(page, "approver")
    page.goto(f"/cases/{second}/release")
    expect(page.locator(".release-checks")).to_contain_text("another approver")
    expect(page.get_by_role("button", name="Approve the release")).to_have_count(0)
    csrf = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    reply = page.request.post(
        f"/cases/{second}/approve", form={"csrf_token": str(csrf)}, max_redirects=0
    )
    assert reply.status == 403 and "another approver" in reply.text()
    # and without the token, refused before anything is checked
    reply = page.request.post(f"/cases/{second}/approve", form={}, max_redirects=0)
    assert reply.status == 403 and "token" in reply.text()
    with open_store(data) as store, store.session() as db:
        assert db.query(Approval).filter(Approval.case_id == second).count() == 0


def test_a_refused_key_says_why_and_an_ended_session_goes_to_login(
    browser: Browser, base_url: str, data: Path
) -> None:
    """After the tests above (the second case, searched). In a context of its own: the 403
    and 401 it provokes show in the browser's console, which the ``page`` fixture forbids."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    second = case_id_of(data, "FOI2019/02900")
    other = case_folder_of(data, "FOI2019/02900")
    try:
        # a key pressed on a page whose form token is stale (logged in again elsewhere): the
        # refusal's line shows in the page's alert region; nothing is written
        log_in(page, "analyst")
        page.goto(f"/cases/{second}/review")
        page.context.clear_cookies()
        again = page.context.new_page()
        log_in(again, "analyst")  # a new session: the first page's forms carry the old token
        again.close()
        before = (other / "internal" / "decisions.jsonl").read_bytes()
        page.keyboard.press("j")
        page.keyboard.press("x")
        flash = page.locator("#flash")
        expect(flash).to_contain_text("The form was not sent from this desk's page")
        assert (other / "internal" / "decisions.jsonl").read_bytes() == before
        # a key pressed after the session ended: the whole browser goes to the login page
        page.reload()
        page.context.clear_cookies()
        page.keyboard.press("j")
        page.keyboard.press("a")
        page.wait_for_url("/login")
        expect(page.locator("#hits")).to_have_count(0)
        assert (other / "internal" / "decisions.jsonl").read_bytes() == before
    finally:
        context.close()


def case_id_of(data: Path, reference: str) -> int:
    with open_store(data) as store, store.session() as db:
        return int(db.query(Case).filter(Case.reference == reference).one().id)
