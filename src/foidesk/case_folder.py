"""The case folder: ``public/`` (releasable) and ``internal/`` (evidence and audit).

``write_case`` builds both folders in a temporary folder beside the destination and then
swaps them in, so a failed run leaves the previous case folder as it was and never a half-
written one. ``public/`` is written by ``release.publish.write_public`` from the answer's
``PublicRelease`` alone; record-level data (the evidence) goes only to ``internal/``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from foidesk.answering import Answer
from foidesk.errors import CaseError
from foidesk.release.publish import write_public, write_text


def write_internal(folder: Path, answer: Answer) -> list[Path]:
    """Write the evidence Parquet and ``audit.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    evidence = folder / "evidence.parquet"
    pq.write_table(answer.evidence, evidence)
    audit = folder / "audit.json"
    write_text(audit, json.dumps(answer.audit, indent=2, sort_keys=True, default=str) + "\n")
    return [evidence, audit]


def write_case(out: Path | str, answer: Answer) -> dict[str, Path]:
    """Write ``out/public`` and ``out/internal``, replacing earlier ones only on success;
    returns the two folders.

    Both are written in a staging folder inside ``out``; the earlier folders are then moved
    aside, the new ones moved in, and the earlier ones removed. If a move fails, the earlier
    folders are put back, so ``out`` holds the earlier case or the new one, never half of each.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CaseError(f"{out}: is a file, not a folder for the case")
    for name in ("public", "internal"):
        if (out / name).exists() and not (out / name).is_dir():
            raise CaseError(f"{out / name}: is a file where the case's {name}/ folder goes")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise CaseError(f"{out}: cannot be made a folder for the case ({exc.strerror})") from exc
    staging = Path(tempfile.mkdtemp(prefix=".foidesk-", dir=out))
    earlier = staging / "earlier"
    earlier.mkdir()
    moved: list[str] = []
    placed: list[str] = []
    try:
        write_public(staging / "public", answer.release)
        write_internal(staging / "internal", answer)
        for name in ("public", "internal"):
            if (out / name).exists():
                (out / name).rename(earlier / name)
                moved.append(name)
        for name in ("public", "internal"):
            (staging / name).rename(out / name)
            placed.append(name)
    except BaseException:
        for name in placed:  # the new folders out, the earlier ones back
            shutil.rmtree(out / name, ignore_errors=True)
        for name in moved:
            (earlier / name).rename(out / name)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"public": out / "public", "internal": out / "internal"}
