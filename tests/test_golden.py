"""The seed case and the demo give the same tables, evidence, letters and audit counts as the
digests committed before the package was reshaped (``scripts/golden.py``)."""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import foidesk

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden"
_spec = importlib.util.spec_from_file_location("golden", ROOT / "scripts" / "golden.py")
assert _spec and _spec.loader
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


def _same(case: Path, name: str) -> None:
    expected = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    found = golden.digest(case)
    for key in ("public", "evidence", "audit"):
        assert found[key] == expected[key], f"{name}: {key} differs from the golden digest"


def test_the_seed_case_is_unchanged(tmp_path: Path) -> None:
    request = foidesk.load_request(ROOT / "tests" / "data" / "seed" / "request.toml")
    foidesk.write_case(tmp_path / "case", foidesk.answer(request, letter_date=date(2019, 6, 3)))
    _same(tmp_path / "case", "seed")
    for path in (GOLDEN / "seed-public").iterdir():
        assert (tmp_path / "case" / "public" / path.name).read_bytes() == path.read_bytes()


def test_the_demo_case_is_unchanged(tmp_path: Path, synthetic_200k: Path) -> None:
    request = foidesk.load_request(synthetic_200k)  # the demo's data: 200,000 rows, seed 2019
    foidesk.write_case(tmp_path / "case", foidesk.answer(request, letter_date=date(2019, 6, 3)))
    _same(tmp_path / "case", "demo")
