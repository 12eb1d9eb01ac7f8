"""``foidesk match``: run the matcher over a file of texts and emit one JSON line per input.

Input is JSON lines (``{"id": ..., "text": ...}``, more fields as ``text_*``), CSV or Parquet
with an ``id`` column and ``text`` / ``text_*`` columns. Output keeps the input order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from foidesk.errors import SourceError
from foidesk.search.lexicon import CERTAIN
from foidesk.search.matcher import Hit, Matcher

CHUNK = 10_000


def _text_fields(names: list[str]) -> list[str]:
    return [n for n in names if n == "text" or n.startswith("text_")]


def _jsonl_batches(path: Path) -> Iterator[pa.Table]:
    rows: list[dict[str, Any]] = []
    fields: list[str] = []
    with path.open("rb") as f:
        for line_no, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise SourceError(f"{path}: line {line_no}: not UTF-8 ({exc.reason})") from exc
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SourceError(f"{path}: line {line_no}: not valid JSON ({exc.msg})") from exc
            if not isinstance(obj, dict) or "id" not in obj:
                raise SourceError(f"{path}: line {line_no}: needs an object with an 'id' key")
            names = _text_fields(list(obj))
            if not names:
                raise SourceError(f"{path}: line {line_no}: no 'text' key")
            for name in names:
                if obj[name] is not None and not isinstance(obj[name], str):
                    raise SourceError(f"{path}: line {line_no}: {name} must be a string")
                if name not in fields:
                    fields.append(name)
            rows.append(obj)
            if len(rows) >= CHUNK:
                yield _rows_table(rows, fields)
                rows = []
    if rows:
        yield _rows_table(rows, fields)


def _rows_table(rows: list[dict[str, Any]], fields: list[str]) -> pa.Table:
    data: dict[str, Any] = {"id": pa.array([json.dumps(r["id"]) for r in rows])}
    for name in fields:
        data[name] = pa.array([r.get(name) for r in rows], type=pa.string())
    return pa.table(data)


def _table_batches(path: Path) -> Iterator[pa.Table]:
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            table = pq.read_table(path)
        else:
            opts = pacsv.ConvertOptions(strings_can_be_null=False, auto_dict_encode=False)
            read = pacsv.ReadOptions(block_size=1 << 24)
            parse = pacsv.ParseOptions(newlines_in_values=True)
            table = pacsv.read_csv(
                path, read_options=read, parse_options=parse, convert_options=opts
            )
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceError(f"{path}: cannot be read: {exc}") from exc
    if "id" not in table.column_names:
        raise SourceError(f"{path}: missing column 'id'")
    fields = _text_fields(table.column_names)
    if not fields:
        raise SourceError(f"{path}: missing column 'text'")
    ids = pa.array([json.dumps(v, default=str) for v in table.column("id").to_pylist()])
    try:
        texts = {f: table.column(f).cast(pa.large_string()) for f in fields}
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SourceError(f"{path}: a text column is not UTF-8 text ({exc})") from exc
    table = pa.table({"id": ids, **texts})
    for batch in table.to_batches(CHUNK):
        yield pa.Table.from_batches([batch])


EXPLAIN_WINDOW = 40


def explain_hit(hit: Hit, text: str, window: int = EXPLAIN_WINDOW) -> str:
    """One hit as a readable line with its rule, signal and a context window."""
    left = text[max(0, hit.start - window) : hit.start]
    right = text[hit.end : hit.end + window]
    lead = "…" if hit.start > window else ""
    tail = "…" if hit.end + window < len(text) else ""
    context = f"{lead}{left}«{hit.matched}»{right}{tail}".replace("\n", " ")
    signal = f" ({hit.signal})" if hit.signal else ""
    return (
        f"  {hit.platform:<9} {hit.certainty:<8} {hit.field}[{hit.start}:{hit.end}] "
        f"rule {hit.rule}{signal}\n"
        f"            {context}"
    )


def _conditions(matcher: Matcher) -> dict[str, str]:
    """rule name -> the record condition its hits are subject to (the rule's and its term's),
    for the rules that have one."""
    found = {}
    for platform in matcher.platforms:
        for rule in platform.rules:
            written = [c.written for c in (platform.condition, rule.condition) if c is not None]
            if written:
                found[rule.name] = "; ".join(written)
    return found


def conditions_warning(matcher: Matcher) -> str:
    """The line ``foidesk match`` prints on stderr when the lexicon has record conditions."""
    if not _conditions(matcher):
        return ""
    return (
        "foidesk: note: this lexicon counts some terms only in some offences (record "
        "conditions); match sees text only, so it reports those hits as if every condition "
        'held, and marks them "condition"'
    )


def _explained_terms(hits: list[Hit]) -> str:
    """'Facebook, Snapchat (possible: Twitter)' or 'no mention'."""
    certain = sorted({h.platform for h in hits if h.certainty == CERTAIN})
    possible = sorted({h.platform for h in hits} - set(certain))
    text = ", ".join(certain)
    if possible:
        text += (" " if text else "") + f"(possible: {', '.join(possible)})"
    return text or "no mention"


def match_file(path: Path, matcher: Matcher, out: TextIO, explain: bool = False) -> int:
    """Write one JSON line per input record to ``out`` (or, with ``explain``, each record's
    hits as readable lines with context); returns the number of records."""
    if not path.is_file():
        raise SourceError(f"{path}: file not found")
    batches = (
        _jsonl_batches(path)
        if path.suffix.lower() in (".jsonl", ".json", ".ndjson")
        else (_table_batches(path))
    )
    # the older names, kept for the social-media lexicon's users: "platforms", "platform"
    platforms_alias = matcher.lexicon.words.term == "platform"
    # the record conditions (offences a term or rule counts in): this command sees text only,
    # so it reports every hit as if they held, and says which hits they would apply to
    conditions = _conditions(matcher)
    count = 0
    for table in batches:
        per_row: dict[int, list[Hit]] = {}
        for name in table.column_names[1:]:
            for hit in matcher.match_array(table.column(name), name):
                per_row.setdefault(hit.row, []).append(hit)
        ids = table.column("id").to_pylist()
        for i, raw_id in enumerate(ids):
            hits = per_row.get(i, [])
            if explain:
                names = _explained_terms(hits)
                out.write(f"{json.loads(raw_id)}: {names}\n")
                for hit in hits:
                    text = table.column(hit.field)[i].as_py()
                    out.write(explain_hit(hit, text) + "\n")
                    if hit.rule in conditions:
                        out.write(
                            f"            counted {conditions[hit.rule]} (not checked here)\n"
                        )
                continue
            certain = {h.platform for h in hits if h.certainty == CERTAIN}
            possible = {h.platform for h in hits} - certain
            record: dict[str, Any] = {
                "id": json.loads(raw_id),
                "terms": [p for p in matcher.platform_names if p in certain],
                "possible": [p for p in matcher.platform_names if p in possible],
            }
            if platforms_alias:
                record["platforms"] = record["terms"]
            record["hits"] = [
                {
                    "term": h.platform,
                    **({"platform": h.platform} if platforms_alias else {}),
                    "field": h.field,
                    "start": h.start,
                    "end": h.end,
                    "text": h.matched,
                    "rule": h.rule,
                    "certainty": h.certainty,
                    **({"signal": h.signal} if h.signal else {}),
                    **({"condition": conditions[h.rule]} if h.rule in conditions else {}),
                }
                for h in hits
            ]
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += len(ids)
    return count
