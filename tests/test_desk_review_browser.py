"""The review page (issue 18) in a real browser, keyboard only: j/k move between hits, a and x
decide and move to the next undecided hit, u undoes the last decision made on the page, ?
shows the keys; the table preview and the progress follow each decision without a new page;
axe-core checks the page. Served and driven as tests/desk_browser.py says (skipped, saying why,
without Chromium or Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import foidesk
from foidesk.casework.decisions import DecisionLog, latest
from foidesk.desk.cases import add_case, case_folder
from foidesk.desk.db import open_store
from foidesk.desk.people import add_user
from foidesk.desk.web.app import create_app
from tests.conftest import crime, write_extract, write_request
from tests.desk_browser import (  # noqa: F401 (browser, page, shots: fixtures)
    NOTED,
    PASSWORD,
    Page,
    browser,
    check_page,
    expect,
    log_in,
    page,
    serve,
    shots,
)

ROWS = [
    crime("LG/19/1", "2019-01-05", "Deal arranged on Facebook, then met at the park."),
    crime("LG/19/2", "2019-01-06", "Arranged the deal over snap, then met at the park."),
    crime("LG/19/3", "2019-02-07", "Messages on messenger arranging the sale."),
    crime("LG/19/4", "2019-02-08", "Photos sent by snap to the buyer."),
    crime("LG/19/5", "2019-03-09", "Instagram account used to advertise the drugs."),
    crime("LG/19/6", "2019-03-10", "He said to message him on messenger later."),
]


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A data folder with an analyst and an officer, and one case whose search has run (a
    small extract with possible hits): (data, case id)."""
    root = tmp_path_factory.mktemp("desk-review")
    data = root / "data"
    sources = data / "sources" / "small"
    sources.mkdir(parents=True)
    write_extract(sources / "legacy.csv", ROWS)
    request = write_request(
        sources, [("legacy.csv", "Legacy")], rows='["platform"]', date_from="2019-01-01"
    )
    with open_store(data) as store:
        add_user(store, "analyst", "analyst", PASSWORD)
        officer = add_user(store, "officer", "officer", PASSWORD)
        made = add_case(store, data, request, by=officer)
    answered = foidesk.answer(data / made.request_path, letter_pdf=False)
    foidesk.write_case(case_folder(data, made), answered)
    return data, made.id


@pytest.fixture(scope="module")
def base_url(case: tuple[Path, int]) -> Iterator[str]:
    with serve(create_app(case[0], None)) as url:
        yield url


def _log(data: Path, case_id: int) -> list:
    with open_store(data) as store, store.session() as db:
        from foidesk.desk.store import Case

        stored = db.get(Case, case_id)
        assert stored is not None
        folder = case_folder(data, stored)
    return DecisionLog(folder / "internal").read()


def test_review_with_the_keyboard_only(
    page: Page, shots: list[Path], case: tuple[Path, int]
) -> None:
    data, case_id = case
    log_in(page, "analyst")
    page.goto(f"/cases/{case_id}/review")
    page.evaluate("window.__same_page = true")
    hits = page.locator("li.hit")
    possible = page.locator("li.hit-possible")
    n = possible.count()
    assert n >= 3, "the case needs possible hits"
    progress = page.locator("#review-progress")
    expect(progress).to_contain_text(f"0 of {n} possible hits decided")
    expect(page.locator("#review-preview")).to_contain_text("not for release")
    check_page(page, "review", shots)

    # j: the first hit; j, k: the next and back
    page.keyboard.press("j")
    expect(hits.nth(0)).to_be_focused()
    expect(hits.nth(0)).to_have_attribute("aria-current", "true")
    page.keyboard.press("j")
    expect(hits.nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(hits.nth(0)).to_be_focused()
    expect(hits.nth(1)).not_to_have_attribute("aria-current", "true")

    # a: accept, and on to the next undecided hit
    first = hits.nth(0).get_attribute("data-hit")
    second = hits.nth(1).get_attribute("data-hit")
    page.keyboard.press("a")
    expect(page.locator(f"#hit-{first}")).to_have_attribute("data-decided", "1")
    expect(page.locator(f"#hit-{first} dd.decision")).to_contain_text("accept by analyst")
    expect(page.locator(f"#hit-{second}")).to_be_focused()
    expect(progress).to_contain_text(f"1 of {n} possible hits decided")
    # x: reject the second, on to the third
    page.keyboard.press("x")
    expect(page.locator(f"#hit-{second} dd.decision")).to_contain_text("reject by analyst")
    expect(hits.nth(2)).to_be_focused()
    expect(progress).to_contain_text(f"2 of {n} possible hits decided")
    expect(page.locator("#review-recent li").first).to_contain_text("reject")
    # u: undo the last decision made on this page (the reject), then the accept
    page.keyboard.press("u")
    expect(page.locator(f"#hit-{second} dd.decision")).to_have_text("none")
    expect(page.locator(f"#hit-{second}")).to_be_focused()
    expect(progress).to_contain_text(f"1 of {n} possible hits decided")
    page.keyboard.press("u")
    expect(page.locator(f"#hit-{first} dd.decision")).to_have_text("none")
    expect(progress).to_contain_text(f"0 of {n} possible hits decided")
    assert [d.decision for d in _log(data, case_id)] == ["accept", "reject", "clear", "clear"]
    assert not latest(_log(data, case_id))

    # keys are ignored while typing: the reason field takes the letters
    page.locator(f"#reason-{first}").focus()
    page.keyboard.type("a mention")
    expect(page.locator(f"#reason-{first}")).to_have_value("a mention")
    assert len(_log(data, case_id)) == 4

    # ?: the list of keys, and ? (or Escape) closes it
    page.locator(f"#hit-{first}").focus()
    page.keyboard.press("?")
    dialog = page.locator("#review-keys")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("undo the last decision made on this page")
    check_page(page, "review-keys", shots)
    page.keyboard.press("?")
    expect(dialog).to_be_hidden()

    # one more accept, and the page is the same page all along
    page.locator(f"#hit-{first}").focus()
    page.keyboard.press("a")
    expect(progress).to_contain_text(f"1 of {n} possible hits decided")
    assert page.evaluate("window.__same_page") is True, "the page was loaded again"
    assert latest(_log(data, case_id))[first].decision == "accept"
    check_page(page, "review-decided", shots)
    if NOTED:
        print("axe, below serious:\n" + "\n".join(NOTED))
