"""docs/api.md's example runs as written and prints what the page says it prints."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import foidesk

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")


def test_the_example_prints_what_the_page_says(tmp_path: Path) -> None:
    code = re.search(r"```python\n(.*?)```", DOC, re.S)
    shown = re.search(r"prints\n\n```text\n(.*?)```", DOC, re.S)
    assert code and shown
    shutil.copytree(ROOT / "tests" / "data" / "seed", tmp_path / "tests" / "data" / "seed")
    proc = subprocess.run(
        [sys.executable, "-c", code[1]], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == shown[1]
    assert (tmp_path / "case" / "FOI2019-02832" / "public" / "letter.md").is_file()


def test_every_name_in_all_is_documented_and_loads() -> None:
    for name in foidesk.__all__:
        value = getattr(foidesk, name)
        assert value is not None
        if name != "__version__":
            assert f"`{name}" in DOC, f"{name} is not in docs/api.md"
            assert (value.__doc__ or "").strip(), f"{name} has no docstring"


def test_help_shows_the_api() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import foidesk; help(foidesk)"],
        capture_output=True,
        text=True,
        env={"PAGER": "cat", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    for name in ("answer(request", "write_case(out", "load_request(path", "class Matcher"):
        assert name in proc.stdout, name
