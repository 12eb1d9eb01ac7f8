"""Digest of a case folder, to hold a refactoring to byte-identical outputs.

    python scripts/golden.py CASE_FOLDER > digest.json
    python scripts/golden.py CASE_FOLDER --check digest.json

The digest holds the sha256 of every text file under ``public/``, of the XLSX's cell values,
of the DOCX letter's text and the PDF letter's words (their bytes carry the writers' versions),
of the evidence's rows (``internal/evidence.parquet``, read as Arrow: the Parquet file's own
bytes carry the writer's version) and the audit's counts, lexicon and population (not its
times or paths). The seed's and the demo's digests are in ``tests/data/golden/`` and
``tests/test_golden.py`` compares against them; the 2,000,000-row bench case is compared by
hand with ``--check`` (docs/architecture.md, "Holding a refactoring to the same outputs").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow.parquet as pq
import pypdf


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(case: Path) -> dict[str, Any]:
    """The digest of the case folder ``case``."""
    public = case / "public"
    out: dict[str, Any] = {"public": {}}
    for path in sorted(public.iterdir()):
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            cells = [
                [sheet.title, *[list(row) for row in sheet.iter_rows(values_only=True)]]
                for sheet in book.worksheets
            ]
            out["public"][path.name + " (cell values)"] = _sha(
                json.dumps(cells, default=str).encode()
            )
        elif path.suffix == ".docx":  # its text: the bytes carry python-docx's version
            with zipfile.ZipFile(path) as z:
                xml = z.read("word/document.xml").decode("utf-8")
            text = " ".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))
            out["public"][path.name + " (text)"] = _sha(" ".join(text.split()).encode())
        elif path.suffix == ".pdf":  # its words: the layout carries LibreOffice's version
            reader = pypdf.PdfReader(path)
            text = " ".join(page.extract_text() or "" for page in reader.pages)
            out["public"][path.name + " (words)"] = _sha(" ".join(text.split()).encode())
        else:
            out["public"][path.name] = _sha(path.read_bytes())
    evidence = pq.read_table(case / "internal" / "evidence.parquet")
    out["evidence"] = {
        "rows": evidence.num_rows,
        "schema": str(evidence.schema),
        "sha256": _sha(json.dumps(evidence.to_pylist(), default=str).encode()),
    }
    audit = json.loads((case / "internal" / "audit.json").read_text(encoding="utf-8"))
    out["audit"] = {
        "counts": audit["counts"],
        "overlaps": audit["overlaps"],
        "population": audit["population"],
        "lexicon": {k: v for k, v in audit["lexicon"].items() if k not in ("files", "source")},
        "deadline": audit["deadline"],
        "sources": [{k: v for k, v in s.items() if k != "path"} for s in audit["sources"]],
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", type=Path)
    parser.add_argument("--check", type=Path, help="compare with this digest; exit 1 if not equal")
    args = parser.parse_args()
    found = digest(args.case)
    if args.check is None:
        sys.stdout.write(json.dumps(found, indent=2, sort_keys=True) + "\n")
        return
    expected = json.loads(args.check.read_text(encoding="utf-8"))
    if found == expected:
        print(f"{args.case}: the same as {args.check}")
        return
    for key in sorted(set(found) | set(expected)):
        if found.get(key) != expected.get(key):
            print(f"{args.case}: {key} differs from {args.check}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
