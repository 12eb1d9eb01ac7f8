"""Reviewing a case's hits in the browser: one key to accept or reject and move on, undo, bulk
decisions with a preview, the undecided filter and the table preview beside it
(foidesk.review: the same decision log as ``foidesk review``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from foidesk.desk.store import Case
from foidesk.desk.web.app import Desk

router = APIRouter()


def panel_context(desk: Desk, case: Case) -> dict[str, Any]:
    """What the case page's review panel (``review_panel.html``) shows."""
    return {}
