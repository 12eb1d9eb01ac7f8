"""What the browser tests of the desk share: the desk served by uvicorn on 127.0.0.1 in a
thread (``serve``), Debian's Chromium driven by Playwright (the ``browser`` fixture), a page
whose console errors fail the test (``page``), screenshots with axe-core's WCAG check
(``check_page``), and keyboard helpers (``tab_to``, ``log_in``).

A test module imports the fixtures it uses by name (pytest finds them in its namespace). The
module is skipped, saying why, without /usr/bin/chromium or the playwright package
(``.ci/run`` installs both, and in CI a skip is a failure)."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

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
from fastapi import FastAPI  # noqa: E402

HERE = Path(__file__).parent / "browser"
AXE = HERE / "axe.min.js"
PASSWORD = "correct horse battery"
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


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on 127.0.0.1 and a free port, its lifespan run;
    yields its URL once /healthz answers, and stops it after."""
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
    try:
        yield url
    finally:
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
