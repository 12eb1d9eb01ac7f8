"""Running a case's search from the browser: a background job (desk.jobs) with its progress,
polled by htmx; one per case; a job cut off by a restart is marked interrupted.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from foidesk.desk.store import Case
from foidesk.desk.web.app import Desk

router = APIRouter()


def panel_context(desk: Desk, case: Case) -> dict[str, Any]:
    """What the case page's search panel (``search_panel.html``) shows."""
    return {}
