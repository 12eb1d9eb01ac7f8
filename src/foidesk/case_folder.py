"""The case folder: ``public/`` (releasable) and ``internal/`` (evidence and audit).

``write_case`` builds both folders in a temporary folder beside the destination and then
swaps them in, so a failed run leaves the previous case folder as it was and never a half-
written one. ``public/`` is written only from a ``PublicRelease`` (aggregates and prose);
record-level data goes only to ``internal/``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from foidesk.errors import FoideskError
from foidesk.release.gate import PublicRelease
from foidesk.release.render import EXTENSIONS, RENDERERS
from foidesk.release.render.xlsx import write_xlsx


@dataclass(frozen=True)
class InternalRecord:
    """Record-level material kept inside the force: the evidence and the audit trail."""

    evidence: pa.Table
    audit: dict[str, Any]


def _write_text(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_public(folder: Path, release: PublicRelease) -> list[Path]:
    """Write the releasable files: the table in every format, coverage, method and letter."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt, render in RENDERERS.items():
        path = folder / f"table.{EXTENSIONS[fmt]}"
        _write_text(path, render(release.table))
        written.append(path)
    xlsx = folder / "table.xlsx"
    write_xlsx(release.table, xlsx)
    written.append(xlsx)
    for name, text in (
        ("coverage.csv", release.coverage.to_csv()),
        ("method.md", release.method_markdown),
        ("letter.md", release.letter_markdown),
    ):
        _write_text(folder / name, text)
        written.append(folder / name)
    return written


def write_internal(folder: Path, record: InternalRecord) -> list[Path]:
    """Write the evidence Parquet and ``audit.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    evidence = folder / "evidence.parquet"
    pq.write_table(record.evidence, evidence)
    audit = folder / "audit.json"
    _write_text(audit, json.dumps(record.audit, indent=2, sort_keys=True, default=str) + "\n")
    return [evidence, audit]


def write_case(out: Path, release: PublicRelease, record: InternalRecord) -> dict[str, Path]:
    """Write ``out/public`` and ``out/internal``, replacing earlier ones only on success."""
    if out.exists() and not out.is_dir():
        raise FoideskError(f"{out}: is a file, not a folder for the case")
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".foidesk-", dir=out))
    try:
        write_public(staging / "public", release)
        write_internal(staging / "internal", record)
        for name in ("public", "internal"):
            target = out / name
            if target.exists():
                shutil.rmtree(target)
            (staging / name).rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"public": out / "public", "internal": out / "internal"}
