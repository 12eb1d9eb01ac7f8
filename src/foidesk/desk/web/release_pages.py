"""The release of a case: the table after disclosure control, the letter to download, and its
approval by an approver under the four-eyes rule (desk.release), which adds it to the
disclosure log.

``GET /cases/{id}/release`` (anyone logged in) shows the release as the requester gets it:
the table read from ``public/table.csv`` (``table.html`` is a whole page of its own, with an
inline stylesheet this site's policy would not run), its title and footnotes from
``table.txt``, the coverage, the method, the public files, the letter's state, what stands in
the way of approval and the approvals so far; an approver gets the form. ``GET
/cases/{id}/public/{name}`` downloads one file of ``public/`` (only a name listed there).
``POST /cases/{id}/approve`` calls ``desk.release.approve`` and answers with a redirect, or
the release page with the refusal's one line.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from foidesk.casework.request import ROW_ALIASES, ROW_DIMENSIONS
from foidesk.desk.cases import case_folder, load_settings
from foidesk.desk.release import (
    AlreadyApproved,
    FourEyes,
    NotNow,
    ReleaseState,
    approve,
    release_state,
)
from foidesk.desk.store import Case, User
from foidesk.desk.web.app import Desk, Refused
from foidesk.desk.web.pages import DeskDep, PostDep, Who, WhoDep, allow, find_case, page
from foidesk.errors import FoideskError

router = APIRouter()
_ROW_NAMES = frozenset(ROW_DIMENSIONS) | frozenset(ROW_ALIASES)
MEDIA = {  # a public file's content type, by its suffix
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
DONE = {"approved": "Approved: the release is in the disclosure log."}
_BOLD = re.compile(r"(?<!\\)\*\*(.+?)(?<!\\)\*\*")
_ESCAPED = re.compile(r"\\(.)")
_CELL_BREAK = re.compile(r"(?<!\\)\|")


# --- what the page reads from public/ -----------------------------------------------------


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def released_table(public: Path) -> dict[str, Any] | None:
    """The table as released (``table.csv``): its title, the column headings (as
    ``table.md`` writes them), each row's label, depth and figures (a withheld figure is its
    symbol, as released), and its footnotes (``table.txt``). None when the case released no
    table."""
    text = _read(public / "table.csv")
    if text is None:
        return None
    rows = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    if not rows or rows[0][0] != "level":
        return None
    header = rows[0]
    depth = 0
    while 1 + depth < len(header) - 1 and header[1 + depth] in _ROW_NAMES:
        depth += 1
    columns = header[1 + depth :]
    heading = " / ".join(header[1 : 1 + depth])
    released = _md_headings(public)
    if len(released) == 1 + len(columns):  # as released: its heading, "2019*" for a part year
        heading, columns = released[0], released[1:]
    body = []
    for fields in rows[1:]:
        level = fields[0]
        labels = [label for label in fields[1 : 1 + depth] if label]
        body.append(
            {
                "label": "Grand Total" if level == "total" else (labels[-1] if labels else ""),
                "depth": 0 if level == "total" else max(len(labels) - 1, 0),
                "total": level == "total",
                "figures": fields[1 + depth :],
            }
        )
    txt = (_read(public / "table.txt") or "").splitlines()
    title = txt[0] if txt else ""
    blanks = [i for i, line in enumerate(txt) if not line.strip()]
    notes = [line for line in txt[blanks[1] + 1 :] if line.strip()] if len(blanks) > 1 else []
    return {
        "title": title,
        "heading": heading,
        "columns": columns,
        "rows": body,
        "notes": notes,
    }


def coverage(public: Path) -> list[dict[str, str]]:
    """``coverage.csv``'s rows (system, period, records searched, records with a mention)."""
    text = _read(public / "coverage.csv")
    if text is None:
        return []
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _unescaped(text: str) -> str:
    """Markdown as ``escape_markdown`` writes it, back to its text: backslash escapes and the
    entities of ``&``, ``<``, ``>``, ``&emsp;``."""
    return html.unescape(_ESCAPED.sub(r"\1", text))


def _inline(text: str) -> list[tuple[bool, str]]:
    """A line's runs, (bold, text): markdown's ``**bold**`` only; escapes undone."""
    parts = _BOLD.split(text)
    return [(i % 2 == 1, _unescaped(part)) for i, part in enumerate(parts) if part]


def _md_headings(public: Path) -> list[str]:
    """The column headings of ``table.md`` (the table's heading, each period as released,
    "2019*" for a part year, and Grand Total); none without the file."""
    for line in (_read(public / "table.md") or "").splitlines():
        if line.startswith("|"):
            cells = _CELL_BREAK.split(line.strip())[1:-1]
            return [_unescaped(cell.strip()) for cell in cells]
    return []


def method(public: Path) -> list[dict[str, Any]]:
    """``method.md`` as blocks the template writes: paragraphs, lists and tables (the
    markdown the method is written in: ``**bold**``, ``- `` items, ``|`` tables)."""
    text = _read(public / "method.md")
    if text is None:
        return []
    blocks: list[dict[str, Any]] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in chunk.splitlines() if line.strip()]
        if all(line.startswith("- ") for line in lines):
            blocks.append({"kind": "list", "items": [_inline(line[2:]) for line in lines]})
        elif (
            all(line.startswith("|") for line in lines)
            and len(lines) >= 2
            and any(re.fullmatch(r"\|?[\s:|-]+\|?", line) for line in lines)
        ):
            rule = [line for line in lines if re.fullmatch(r"\|?[\s:|-]+\|?", line)]
            right = [c.strip().endswith(":") for c in rule[0].strip().strip("|").split("|")]
            cells = [
                [_inline(c.strip()) for c in _CELL_BREAK.split(line.strip().strip("|"))]
                for line in lines
                if line not in rule
            ]
            blocks.append({"kind": "table", "head": cells[0], "rows": cells[1:], "right": right})
        else:
            blocks.append({"kind": "paragraph", "runs": _inline(" ".join(lines))})
    return blocks


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


# --- the pages -----------------------------------------------------------------------------


def _approvers(desk: Desk) -> list[str]:
    from sqlalchemy import select

    with desk.store.session() as db:
        return list(
            db.scalars(
                select(User.name).where(User.role == "approver", User.active).order_by(User.name)
            )
        )


def summary(state: ReleaseState) -> str:
    """The release in a few words, for the case page."""
    approved = state.approved
    if approved is not None:
        return f"Approved by {approved.by} on {approved.at:%Y-%m-%d}."
    if state.problem is not None:
        return state.problem
    if not state.answered:
        return "Not answered yet."
    if state.draft:
        return "The letter is a draft."
    reasons = state.reasons()
    if reasons:
        return f"Not ready to approve: {reasons[0]}"
    return "Ready to approve."


def panel_context(desk: Desk, case: Case) -> dict[str, Any]:
    """What the case page's release panel (``release_panel.html``) shows."""
    state = release_state(desk.store, desk.data, case)
    return {
        "release_state": state,
        "release_summary": summary(state),
        "release_link": f"/cases/{case.id}/release",
    }


def _release_page(
    request: Request,
    desk: Desk,
    who: Who,
    case: Case,
    *,
    message: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    state = release_state(desk.store, desk.data, case)
    public = case_folder(desk.data, case) / "public"
    four_eyes = None
    if who.user.role == "approver":
        try:
            four_eyes = state.four_eyes_reason(who.user, load_settings(desk.data).four_eyes)
        except FoideskError as exc:
            four_eyes = str(exc)
    context = {
        "title": f"Release of case {case.reference}",
        "case": case,
        "state": state,
        # an approved answer says so above the list, which keeps what else stands in the way
        "reasons": [str(r) for r in state.refusals() if not isinstance(r, AlreadyApproved)],
        "four_eyes": four_eyes,
        "table": released_table(public) if state.answered else None,
        "coverage": coverage(public) if state.answered else [],
        "method": method(public) if state.answered else [],
        "files": [(f.name, _size(f.size)) for f in state.files],
        "letter_pdf": any(name.endswith(".pdf") for name in state.letter),
        "approvers": _approvers(desk),
        "message": message,
        "done": DONE.get(done or ""),
    }
    return page(request, "release.html", context, status=status, who=who)


@router.get("/cases/{case_id}/release")
def release_page(
    request: Request, desk: DeskDep, who: WhoDep, case_id: int, done: str | None = None
) -> Response:
    return _release_page(request, desk, who, find_case(desk, case_id), done=done)


@router.get("/cases/{case_id}/public/{name}")
def public_file(desk: DeskDep, who: WhoDep, case_id: int, name: str) -> Response:
    """A file of the case's ``public/``: only a name listed there (never a path)."""
    from foidesk.desk.release import public_files

    case = find_case(desk, case_id)
    folder = case_folder(desk.data, case)
    if name not in {f.name for f in public_files(folder)}:
        raise Refused(404, f"The case's public files have no {name!r}.")
    path = folder / "public" / name
    media = MEDIA.get(path.suffix.lower(), "application/octet-stream")
    return FileResponse(path, media_type=media, filename=name)


@router.post("/cases/{case_id}/approve")
def approve_release(request: Request, desk: DeskDep, who: PostDep, case_id: int) -> Response:
    allow(who, "approve_release")
    case = find_case(desk, case_id)
    try:
        approve(desk.store, desk.data, case.id, who.user, today=desk.today())
    except FoideskError as exc:
        status = 403 if isinstance(exc, FourEyes) else 409 if isinstance(exc, NotNow) else 400
        return _release_page(request, desk, who, case, message=str(exc), status=status)
    return RedirectResponse(f"/cases/{case.id}/release?done=approved", status_code=303)
