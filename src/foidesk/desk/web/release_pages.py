"""The release of a case: the table after disclosure control, the letter to download, and its
approval by an approver under the four-eyes rule (desk.release), which adds it to the
disclosure log.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from foidesk.desk.store import Case
from foidesk.desk.web.app import Desk

router = APIRouter()


def panel_context(desk: Desk, case: Case) -> dict[str, Any]:
    """What the case page's release panel (``release_panel.html``) shows."""
    return {}
