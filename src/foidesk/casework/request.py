"""The request file: what population to count, what to search for, how to lay out the table.

A TOML file (DESIGN.md section 4, README "Request file") parsed into a frozen ``Request``.
Every problem (unknown key, bad date, ``from`` after ``to``, unknown offence group, missing
source file) raises ``RequestError`` naming the file and the key, before anything is written.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from foidesk.casework.home_office import home_office
from foidesk.errors import RequestError

ROW_DIMENSIONS = ("outcome", "offence", "platform", "system")
COLUMN_KINDS = ("year", "financial_year")
OFFENCE_LABELS = ("force", "home_office")
SOURCE_FORMATS = ("csv", "parquet", "snapshot")

_ALLOWED: dict[str, set[str]] = {
    "": {
        "reference",
        "received",
        "clarified",
        "request",
        "clarification",
        "population",
        "search",
        "table",
        "source",
        "force",
    },
    "population": {"from", "to", "offences", "prefer"},
    "search": {"lexicon", "terms"},
    "table": {"rows", "columns", "offence_label"},
    "source": {"path", "system", "data_quality_from", "format"},
    "force": {"name", "unit", "address", "email", "telephone", "signatory"},
}
_HO_CODE = re.compile(r"^\d{1,3}[A-Z]{0,2}$")

PLACEHOLDERS = {
    "name": "[FORCE NAME]",
    "unit": "[UNIT]",
    "address": "[ADDRESS]",
    "email": "[EMAIL]",
    "telephone": "[TELEPHONE]",
    "signatory": "[SIGNATORY]",
}


@dataclass(frozen=True)
class SourceSpec:
    """One extract file of one record system."""

    path: Path
    system: str
    format: str
    data_quality_from: date | None


@dataclass(frozen=True)
class ForceDetails:
    """The force's details for the letter; placeholders where the request has none."""

    name: str
    unit: str
    address: str
    email: str
    telephone: str
    signatory: str


@dataclass(frozen=True)
class Request:
    """A parsed, validated request file."""

    path: Path
    reference: str
    received: date
    clarified: date | None
    request_text: str
    clarification: str
    date_from: date
    date_to: date
    offence_terms: tuple[str, ...]  # as written: groups and codes
    offence_codes: tuple[str, ...]  # expanded Home Office codes
    lexicon_name: str  # search.lexicon: a built-in name or a file (relative to the request)
    search_terms: tuple[str, ...]  # search.terms as written (empty: the lexicon's default)
    rows: tuple[str, ...]
    columns: str
    offence_label: str
    sources: tuple[SourceSpec, ...]
    prefer: str  # which copy of a crime held by two systems wins: "later", "earlier", a system
    force: ForceDetails
    raw: dict[str, Any]

    @property
    def population_label(self) -> str:
        """How the population is named in the title, e.g. 'Drug Offences'."""
        ho = home_office()
        groups = [t.lower() for t in self.offence_terms if t.lower() in ho.offence_groups]
        codes = [t for t in self.offence_terms if t.lower() not in ho.offence_groups]
        parts = [ho.offence_group_labels.get(g, f"{g.title()} Offences") for g in groups]
        if codes:
            parts.append("Offences " + ", ".join(codes))
        return " and ".join(parts)


def _fail(path: Path, key: str, message: str) -> RequestError:
    return RequestError(f"{path}: {key}: {message}")


def _check_keys(path: Path, table: dict[str, Any], section: str, prefix: str) -> None:
    for key in table:
        if key not in _ALLOWED[section]:
            allowed = ", ".join(sorted(_ALLOWED[section]))
            raise _fail(path, f"{prefix}{key}", f"unknown key (expected one of: {allowed})")


def _date(path: Path, key: str, value: Any, required: bool = True) -> date | None:
    if value is None:
        if required:
            raise _fail(path, key, "is required (a date like 2019-04-26)")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail(path, key, f"expected a date like 2019-04-26, got {value!r}")


def _str(path: Path, key: str, value: Any, required: bool = True, default: str = "") -> str:
    if value is None:
        if required:
            raise _fail(path, key, "is required")
        return default
    if not isinstance(value, str):
        raise _fail(path, key, f"expected text, got {value!r}")
    return value


def _str_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise _fail(path, key, f"expected a non-empty list of names, got {value!r}")
    return tuple(v.strip() for v in value)


def _manifest(path: Path, key: str, folder: Path) -> dict[str, Any]:
    """The manifest of a snapshot folder named as a source."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(
            path, key + ".path", f"{folder} is a folder but not a snapshot (no manifest.json)"
        ) from None
    except json.JSONDecodeError as exc:
        raise _fail(path, key + ".path", f"{folder}/manifest.json is not valid JSON") from exc
    if not (folder / "crimes.parquet").is_file():
        raise _fail(path, key + ".path", f"{folder} has no crimes.parquet")
    return dict(manifest)


def load_request(path: Path) -> Request:
    """Read and validate a request file. Paths in it are relative to the file."""
    path = Path(path)
    if path.is_dir():
        raise RequestError(f"{path}: is a folder; give the request file (TOML)")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RequestError(f"{path}: request file not found") from exc
    except UnicodeDecodeError as exc:
        raise RequestError(f"{path}: request file is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RequestError(f"{path}: not valid TOML: {exc}") from exc
    _check_keys(path, raw, "", "")
    for section in ("population", "search", "table", "force"):
        if section in raw:
            if not isinstance(raw[section], dict):
                raise _fail(path, section, "must be a table, e.g. [" + section + "]")
            _check_keys(path, raw[section], section, section + ".")

    reference = _str(path, "reference", raw.get("reference"))
    received = _date(path, "received", raw.get("received"))
    clarified = _date(path, "clarified", raw.get("clarified"), required=False)
    assert received is not None
    if clarified is not None and clarified < received:
        raise _fail(path, "clarified", f"{clarified} is before received {received}")

    population = raw.get("population")
    if population is None:
        raise _fail(path, "population", "is required ([population] with from, to, offences)")
    date_from = _date(path, "population.from", population.get("from"))
    date_to = _date(path, "population.to", population.get("to"))
    assert date_from is not None and date_to is not None
    if date_from > date_to:
        raise _fail(path, "population.from", f"{date_from} is after population.to {date_to}")
    offence_terms = _str_list(path, "population.offences", population.get("offences", ["drugs"]))
    codes: list[str] = []
    groups = home_office().offence_groups
    for term in offence_terms:
        if term.lower() in groups:
            codes.extend(c for c in groups[term.lower()] if c not in codes)
        elif _HO_CODE.match(term.upper()):
            if term.upper() not in codes:
                codes.append(term.upper())
        else:
            known = ", ".join(sorted(groups))
            raise _fail(
                path,
                "population.offences",
                f"unknown offence group {term!r} (groups: {known}; or Home Office codes like 92D)",
            )

    search = raw.get("search", {})
    lexicon = _str(path, "search.lexicon", search.get("lexicon"), False, "social-media")
    terms = _str_list(path, "search.terms", search.get("terms")) if "terms" in search else ()

    table = raw.get("table", {})
    rows = _str_list(path, "table.rows", table.get("rows", ["outcome", "offence", "platform"]))
    for dim in rows:
        if dim not in ROW_DIMENSIONS:
            raise _fail(path, "table.rows", f"unknown row {dim!r} (one of {ROW_DIMENSIONS})")
    if len(set(rows)) != len(rows):
        raise _fail(path, "table.rows", "names a row dimension twice")
    columns = _str(path, "table.columns", table.get("columns"), False, "year")
    if columns not in COLUMN_KINDS:
        raise _fail(path, "table.columns", f"expected one of {COLUMN_KINDS}, got {columns!r}")
    offence_label = _str(path, "table.offence_label", table.get("offence_label"), False, "force")
    if offence_label not in OFFENCE_LABELS:
        raise _fail(
            path, "table.offence_label", f"expected one of {OFFENCE_LABELS}, got {offence_label!r}"
        )

    raw_sources = raw.get("source")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise _fail(path, "source", "at least one [[source]] with a path is required")
    sources: list[SourceSpec] = []
    for i, src in enumerate(raw_sources):
        key = f"source[{i + 1}]"
        if not isinstance(src, dict):
            raise _fail(path, key, "must be a table ([[source]])")
        _check_keys(path, src, "source", key + ".")
        src_path = Path(_str(path, key + ".path", src.get("path")))
        if not src_path.is_absolute():
            src_path = path.parent / src_path
        if not src_path.exists():
            raise _fail(path, key + ".path", f"source file not found: {src_path}")
        fmt = _str(path, key + ".format", src.get("format"), False, "")
        manifest: dict[str, Any] = {}
        if src_path.is_dir():
            fmt = fmt or "snapshot"
            manifest = _manifest(path, key, src_path)
        fmt = fmt or ("parquet" if src_path.suffix.lower() in (".parquet", ".pq") else "csv")
        if fmt not in SOURCE_FORMATS:
            raise _fail(path, key + ".format", f"expected one of {SOURCE_FORMATS}, got {fmt!r}")
        if (fmt == "snapshot") != src_path.is_dir():
            what = "a snapshot folder" if src_path.is_dir() else "a file"
            raise _fail(path, key + ".format", f"{src_path} is {what}, not format {fmt!r}")
        system = _str(
            path, key + ".system", src.get("system"), False, manifest.get("system") or src_path.stem
        )
        dq = _date(
            path,
            key + ".data_quality_from",
            src.get("data_quality_from", manifest.get("data_quality_from")),
            False,
        )
        sources.append(SourceSpec(src_path, system, fmt, dq))

    prefer = _str(path, "population.prefer", population.get("prefer"), False, "later")
    systems = [s.system for s in sources]
    if prefer not in ("later", "earlier") and prefer not in systems:
        raise _fail(
            path,
            "population.prefer",
            f"expected later, earlier or a source's system ({', '.join(systems)}), got {prefer!r}",
        )

    force_raw = raw.get("force", {})
    force = ForceDetails(
        **{
            k: _str(path, f"force.{k}", force_raw.get(k), False, placeholder)
            for k, placeholder in PLACEHOLDERS.items()
        }
    )
    return Request(
        path=path,
        reference=reference,
        received=received,
        clarified=clarified,
        request_text=_str(path, "request", raw.get("request"), False, ""),
        clarification=_str(path, "clarification", raw.get("clarification"), False, ""),
        date_from=date_from,
        date_to=date_to,
        offence_terms=offence_terms,
        offence_codes=tuple(codes),
        lexicon_name=lexicon,
        search_terms=terms,
        rows=rows,
        columns=columns,
        offence_label=offence_label,
        sources=tuple(sources),
        prefer=prefer,
        force=force,
        raw=raw,
    )
