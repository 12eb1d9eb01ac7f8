"""A force's own lexicon: extends the built-in one, adds terms and exclusions, switches off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foidesk.errors import FoideskError
from foidesk.search.lexicon import load_lexicon
from foidesk.search.matcher import Matcher
from tests.conftest import crime, run_cli, write_extract, write_request
from tests.helpers import answer_case

FORCE_LEXICON = """
extends = "social-media"
name = "anyshire-social-media"
version = "2-anyshire-1"

[[platform]]
name = "Snapchat"
[[platform.rule]]
name = "anyshire.snapchat-sc"
pattern = "\\\\bsc\\\\b"
needs_signal = true

[[platform]]
name = "Yik Yak"
[[platform.rule]]
name = "anyshire.yikyak"
pattern = "yik{SEP}yak"

[[exclusion]]
name = "anyshire.boilerplate-twitter"
pattern = "follow{SP}us{SP}on{SP}twitter{OSP}@\\\\w+"

[disable]
rules = ["twitter.derived"]
"""


@pytest.fixture
def lexicon_file(tmp_path: Path) -> Path:
    path = tmp_path / "anyshire.toml"
    path.write_text(FORCE_LEXICON, encoding="utf-8")
    return path


def test_adds_a_term_and_a_platform(lexicon_file: Path) -> None:
    lexicon = load_lexicon(str(lexicon_file))
    matcher = Matcher(lexicon, list(lexicon.select(["Snapchat", "Yik Yak"])))
    hits = matcher.match_text("added him on SC, then on Yik-Yak")
    assert [(h.platform, h.matched, h.rule) for h in hits] == [
        ("Snapchat", "SC", "anyshire.snapchat-sc"),
        ("Yik Yak", "Yik-Yak", "anyshire.yikyak"),
    ]
    # the built-in police exclusion still removes the Special Constable
    assert matcher.match_text("via SC 4512") == []
    # and the built-in rules are all still there
    assert [h.matched for h in matcher.match_text("on Snapchat")] == ["Snapchat"]


def test_adds_an_exclusion(lexicon_file: Path) -> None:
    text = "Press release ends. Follow us on Twitter @AnyshirePolice"
    builtin = Matcher(load_lexicon("social-media"))
    assert [h.platform for h in builtin.match_text(text)] == ["Twitter"]
    force = Matcher(load_lexicon(str(lexicon_file)))
    assert force.match_text(text) == []
    assert [h.platform for h in force.match_text("IP saw it on Twitter")] == ["Twitter"]


def test_switches_a_rule_off(lexicon_file: Path) -> None:
    force = Matcher(load_lexicon(str(lexicon_file)))
    assert force.match_text("he tweeted a photo") == []
    assert "twitter.derived" not in {r.name for r in force.rules}


def test_records_both_files(lexicon_file: Path) -> None:
    lexicon = load_lexicon(str(lexicon_file))
    assert [f.source for f in lexicon.files] == ["built-in:social-media", str(lexicon_file)]
    assert lexicon.name == "anyshire-social-media"
    assert lexicon.disabled == ("twitter.derived",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('extends = "nope"', "neither a built-in lexicon"),
        ('extends = "social-media"\n[disable]\nrules = ["x.y"]', "no rule or exclusion named"),
        (
            'extends = "social-media"\n[[exclusion]]\nname = "homograph.cold-snap"\npattern = "x"',
            "is used twice",
        ),
        ('extends = "social-media"\ncolour = 1', "unknown key 'colour'"),
        (
            'extends = "social-media"\n[[platform]]\nname = "A"\n[[platform.rule]]\n'
            'name = "a"\npattern = "{NOPE}"',
            "unknown token {NOPE}",
        ),
        # matched as UTF-8 bytes: "é?" and "[éè]" would match part of a character
        (
            'extends = "social-media"\n[[platform]]\nname = "A"\n[[platform.rule]]\n'
            'name = "a"\npattern = "café?"',
            "would match part of a character",
        ),
        (
            'extends = "social-media"\n[[exclusion]]\nname = "x"\npattern = "caf[éè]"',
            "write a repeated or optional non-ASCII character as a group",
        ),
    ],
)
def test_bad_user_lexicons(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FoideskError, match=message.replace("{", r"\{").replace("}", r"\}")):
        load_lexicon(str(path))


def test_pattern_that_does_not_compile_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'extends = "social-media"\n[[platform]]\nname = "A"\n[[platform.rule]]\n'
        'name = "broken.rule"\npattern = "(unclosed"\n',
        encoding="utf-8",
    )
    with pytest.raises(FoideskError, match=r"broken\.rule"):
        Matcher(load_lexicon(str(path)))


def test_request_uses_the_force_lexicon_and_the_audit_records_it(
    tmp_path: Path, lexicon_file: Path
) -> None:
    write_extract(
        tmp_path / "a.csv",
        [
            crime("A1", "2016-02-01", "Follow us on Twitter @AnyshirePolice"),
            crime("A2", "2016-03-01", "Deal arranged on SC"),
            crime("A3", "2016-04-01", "he tweeted the price list"),
        ],
    )
    request = write_request(tmp_path, [("a.csv", "A")])
    text = request.read_text().replace("[search]\n", '[search]\nlexicon = "anyshire.toml"\n')
    request.write_text(text)
    result = answer_case(request, tmp_path / "case")
    rows = {r.labels: r.total for r in result.table.rows if r.level == "term"}
    assert list(rows.values()) == [1] and next(iter(rows))[-1] == "Snapchat"
    audit = json.loads((result.folders["internal"] / "audit.json").read_text())
    files = audit["lexicon"]["files"]
    assert [f["source"] for f in files] == ["built-in:social-media", str(lexicon_file)]
    assert all(len(f["sha256"]) == 64 for f in files)
    assert audit["lexicon"]["disabled"] == ["twitter.derived"]
    assert "anyshire.boilerplate-twitter" in audit["lexicon"]["exclusions"]


def test_match_command_takes_a_lexicon_file(tmp_path: Path, lexicon_file: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1, "text": "on Yik Yak"}\n', encoding="utf-8")
    proc = run_cli("match", path, "--lexicon", lexicon_file, "--term", "Yik Yak")
    assert json.loads(proc.stdout)["platforms"] == ["Yik Yak"]
