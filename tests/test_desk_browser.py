"""The browser desk (docs/desk-web.md) in a real browser: Debian's Chromium driven by
Playwright against ``foidesk.desk.web`` served by uvicorn on 127.0.0.1, keyboard first, with
axe-core (vendored in tests/browser/) checking every page against WCAG 2 A and AA; the server,
the browser and the helpers are tests/desk_browser.py's.

Skipped, saying why, without /usr/bin/chromium or the playwright package (``.ci/run`` installs
both, and in CI a skip is a failure). Screenshots of every page go to pytest's tmp path and,
when ``FOIDESK_SCREENSHOTS`` names a folder, there too."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from foidesk.desk.db import open_store
from foidesk.desk.people import add_user
from foidesk.desk.web.app import create_app
from tests.conftest import SEED
from tests.desk_browser import (  # noqa: F401 (browser, page, shots: fixtures)
    NOTED,
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


# --- the server and the browser ------------------------------------------------------------


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with an officer and an admin, and the seed extracts in sources/seed/."""
    data = tmp_path_factory.mktemp("desk") / "data"
    with open_store(data) as store:
        add_user(store, "officer", "officer", PASSWORD)
        add_user(store, "admin", "admin", PASSWORD)
    folder = data / "sources" / "seed"
    folder.mkdir(parents=True)
    for name in ("legacy.csv", "athena.csv"):
        shutil.copy(SEED / name, folder / name)
    return data


@pytest.fixture(scope="module")
def base_url(data: Path) -> Iterator[str]:
    """The desk served on 127.0.0.1, the clock's today fixed at 20 May 2019; stopped after the
    module."""
    with serve(create_app(data, None, today=lambda: TODAY)) as url:
        yield url


def seed_request(folder: Path) -> Path:
    """The seed request with its sources under the data folder's sources/seed/."""
    text = (SEED / "request.toml").read_text(encoding="utf-8")
    text = text.replace('path = "legacy.csv"', 'path = "seed/legacy.csv"')
    text = text.replace('path = "athena.csv"', 'path = "seed/athena.csv"')
    out = folder / "request.toml"
    out.write_text(text, encoding="utf-8")
    return out


# --- the scenario ---------------------------------------------------------------------------


def test_officer_and_admin_in_a_browser(page: Page, shots: list[Path], tmp_path: Path) -> None:
    # the login page: the skip link comes first and shows when focused
    page.goto("/login")
    check_page(page, "login", shots)
    page.keyboard.press("Shift+Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the skip link is off screen when focused"

    log_in(page, "officer")
    expect(page.locator("main")).to_contain_text("No cases yet.")
    check_page(page, "cases-empty", shots)

    # a new case from the seed request file, reached by keyboard
    tab_to(page, page.get_by_role("navigation").get_by_role("link", name="New case"))
    page.keyboard.press("Enter")
    page.wait_for_url("/cases/new")
    check_page(page, "case-new", shots)
    page.get_by_label("Request file (TOML)").set_input_files(seed_request(tmp_path))
    tab_to(page, page.get_by_role("button", name="Create the case"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Case FOI2019/02832")

    # the list: due 28 May 2019, the two bank holidays of May skipped, due soon in words
    tab_to(page, page.get_by_role("navigation").get_by_role("link", name="Cases"))
    page.keyboard.press("Enter")
    page.wait_for_url("/")
    row = page.get_by_role("row").filter(has_text="FOI2019/02832")
    expect(row).to_contain_text("2019-05-28")
    expect(row).to_contain_text("2019-05-06 May Day")
    expect(row).to_contain_text("2019-05-27 Spring Bank Holiday")
    expect(row).to_contain_text("Due soon")
    check_page(page, "cases", shots)

    # the case page, by keyboard
    tab_to(page, row.get_by_role("link", name="FOI2019/02832"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/*")
    case_url = page.url
    clock = page.locator("#clock")
    expect(clock.locator("dl.clock")).to_contain_text("2019-05-28")
    check_page(page, "case", shots)

    # two clock events; htmx swaps the clock panel and the log in place (no new page)
    page.evaluate("window.__same_page = true")
    for kind, on, due, key in (
        ("clarification sought", "2019-05-01", None, "Tab"),
        ("clarification received", "2019-05-08", "2019-06-06", "Shift+Tab"),
    ):
        select = page.get_by_label("Event", exact=True)
        tab_to(page, select, key)
        select.select_option(label=kind)
        page.get_by_label("Date", exact=True).fill(on)
        tab_to(page, page.get_by_role("button", name="Record the event"))
        page.keyboard.press("Enter")
        expect(clock.locator("table.history")).to_contain_text(on)
        if due:
            expect(clock.locator("dl.clock")).to_contain_text(due)
        # the keyboard's place is kept: htmx gives the focus back to the new panel's button
        expect(page.get_by_role("button", name="Record the event")).to_be_focused()
    assert page.evaluate("window.__same_page") is True, "the page was loaded again"
    assert page.url == case_url
    expect(clock.locator("#case-status")).to_have_text("received")
    expect(page.locator("#events")).to_contain_text("clock.clarification_received")
    check_page(page, "case-clock", shots)

    # the desk's status, and the log: who, before, after
    select = page.get_by_label("Status while the clock runs")
    tab_to(page, select)
    select.select_option("in review")
    tab_to(page, page.get_by_role("button", name="Set the status"))
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("#case-status")).to_have_text("in review")
    logged = page.locator("#events tbody tr").filter(has_text="case.status")
    expect(logged.locator("td").nth(1)).to_have_text("officer")
    expect(logged.locator("td").nth(3)).to_have_text('{"status": "received"}')
    expect(logged.locator("td").nth(4)).to_have_text('{"status": "in review"}')
    added = page.locator("#events tbody tr").filter(has_text="clock.clarification_received")
    expect(added.locator("td").nth(1)).to_have_text("officer")
    expect(added.locator("td").nth(3)).to_contain_text('"status": "awaiting clarification"')
    expect(added.locator("td").nth(4)).to_contain_text('"due": "2019-06-06"')
    check_page(page, "case-status", shots)

    # log out by keyboard
    tab_to(page, page.get_by_role("button", name="Log out"))
    page.keyboard.press("Enter")
    page.wait_for_url("/login")

    # the admin adds a user
    log_in(page, "admin")
    tab_to(page, page.get_by_role("navigation").get_by_role("link", name="Users"))
    page.keyboard.press("Enter")
    page.wait_for_url("/users")
    check_page(page, "users", shots)
    tab_to(page, page.get_by_label("Name (letters"))
    page.keyboard.type("k.jones")
    page.keyboard.press("Tab")
    page.get_by_label("Role").select_option("analyst")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password (at least")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    row = page.get_by_role("row").filter(has_text="k.jones")
    expect(row).to_contain_text("analyst")
    expect(row.locator("td").nth(3)).to_have_text("yes")
    check_page(page, "users-added", shots)
    if NOTED:
        print("axe, below serious:\n" + "\n".join(NOTED))


def test_without_javascript(browser: Browser, base_url: str, tmp_path: Path) -> None:
    """Every page works without JavaScript: a case from the pasted text, a clock event by a
    plain form post and the redirect after it (after the scenario above, whose case exists)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800},
        base_url=base_url,
        locale="en-GB",
        java_script_enabled=False,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, "officer")
        page.goto("/cases/new")
        text = seed_request(tmp_path).read_text(encoding="utf-8")
        page.get_by_label("Or its text").fill(text.replace("FOI2019/02832", "FOI2019/02833"))
        page.get_by_role("button", name="Create the case").click()
        page.wait_for_url("**/cases/*")
        expect(page.get_by_role("heading", level=1)).to_have_text("Case FOI2019/02833")
        page.get_by_label("Event", exact=True).select_option("extension")
        page.get_by_label("Date", exact=True).fill("2019-05-10")
        page.get_by_label("Working days").fill("20")
        page.get_by_role("button", name="Record the event").click()
        page.wait_for_url("**/cases/*#clock")
        expect(page.locator("#clock dl.clock")).to_contain_text("2019-06-25")
        expect(page.locator("#events")).to_contain_text("clock.extension")
    finally:
        context.close()
