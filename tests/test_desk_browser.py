"""The browser desk (docs/desk-web.md) in a real browser: Debian's Chromium driven by
Playwright against ``foidesk.desk.web`` served by uvicorn on 127.0.0.1, keyboard first, with
axe-core (vendored in tests/browser/) checking every page against WCAG 2 A and AA.

Skipped, saying why, without /usr/bin/chromium or the playwright package (``.ci/run`` installs
both, and in CI a skip is a failure). Screenshots of every page go to pytest's tmp path and,
when ``FOIDESK_SCREENSHOTS`` names a folder, there too."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from foidesk.desk.db import open_store
from foidesk.desk.people import add_user
from foidesk.desk.web.app import create_app
from tests.conftest import SEED

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing (apt-get install chromium): no browser to test the desk in",
        allow_module_level=True,
    )
try:
    from playwright.sync_api import (
        Browser,
        ConsoleMessage,
        Locator,
        Page,
        expect,
        sync_playwright,
    )
except ImportError as missing:
    pytest.skip(
        f"playwright is not installed (pip install -e '.[dev]'): {missing}",
        allow_module_level=True,
    )
import uvicorn  # noqa: E402

HERE = Path(__file__).parent / "browser"
AXE = HERE / "axe.min.js"
PASSWORD = "correct horse battery"
TODAY = date(2019, 5, 20)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# what axe checks: WCAG 2.0, 2.1 and 2.2, levels A and AA
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}


# --- the server and the browser -------------------------------------------------------------


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
    """The desk served by uvicorn in a thread on 127.0.0.1 and a free port, the clock's
    today fixed at 20 May 2019; stopped after the module."""
    app = create_app(data, None, today=lambda: TODAY)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", proxy_headers=False, server_header=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as reply:
                if reply.read() == b"ok":
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the desk did not answer /healthz within 15 s")
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def shots(tmp_path: Path) -> list[Path]:
    """Where screenshots go: pytest's tmp path, and FOIDESK_SCREENSHOTS when set."""
    folders = [tmp_path / "screenshots"]
    if os.environ.get("FOIDESK_SCREENSHOTS"):
        folders.append(Path(os.environ["FOIDESK_SCREENSHOTS"]))
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A page at 1280x800 whose console errors (a script the Content-Security-Policy refused,
    an htmx error) fail the test."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800},
        base_url=base_url,
        locale="en-GB",
        timezone_id="Europe/London",
    )
    made = context.new_page()
    errors: list[str] = []

    def console(message: ConsoleMessage) -> None:
        # the desk has no icon: Chromium's own request for /favicon.ico is not the page's
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            errors.append(f"{made.url}: {message.text} ({message.location['url']})")

    made.on("console", console)
    made.on("pageerror", lambda e: errors.append(str(e)))
    made.set_default_timeout(10_000)
    yield made
    context.close()
    assert not errors, f"the browser's console showed errors: {errors}"


# --- helpers --------------------------------------------------------------------------------

# violations axe found below serious (moderate, minor): reported, not failed
NOTED: list[str] = []


def check_page(page: Page, name: str, shots: list[Path]) -> None:
    """A screenshot of the page, then axe-core over it: fail listing every serious or critical
    violation (rule, impact, first element), note the others."""
    for folder in shots:
        # caret="initial": Playwright's hiding of the caret leaves style="" on every input,
        # which htmx's settling then copies, and the CSP (no inline style) refuses
        page.screenshot(path=folder / f"{name}.png", caret="initial")  # the first 1280x800
        page.screenshot(path=folder / f"{name}.full.png", full_page=True, caret="initial")
    # axe is given to the page by the browser's tooling (not a <script> of the page), so the
    # desk's Content-Security-Policy (this site's scripts only) stays on for the test
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    found = [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target'][0] if v['nodes'] else '?'}"
        f" [{len(v['nodes'])}] {v['help']}"
        for v in results["violations"]
    ]
    blocking = [
        f for f, v in zip(found, results["violations"], strict=True) if v["impact"] in BLOCKING
    ]
    NOTED.extend(f"{name}: {f}" for f in found if f not in blocking)
    for folder in shots:
        found_by_axe = {k: results[k] for k in ("violations", "incomplete")}
        (folder / f"{name}.axe.json").write_text(json.dumps(found_by_axe, indent=1), "utf-8")
    assert not blocking, f"axe on {name} ({page.url}):\n" + "\n".join(blocking)


def tab_to(page: Page, target: Locator, key: str = "Tab", limit: int = 40) -> None:
    """Press Tab (or ``key``: Shift+Tab) until ``target`` has the focus (it must be reachable
    by keyboard), and check that the focus outline shows."""
    for _ in range(limit):
        if target.evaluate("e => e === document.activeElement"):
            outline = target.evaluate("e => getComputedStyle(e).outlineStyle")
            assert outline != "none", f"no focus outline on {target}"
            return
        page.keyboard.press(key)
    raise AssertionError(f"{target} not reached with {limit} presses of {key}")


def log_in(page: Page, name: str) -> None:
    """Log in by keyboard: the name field has the focus, Tab to the password, Enter."""
    page.goto("/login")
    expect(page.locator("#name")).to_be_focused()
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("/")
    expect(page.locator("header")).to_contain_text(f"{name} ({name})")


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
