"""Cases: a request file taken into the data folder (docs/desk.md).

``add_case`` reads the request with ``casework.request.load_request`` (every rule of the
request file applies), requires every source to lie inside ``DATA/sources/`` or a folder that
``DATA/desk.toml`` lists in ``allowed_sources`` (after symlinks are followed: a link in
``sources/`` to a file elsewhere is refused), and copies the request to
``DATA/cases/<slug>/request.toml`` with its paths rewritten to name the same files from
there: relative to the copy for files inside the data folder, absolute for others. The case
folder that ``foidesk answer`` / ``write_case`` writes is ``DATA/cases/<slug>/case/``; it is
not made here (``answer --out`` refuses a folder that exists).
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foidesk.desk.db import CASES_NAME, SETTINGS_NAME, SOURCES_NAME
from foidesk.desk.people import require
from foidesk.desk.store import Case, ClockEvent, Event, User, now
from foidesk.errors import DeskError

if TYPE_CHECKING:
    from foidesk.casework.request import Request
    from foidesk.desk.db import Store

REQUEST_NAME = "request.toml"  # the desk's copy of a case's request, in DATA/cases/<slug>/
FOLDER_NAME = "case"  # the case folder write_case writes, in DATA/cases/<slug>/
_SETTINGS_KEYS = ("allowed_sources", "four_eyes", "force")


@dataclass(frozen=True)
class DeskSettings:
    """``DATA/desk.toml``: ``allowed_sources``, folders besides ``DATA/sources`` whose files
    a case may read (relative to the data folder, or absolute); ``four_eyes``, whether an
    approver who decided any of a case's hits is refused its approval (``desk.release``; on
    unless turned off); ``force``, the ``[force]`` details of the force the desk serves (the
    keys of a request's ``[force]``; ``letter_template`` resolved against the data folder),
    which ``add_case`` gives every case whose request lacks them."""

    allowed_sources: tuple[Path, ...] = ()
    four_eyes: bool = True
    force: dict[str, Any] = field(default_factory=dict)


def _shown(value: Any, limit: int = 80) -> str:
    """A value quoted in a one-line message: ``repr``, cut to ``limit`` characters."""
    text = repr(str(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def data_named(text: str, data: Path) -> str:
    """``text`` with the data folder's path written ``DATA`` (as docs/desk.md names it), as
    given, absolute or resolved, and HTML-escaped: a page shows where a file is in the data
    folder, never the server's folders."""
    from markupsafe import escape

    forms = {str(data), str(Path(data).absolute()), str(Path(data).resolve())}
    forms |= {str(escape(form)) for form in forms}
    for path in sorted(forms, key=len, reverse=True):
        text = text.replace(path + "/", "DATA/").replace(path, "DATA")
    return text


def slug(reference: str) -> str:
    """The case's folder name: the reference in lower case, runs of anything but ASCII
    letters and digits as one ``-`` (``FOI2019/02832`` -> ``foi2019-02832``)."""
    made = re.sub(r"[^a-z0-9]+", "-", reference.lower()).strip("-")
    if not made:
        raise DeskError(
            f"reference {_shown(reference)}: has no letter a-z or digit to name its folder by"
        )
    return made


def case_request(data: Path, case: Case) -> Path:
    """The desk's copy of the case's request file."""
    return Path(data) / case.request_path


def case_folder(data: Path, case: Case) -> Path:
    """The case folder (``foidesk answer ... --out`` it, ``write_case(out=...)``)."""
    return Path(data) / case.folder_path


def load_settings(data: Path) -> DeskSettings:
    """Read ``DATA/desk.toml`` (no file: the defaults). Each ``allowed_sources`` entry must
    be a folder that exists."""
    path = Path(data) / SETTINGS_NAME
    if not path.exists():
        return DeskSettings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DeskError(f"{path}: not valid TOML: {str(exc).splitlines()[0]}") from None
    unknown = sorted(set(raw) - set(_SETTINGS_KEYS))
    if unknown:
        raise DeskError(
            f"{path}: unknown key {_shown(unknown[0])} (known: {', '.join(_SETTINGS_KEYS)})"
        )
    entries = raw.get("allowed_sources", [])
    if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
        raise DeskError(f'{path}: allowed_sources: a list of folders, e.g. ["/srv/extracts"]')
    folders = []
    for i, entry in enumerate(entries):
        folder = Path(data) / entry  # an absolute entry stays as it is
        if not folder.is_dir():
            raise DeskError(
                f"{path}: allowed_sources[{i + 1}]: {_shown(entry)} is not a folder that exists"
            )
        folders.append(folder)
    four_eyes = raw.get("four_eyes", True)
    if not isinstance(four_eyes, bool):
        raise DeskError(f"{path}: four_eyes: true or false (the four-eyes rule of approval)")
    return DeskSettings(
        allowed_sources=tuple(folders), four_eyes=four_eyes, force=_force(path, raw.get("force"))
    )


def _force(path: Path, table: Any) -> dict[str, Any]:
    """``desk.toml``'s ``[force]``: each detail checked by the request file's own rules (a
    blank detail is left out, as in a request); ``letter_template`` a .docx resolved against
    the data folder."""
    from foidesk.casework.request import (
        _ALLOWED,
        PLACEHOLDERS,
        _force_detail,
        _letter_template,
    )

    if table is None:
        return {}
    if not isinstance(table, dict):
        raise DeskError(f"{path}: force: a table, [force], with the force's details")
    known = sorted(_ALLOWED["force"])
    for key in table:
        if key not in known:
            raise DeskError(
                f"{path}: force.{_shown(key)[1:-1]}: unknown key (expected one of: "
                f"{', '.join(known)})"
            )
    details: dict[str, Any] = {}
    for key, placeholder in PLACEHOLDERS.items():
        if key in table and _force_detail(path, key, table[key], placeholder) != placeholder:
            details[key] = table[key]
    template = _letter_template(path, table.get("letter_template"))
    if template is not None:
        details["letter_template"] = template
    return details


def source_roots(data: Path) -> tuple[Path, ...]:
    """The folders (symlinks resolved) a case's sources must lie in: ``DATA/sources`` and
    ``allowed_sources``."""
    settings = load_settings(data)
    return tuple(root.resolve() for root in (Path(data) / SOURCES_NAME, *settings.allowed_sources))


def _check_sources(request: Request, roots: tuple[Path, ...], data: Path) -> None:
    """Refuse a source (or, for a snapshot folder, any file in it) that is not inside one of
    ``roots`` once symlinks are followed."""
    sources_raw = request.raw.get("source", [])
    for i, spec in enumerate(request.sources):
        key = f"source[{i + 1}].path"
        written = sources_raw[i].get("path", str(spec.path))
        paths = [spec.path]
        if spec.path.is_dir():
            paths += sorted(spec.path.rglob("*"))
        for path in paths:
            real = path.resolve()
            if not any(real.is_relative_to(root) for root in roots):
                inside = "" if path == spec.path else f" holds {_shown(path.name)}, which"
                allowed = Path(data) / SOURCES_NAME
                raise DeskError(
                    f"{request.path}: {key}: {_shown(written)}{inside} is {real}, outside the "
                    f"data folder's sources ({allowed}) and desk.toml allowed_sources; put "
                    "the extract there"
                )


def _written(target: Path, data: Path, home: Path) -> str:
    """How the copy of a request at ``home`` names ``target``: relative to ``home`` inside
    the data folder (the folder can move), absolute outside it."""
    if target.is_relative_to(data):
        return Path(os.path.relpath(target, home)).as_posix()
    return str(target)


def _inferred_format(path: Path) -> str:
    return "parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv"


def _rewritten(request: Request, data: Path, home: Path) -> dict[str, Any]:
    """The request's table with every path in it naming the same file from ``home``."""
    from foidesk.search.lexicon import builtin_lexicons

    raw = copy.deepcopy(request.raw)
    for src, spec in zip(raw["source"], request.sources, strict=True):
        target = spec.path.resolve()
        src["path"] = _written(target, data, home)
        # the link's name said the format; its target's name may not
        kept = spec.format == "snapshot" or _inferred_format(target) == spec.format
        if "format" not in src and not kept:
            src["format"] = spec.format
    search = raw.get("search", {})
    lexicon = search.get("lexicon")
    if isinstance(lexicon, str) and lexicon not in builtin_lexicons():
        search["lexicon"] = _written((request.path.parent / lexicon).resolve(), data, home)
    if request.letter_template is not None:
        raw["force"]["letter_template"] = _written(request.letter_template.resolve(), data, home)
    if request.disclosure.earlier:
        raw["disclosure"]["earlier"] = [
            _written(p.resolve(), data, home) for p in request.disclosure.earlier
        ]
    return raw


# --- writing the copy: the file as it was, with only its path values changed ----------------

_HEADER = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?")
_KEY_VALUE = re.compile(
    r"(?P<lead>\s*(?P<key>[A-Za-z0-9_-]+)\s*=\s*)"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'[^']*'|\[[^\]\n]*\])"
    r"(?P<tail>\s*(?:#.*)?)"
)


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL escaped as TOML requires)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, date):  # a date (a request holds no times)
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    raise DeskError(f"cannot write a value of type {type(value).__name__} in a request")


def _toml_document(table: dict[str, Any]) -> str:
    """A whole TOML document for ``table``: scalars first, then ``[tables]`` and
    ``[[arrays of tables]]``."""
    lines: list[str] = []
    later: list[tuple[str, Any]] = []
    for key, value in table.items():
        if isinstance(value, dict) or (
            isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
        ):
            later.append((key, value))
        else:
            lines.append(f"{_toml_string(key)} = {_toml_value(value)}")
    for key, value in later:
        for entry in value if isinstance(value, list) else [value]:
            opener = "[[" if isinstance(value, list) else "["
            closer = "]]" if isinstance(value, list) else "]"
            lines += ["", f"{opener}{_toml_string(key)}{closer}"]
            lines += [f"{_toml_string(k)} = {_toml_value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


def _edited(text: str, original: dict[str, Any], wanted: dict[str, Any]) -> str:
    """``text`` with the path values that differ between ``original`` and ``wanted``
    replaced where they are written (``[[source]] path``, ``[search] lexicon``, ``[force]
    letter_template``, ``[disclosure] earlier``), keeping every comment. A value written in
    a way this does not follow (a dotted key, an inline table) is left as it was: the caller
    reads the result back and writes the whole table when it is not ``wanted``."""
    out: list[str] = []
    table = ""
    source = -1
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        header = _HEADER.fullmatch(body)
        if header and not body.lstrip().startswith(("'", '"')):
            table = header.group(2).strip()
            if header.group(1) == "[[" and table == "source":
                source += 1
            out.append(line)
            continue
        match = _KEY_VALUE.fullmatch(body)
        new: Any = None
        if match:
            key = match.group("key")
            if table == "source" and key == "path" and source >= 0:
                new = wanted["source"][source]["path"]
                if new == original["source"][source]["path"]:
                    new = None
            elif (table, key) in (
                ("search", "lexicon"),
                ("force", "letter_template"),
                ("disclosure", "earlier"),
            ):
                old_value = original.get(table, {}).get(key)
                if wanted[table][key] != old_value:
                    new = wanted[table][key]
        if match and new is not None:
            ending = line[len(body) :]
            out.append(match.group("lead") + _toml_value(new) + match.group("tail") + ending)
        else:
            out.append(line)
    return "".join(out)


def rewrite_paths(text: str, original: dict[str, Any], wanted: dict[str, Any], note: str) -> str:
    """A request file's ``text`` (read as ``original``) with its paths changed to ``wanted``'s,
    checked by reading it back: edited in place, comments kept, when it can be; else written
    whole, opening with the comment ``note`` (its own comments lost). Used by ``add_case``
    for the desk's copy and by the desk's page for an uploaded request."""
    try:
        edited = _edited(text, original, wanted)
        if tomllib.loads(edited) == wanted:
            return edited
    except (tomllib.TOMLDecodeError, KeyError, TypeError, IndexError):
        pass
    whole = f"# {note}\n" + _toml_document(wanted)
    if tomllib.loads(whole) != wanted:  # pragma: no cover: _toml_document writes every type
        raise DeskError(f"{note}: the request could not be written faithfully")
    return whole


def _copy_text(request: Request, wanted: dict[str, Any], added: dict[str, Any]) -> str:
    """The copy's text: the request file with the force's details ``added`` to its
    ``[force]`` (``_with_force``) and its paths changed (``rewrite_paths``)."""
    text, raw = request.path.read_text(encoding="utf-8"), request.raw
    if added:
        text, raw = _with_force(text, raw, added)
    return rewrite_paths(
        text,
        raw,
        wanted,
        f"{request.reference}: copied by foidesk cases add from {request.path}, its paths "
        "rewritten (its comments are in the original)",
    )


def _force_added(
    request: Request, settings: DeskSettings, data: Path, home: Path
) -> dict[str, Any]:
    """The details of ``desk.toml``'s ``[force]`` that the request's ``[force]`` lacks (the
    request's own values win), as the copy writes them (a letterhead named from ``home``)."""
    held = request.raw.get("force", {})
    added: dict[str, Any] = {}
    for key, value in settings.force.items():
        if key in held:
            continue
        added[key] = _written(value.resolve(), data, home) if key == "letter_template" else value
    return added


def _with_force(
    text: str, raw: dict[str, Any], added: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """``text`` (read as ``raw``) with the keys ``added`` written into its ``[force]`` table:
    below its ``[force]`` line, or in a ``[force]`` table put at the end when it has none; and
    the table it now reads as. Comments are kept. A ``[force]`` written another way (an
    inline table, dotted keys) is left as it was: ``rewrite_paths`` then writes the whole
    file."""
    lines = [f"{key} = {_toml_value(value)}\n" for key, value in added.items()]
    note = "# from the desk's desk.toml [force] (the request did not give these)\n"
    wanted = copy.deepcopy(raw)
    wanted.setdefault("force", {}).update(added)
    out = text.splitlines(keepends=True)
    if "force" not in raw:
        ending = "" if not out or out[-1].endswith(("\n", "\r")) else "\n"
        edited = text + ending + "\n[force]\n" + note + "".join(lines)
    else:
        at = next(
            (
                i
                for i, line in enumerate(out)
                if (header := _HEADER.fullmatch(line.rstrip("\r\n")))
                and header.group(1) == "["
                and header.group(2).strip() == "force"
            ),
            None,
        )
        if at is None:
            return text, raw
        edited = "".join([*out[: at + 1], note, *lines, *out[at + 1 :]])
    try:
        if tomllib.loads(edited) == wanted:
            return edited, wanted
    except tomllib.TOMLDecodeError:
        pass
    return text, raw  # pragma: no cover: rewrite_paths writes the whole file


def _same_sources(original: Request, copied: Request) -> bool:
    if len(original.sources) != len(copied.sources):
        return False
    return all(
        a.path.resolve() == b.path.resolve() and a.format == b.format and a.system == b.system
        for a, b in zip(original.sources, copied.sources, strict=True)
    )


def _clock(request: Request) -> list[tuple[str, date]]:
    """The clock's events the request file itself gives: received, and a clarification
    received (``clarified``: the clock restarts there). The file does not say when the
    clarification was sought; it is dated the day the request was received, which moves no
    date (``casework.clock`` needs one sought before one received)."""
    events = [("received", request.received)]
    if request.clarified is not None:
        events.append(("clarification_sought", request.received))
        events.append(("clarification_received", request.clarified))
    return events


def add_case(
    store: Store,
    data: Path,
    request_path: Path,
    by: User | None = None,
    *,
    source_name: str | None = None,
) -> Case:
    """Take the request file at ``request_path`` into the data folder ``data`` as a case
    (status "received"): its copy at ``DATA/cases/<slug>/request.toml``, the case's row, a
    ``received`` clock event dated the request's ``received`` (and a
    ``clarification_received`` one when it gives ``clarified``), and the ``case.add`` event
    with who and when. ``by`` must be allowed to create cases (None: the command line).
    ``source_name``: how the event names where the request came from (the page's upload: the
    file's name, not the temporary path it was read from); None: its path."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from foidesk.casework.request import load_request

    require(by, "create_case")
    data = Path(data)
    request = load_request(Path(request_path))
    settings = load_settings(data)
    _check_sources(request, source_roots(data), data)
    name = slug(request.reference)
    with store.session() as session:
        held = session.scalars(select(Case).where(Case.reference == request.reference)).first()
        if held is not None:
            raise DeskError(
                f"{request.path}: reference {request.reference} is already a case in the "
                f"store (its request: {data / held.request_path})"
            )
    home = data / CASES_NAME / name
    try:
        home.mkdir(parents=True, exist_ok=False)
    except FileExistsError:
        raise DeskError(
            f"{request.path}: reference {request.reference}: {home} already exists (another "
            "case's reference makes the same folder name, or a case left behind); move it away"
        ) from None
    try:
        wanted = _rewritten(request, data.resolve(), home.resolve())
        added = _force_added(request, settings, data.resolve(), home.resolve())
        if added:
            wanted.setdefault("force", {}).update(added)
        copy_path = home / REQUEST_NAME
        copy_path.write_text(_copy_text(request, wanted, added), encoding="utf-8")
        copied = load_request(copy_path)
        if not _same_sources(request, copied):  # pragma: no cover: a bug, not a person's error
            raise DeskError(f"{copy_path}: the copy's sources are not the request's")
        at = now()
        user_id = by.id if by is not None else None
        relative_request = f"{CASES_NAME}/{name}/{REQUEST_NAME}"
        relative_folder = f"{CASES_NAME}/{name}/{FOLDER_NAME}"
        case = Case(
            reference=request.reference,
            title=request.title,
            received=request.received,
            status="received",
            request_path=relative_request,
            folder_path=relative_folder,
            created=at,
        )
        with store.session() as session:
            session.add(case)
            session.flush()
            clock = [
                ClockEvent(case_id=case.id, kind=kind, date=day, value=None, user_id=user_id, at=at)
                for kind, day in _clock(request)
            ]
            session.add_all(clock)
            session.add(
                Event(
                    case_id=case.id,
                    user_id=user_id,
                    at=at,
                    action="case.add",
                    before=None,
                    after={
                        "reference": case.reference,
                        "title": case.title,
                        "received": case.received.isoformat(),
                        "status": case.status,
                        "request_path": relative_request,
                        "folder_path": relative_folder,
                        "from": source_name if source_name is not None else str(request.path),
                        "clock": [{"kind": k, "date": d.isoformat()} for k, d in _clock(request)],
                    },
                )
            )
    except IntegrityError:
        shutil.rmtree(home, ignore_errors=True)
        raise DeskError(
            f"{request.path}: reference {request.reference} is already a case in the store"
        ) from None
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)
        raise
    return case
