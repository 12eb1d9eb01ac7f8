"""A case's release and its approval (docs/desk.md, "Release and approval").

Place in the flow: the last step of a case on the desk. The analyst's search (``foidesk.answer``
+ ``write_case``) leaves the case folder's ``public/`` (the table after disclosure control, the
coverage, the method, the letter) and ``internal/`` (the audit, the evidence, the decisions);
``release_state`` reads what is there and says whether it may be approved; ``approve`` lets an
approver approve it: the release is added to the disclosure log
(``disclosure_log.add_to_log``, into ``DATA/disclosure-log/``), then an ``Approval`` and its
``Event`` are stored.

An approval names the answer it approved by the sha256 of ``internal/audit.json``: a case
searched again after its approval is another answer, which needs its own. Refused, each in one
line (``DeskError``): a case not answered, a search running, decisions made since the last
answer (search again), possible hits undecided, a draft letter (naming the ``[force]`` details
missing), a public file not as the search wrote it, an answer already approved, and, under
the four-eyes rule (``desk.toml`` ``four_eyes``, on by default), an approver whose name is on
any decision in the case's log.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foidesk.case_folder import public_changes
from foidesk.desk.cases import case_folder, load_settings
from foidesk.desk.people import require
from foidesk.desk.store import Approval, Case, Event, Job, User, now
from foidesk.errors import DeskError, FoideskError
from foidesk.ingest.hashing import sha256_file

if TYPE_CHECKING:
    from foidesk.desk.db import Store

LOG_NAME = "disclosure-log"  # DATA/disclosure-log/: the disclosure log approvals add to
AUDIT = ("internal", "audit.json")
UNDECIDED = "undecided"  # a hit's status in the evidence (counting.counted)
# a letter's placeholder -> the [force] key that fills it
FORCE_KEYS = {
    "FORCE NAME": "name",
    "UNIT": "unit",
    "ADDRESS": "address",
    "EMAIL": "email",
    "TELEPHONE": "telephone",
    "SIGNATORY": "signatory",
}
LETTERS = ("letter.pdf", "letter.docx", "letter-draft.pdf", "letter-draft.docx")
# one approval at a time in this process: the check and the log's write go together
_approving = threading.Lock()


class NotNow(DeskError):
    """An approval refused because of what is happening to the case now (a search running,
    the answer already approved, answered again meanwhile): a conflict, not a mistake."""


class AlreadyApproved(NotNow):
    """An approval refused because the answer in the case folder is approved already."""


class FourEyes(DeskError):
    """An approval refused by the four-eyes rule: the approver reviewed the case's hits."""


@dataclass(frozen=True)
class PublicFile:
    """A file of the case's ``public/`` folder: its name and size in bytes."""

    name: str
    size: int


@dataclass(frozen=True)
class Approved:
    """An approval as the page shows it: who, when, which answer, and whether that answer is
    the one in the case folder now."""

    id: int
    by: str
    at: datetime
    audit_sha256: str
    log_path: str
    current: bool


@dataclass(frozen=True)
class ReleaseState:
    """What a case's release is now, read from its folder and the store."""

    case_id: int
    reference: str
    folder: Path
    answered: bool
    files: tuple[PublicFile, ...]
    draft: bool  # the letter still holds placeholders (the audit's letter.draft)
    missing: tuple[str, ...]  # the letter's unfilled placeholders ("FORCE NAME", ...)
    letter_date: date | None
    pending: int  # decisions made since the case was last answered
    undecided: int  # possible hits no one has decided
    reviewers: tuple[str, ...]  # everyone named on a decision in the case's log
    audit_sha256: str | None
    approvals: tuple[Approved, ...]  # oldest first
    searching: bool  # a search job of the case is running
    problem: str | None = None  # the case folder could not be read: why
    changed: tuple[str, ...] = ()  # public files not as the last search wrote them

    @property
    def approved(self) -> Approved | None:
        """The approval of the answer in the case folder now, or None (also when a public
        file has changed since the search: what is there now was not approved)."""
        if self.changed:
            return None
        return next((a for a in self.approvals if a.current), None)

    @property
    def letter(self) -> tuple[str, ...]:
        """The letter's files present, PDF first."""
        names = {f.name for f in self.files}
        return tuple(n for n in LETTERS if n in names)

    def reasons(self) -> list[str]:
        """Why the answer cannot be approved now, each in one line; none when it can (the
        four-eyes rule, which depends on the approver, is ``four_eyes_reason``'s)."""
        return [str(refusal) for refusal in self.refusals()]

    def refusals(self) -> list[DeskError]:
        """``reasons`` as the errors ``approve`` raises: ``NotNow`` for what is happening to
        the case (approved already, a search running), ``DeskError`` for the others."""
        if self.problem is not None:
            return [DeskError(self.problem)]
        running = NotNow("A search of this case is running: wait for it to end.")
        if not self.answered:
            if self.searching:
                return [running]
            return [DeskError("The case has not been answered yet: run its search first.")]
        out: list[DeskError] = []
        if self.approved is not None:
            a = self.approved
            out.append(
                AlreadyApproved(
                    f"This answer is already approved (by {a.by}, {a.at:%Y-%m-%d %H:%M} UTC)."
                )
            )
        if self.searching:
            out.append(running)
        if self.changed:
            names = ", ".join(f"public/{n}" for n in self.changed[:3])
            more = f" and {len(self.changed) - 3} more" if len(self.changed) > 3 else ""
            out.append(
                DeskError(
                    f"{names}{more} changed after the search wrote it: what is approved must "
                    "be what foidesk wrote and scanned; search again."
                )
            )
        if self.pending:
            n = self.pending
            out.append(
                DeskError(
                    f"{n} {'decision was' if n == 1 else 'decisions were'} made after the case "
                    "was last answered: search again so that the table counts "
                    f"{'it' if n == 1 else 'them'}."
                )
            )
        if self.undecided:
            n = self.undecided
            out.append(
                DeskError(
                    f"{n} possible {'hit is' if n == 1 else 'hits are'} undecided: review "
                    f"{'it' if n == 1 else 'them'} first."
                )
            )
        if self.draft:
            out.append(DeskError(draft_reason(self.missing)))
        elif not any(name.endswith(".pdf") for name in self.letter):
            out.append(
                DeskError(
                    "The letter has no PDF (LibreOffice was not found when the case was "
                    "answered): the disclosure log keeps the PDF; search again with LibreOffice "
                    "installed."
                )
            )
        return out

    def four_eyes_reason(self, user: User, four_eyes: bool = True) -> str | None:
        """The four-eyes rule: an approver who took part in the review (their name on any
        decision in the case's log, held, overridden or undone; compared as ``person``
        compares names) may not approve it."""
        if not four_eyes:
            return None
        if person(user.name) in {person(name) for name in self.reviewers}:
            return "You reviewed this case's hits: another approver must approve it."
        return None


def person(name: str) -> str:
    """A name as the four-eyes rule compares it: Unicode-normalised (NFKC), without the
    whitespace around it, without regard to letter case (" APPROVER" is "approver")."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def draft_reason(missing: tuple[str, ...]) -> str:
    """The one line of a draft letter: which ``[force]`` details (or other placeholders) it
    lacks and where to give them."""
    force = [FORCE_KEYS[m] for m in missing if m in FORCE_KEYS]
    others = [f"[{m}]" for m in missing if m not in FORCE_KEYS]
    parts = ([f"[force] {', '.join(force)}"] if force else []) + others
    what = "; ".join(parts) if parts else "placeholders"
    return (
        f"The letter is a draft: {what} missing. Give them in the case's request (or, for "
        "new cases, the data folder's desk.toml [force]) and search again."
    )


def public_files(folder: Path) -> tuple[PublicFile, ...]:
    """The files directly in the case's ``public/`` (no folders, no links), by name."""
    public = folder / "public"
    if not public.is_dir() or public.is_symlink():
        return ()
    return tuple(
        PublicFile(p.name, p.stat().st_size)
        for p in sorted(public.iterdir())
        if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
    )


def _hits(folder: Path) -> list[tuple[str, str]]:
    """(hit id, status) of each hit of the evidence."""
    import pyarrow.parquet as pq

    path = folder / "internal" / "evidence.parquet"
    if not path.is_file():
        return []
    table = pq.read_table(path, columns=["hit_id", "status"])
    return list(
        zip(table.column("hit_id").to_pylist(), table.column("status").to_pylist(), strict=True)
    )


def _letter_date(audit: dict[str, Any]) -> date | None:
    letter = audit.get("letter")
    try:
        return date.fromisoformat(str(letter["date"])) if isinstance(letter, dict) else None
    except (KeyError, ValueError):
        return None


def _missing(audit: dict[str, Any]) -> tuple[str, ...]:
    """The letter's unfilled placeholders, from the audit's ``letter-placeholders`` notice."""
    for notice in audit.get("notices", []):
        if isinstance(notice, dict) and notice.get("kind") == "letter-placeholders":
            return tuple(str(p) for p in notice.get("placeholders", []))
    return ()


def _approvals(store: Store, case_id: int, sha: str | None) -> tuple[Approved, ...]:
    from sqlalchemy import select

    with store.session() as db:
        rows = db.execute(
            select(Approval, User.name)
            .join(User, User.id == Approval.user_id)
            .where(Approval.case_id == case_id)
            .order_by(Approval.id)
        ).all()
    return tuple(
        Approved(a.id, name, a.at, a.audit_sha256, a.log_path, a.audit_sha256 == sha)
        for a, name in rows
    )


def _searching(store: Store, case_id: int) -> bool:
    from sqlalchemy import select

    with store.session() as db:
        running = db.scalars(
            select(Job.id).where(Job.case_id == case_id, Job.state == "running")
        ).first()
    return running is not None


def release_state(store: Store, data: Path, case: Case) -> ReleaseState:
    """What the case's release is now: answered or not, its public files, the letter, the
    decisions pending and hits undecided, the approvals, a search running. A case folder that
    cannot be read gives a state whose ``problem`` says why (never an exception)."""
    from foidesk.casework.decisions import DecisionLog, latest

    folder = case_folder(data, case)
    audit_path = folder.joinpath(*AUDIT)
    base: dict[str, Any] = {
        "case_id": case.id,
        "reference": case.reference,
        "folder": folder,
        "answered": False,
        "files": public_files(folder),
        "draft": False,
        "missing": (),
        "letter_date": None,
        "pending": 0,
        "undecided": 0,
        "reviewers": (),
        "audit_sha256": None,
        "searching": _searching(store, case.id),
    }
    if not audit_path.is_file():
        return ReleaseState(**base, approvals=_approvals(store, case.id, None))
    try:
        sha = sha256_file(audit_path)
        audit = json.loads(audit_path.read_text(encoding="utf-8"))
        if not isinstance(audit, dict):
            raise ValueError("not a JSON object")
        decisions = DecisionLog(folder / "internal").read()
        hits = _hits(folder)
    except (OSError, ValueError, FoideskError) as exc:
        line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return ReleaseState(
            **base,
            approvals=_approvals(store, case.id, None),
            problem=f"The case folder cannot be read ({line}): search again.",
        )
    holding = latest(decisions)
    applied = int(audit.get("review", {}).get("decisions_in_log", 0))
    letter = audit.get("letter")
    base |= {
        "answered": True,
        "draft": bool(letter.get("draft")) if isinstance(letter, dict) else False,
        "missing": _missing(audit),
        "letter_date": _letter_date(audit),
        "pending": max(len(decisions) - applied, 0),
        "undecided": sum(1 for h, s in hits if s == UNDECIDED and h not in holding),
        # four eyes: anyone who took part in the review, whether their decision still holds
        # or was overridden or undone since (an undo re-appends an earlier decision under
        # the name of whoever pressed it)
        "reviewers": tuple(sorted({d.by for d in decisions})),
        "changed": tuple(public_changes(folder)),
        "audit_sha256": sha,
    }
    return ReleaseState(**base, approvals=_approvals(store, case.id, sha))


def approve(store: Store, data: Path, case_id: int, user: User, *, today: date) -> Approval:
    """Approve the answer in the case folder of case ``case_id`` as ``user`` (an approver):
    add it to the disclosure log ``DATA/disclosure-log`` (answered on the letter's date;
    ``today`` when the audit has none), then store the ``Approval`` and its ``release.approve``
    event. Refused in one line (``DeskError``) for each reason of ``ReleaseState.reasons``,
    the four-eyes rule, and whatever ``add_to_log`` refuses; nothing is stored then."""
    from foidesk.case_folder import case_lock
    from foidesk.disclosure_log.book import add_to_log

    require(user, "approve_release")
    data = Path(data)
    with store.session() as db:
        case = db.get(Case, case_id)
    if case is None:
        raise DeskError(f"there is no case {case_id}")
    four_eyes = load_settings(data).four_eyes
    folder = case_folder(data, case)
    log = data / LOG_NAME
    with _approving:
        state = release_state(store, data, case)
        refusals = state.refusals()
        if refusals:
            raise refusals[0]
        rule = state.four_eyes_reason(user, four_eyes)
        if rule is not None:
            raise FourEyes(rule)
        assert state.audit_sha256 is not None
        try:
            with case_lock(folder):  # no search writes the folder while it is logged
                if sha256_file(folder.joinpath(*AUDIT)) != state.audit_sha256:
                    raise NotNow("The case was answered again meanwhile: look at it again.")
                added = add_to_log(folder, log, answered=state.letter_date or today, replace=False)
        except DeskError:
            raise
        except FoideskError as exc:
            raise DeskError(str(exc)) from None
        at = now()
        previous = state.approvals[-1] if state.approvals else None
        page = (
            added.page.relative_to(data).as_posix()
            if added.page.is_relative_to(data)
            else str(added.page)
        )
        approval = Approval(
            case_id=case_id,
            user_id=user.id,
            at=at,
            audit_sha256=state.audit_sha256,
            log_path=LOG_NAME,
        )
        try:
            with store.session() as db:
                db.add(approval)
                db.flush()
                db.add(
                    Event(
                        case_id=case_id,
                        user_id=user.id,
                        at=at,
                        action="release.approve",
                        before={
                            "approved_audit_sha256": previous.audit_sha256 if previous else None,
                        },
                        after={
                            "approval_id": approval.id,
                            "approved_audit_sha256": state.audit_sha256,
                            "log": LOG_NAME,
                            "page": page,
                            "answered": added.entry.answered.isoformat(),
                            "replaced_in_log": added.replaced,
                        },
                    )
                )
        except Exception as exc:
            raise DeskError(
                f"The release was added to the disclosure log ({page}) but its approval could "
                f"not be stored ({type(exc).__name__}): approve it again."
            ) from exc
    return approval
