"""The matcher's patterns compiled in a thread (``Matcher(..., background=True)``, what
``answer`` uses so that compiling overlaps the engine's reading): the same hits as compiled at
once, and a pattern Hyperscan refuses is still the one-line error, also for a request whose
population is empty (nothing is ever matched)."""

from __future__ import annotations

from pathlib import Path

import pytest

from foidesk.errors import LexiconError
from foidesk.search.lexicon import load_lexicon, parse_lexicon
from foidesk.search.matcher import Matcher
from tests.conftest import run_cli

TEXTS = [
    "Messages on FB and WhatsApp about a deal",
    "seen on snap chat, insta and Facebook",
    "the suspect said facebook",
    None,
    "nothing to see",
    "Snapchаt with a Cyrillic a",
]

# Python's re takes a backreference; Hyperscan does not
BAD_LEXICON = """\
name = "bad"
version = "1"
description = "a pattern Hyperscan refuses"

[[platform]]
name = "Echo"
variants = "echo"
[[platform.rule]]
name = "echo.twice"
pattern = "(echo)\\\\1"
"""


def test_background_compile_gives_the_same_hits() -> None:
    import pyarrow as pa

    lexicon = load_lexicon("social-media")
    array = pa.array(TEXTS, pa.string())
    now = Matcher(lexicon).match_array(array, "text")
    later = Matcher(lexicon, background=True).match_array(array, "text")
    assert now == later
    assert {h.platform for h in now} >= {"Facebook", "WhatsApp"}


def test_a_pattern_hyperscan_refuses_is_the_same_error_either_way() -> None:
    lexicon = parse_lexicon(BAD_LEXICON.encode(), "bad.toml")
    with pytest.raises(LexiconError) as at_once:
        Matcher(lexicon)
    matcher = Matcher(lexicon, background=True)  # the error waits for the first use
    with pytest.raises(LexiconError) as waited:
        matcher.ready()
    assert str(waited.value) == str(at_once.value)
    assert "bad.toml" in str(at_once.value) and "echo.twice" in str(at_once.value)
    with pytest.raises(LexiconError):
        matcher.match_text("echo echo")


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_answer_refuses_a_bad_pattern_even_with_nothing_to_search(
    tmp_path: Path, engine: str
) -> None:
    # Spark's workers compile the lexicon again: the driver's error must come first, as the
    # one line (a worker's is a PythonException with a traceback)
    (tmp_path / "bad.toml").write_text(BAD_LEXICON, encoding="utf-8")
    (tmp_path / "extract.csv").write_text(
        "crime_ref,recorded_date,ho_code,offence,outcome,text\n"
        "E1,2021-02-01,8N,ASSAULT,CHARGED,echo echo\n",
        encoding="utf-8",
    )
    request = tmp_path / "request.toml"
    request.write_text(
        """reference = "FOI-BAD/1"
received = 2024-05-01
request = "How many crimes mention an echo?"

[population]
from = 2023-01-01
to = 2023-12-31
offences = "all"

[search]
lexicon = "bad.toml"

[disclosure]
suppress_below = 0

[[source]]
path = "extract.csv"
system = "Records"
""",
        encoding="utf-8",
    )
    proc = run_cli(
        "answer",
        request,
        "--out",
        tmp_path / "case",
        "--allow-empty",
        "--letter-date",
        "2024-05-10",
        "--engine",
        engine,
    )
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "does not compile" in lines[0] and "echo.twice" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "case").exists()
