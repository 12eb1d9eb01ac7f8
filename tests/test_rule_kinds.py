"""Each kind of lexicon rule issue 13 added, on a small lexicon written here: signals within a
window of words, negation (cues before and after, terminators, clauses, pseudo-cues, the last
mention), record conditions (term and rule, applied by the answer to the winning copy's offence,
reported unconditioned by match), and sentence and field boundaries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import foidesk
from foidesk.errors import LexiconError
from foidesk.search.lexicon import load_lexicon, parse_lexicon
from foidesk.search.matcher import Matcher
from tests.conftest import run_cli

LEXICON = """\
name = "tools"
[words]
term = "tool"
[signals]
window = 3
before = ["held", "brandished"]
after = ["wound"]
[negation]
window = 4
hits = "possible"
before = ["no", "denies"]
after = ["not used"]
pseudo = ["no other"]
last_mention = true
[[platform]]
name = "Knife"
only_in = ["knife-selected"]
[[platform.rule]]
name = "knife.word"
pattern = "knife"
[[platform.rule]]
name = "knife.shank"
pattern = "shank"
needs_signal = true
never_in = ["8N"]
[[platform]]
name = "Bat"
[[platform.rule]]
name = "bat.word"
pattern = "bat"
"""


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(parse_lexicon(LEXICON.encode(), "tools.toml"))


def _found(matcher: Matcher, text: str) -> list[tuple[str, str, str]]:
    return [(h.matched, h.certainty, h.signal) for h in matcher.match_text(text)]


def test_a_signal_within_the_window_either_side(matcher: Matcher) -> None:
    assert _found(matcher, "S held a rusty shank to him") == [("shank", "certain", "before:held")]
    assert _found(matcher, "the shank left a wound") == [("shank", "certain", "after:wound")]
    assert _found(matcher, "S held the long rusty shank") == []  # four words away: outside
    assert _found(matcher, "S held it. The shank was found") == []  # another sentence


def test_negation_before_and_after_in_the_same_clause(matcher: Matcher) -> None:
    assert _found(matcher, "no knife was seen") == [("knife", "possible", "negated:no")]
    assert _found(matcher, "V denies S had a knife") == [("knife", "possible", "negated:denies")]
    assert _found(matcher, "a knife was not used") == [("knife", "possible", "negated:not used")]
    # a comma, "but" or a new sentence ends a cue's reach
    assert _found(matcher, "no injuries, knife recovered") == [("knife", "certain", "")]
    assert _found(matcher, "no injuries but a knife was found") == [("knife", "certain", "")]
    assert _found(matcher, "No injuries. Knife recovered") == [("Knife", "certain", "")]


def test_pseudo_negation_and_the_last_mention(matcher: Matcher) -> None:
    assert _found(matcher, "S had a knife and no other weapons") == [("knife", "certain", "")]
    # an allegation, then the conclusion: the last mention negated negates the field's others
    assert [h.certainty for h in matcher.match_text("V alleges a knife. OIC: no knife")] == [
        "possible",
        "possible",
    ]
    # the other way round the last mention counts
    text = "no knife at first. Then S produced a knife"
    assert {h.certainty for h in matcher.match_text(text)} == {"certain"}


def test_negation_is_per_lexicon_social_media_counts_a_denied_mention() -> None:
    social = Matcher(load_lexicon("social-media"))
    assert [(h.platform, h.certainty) for h in social.match_text("S denied using Snapchat")] == [
        ("Snapchat", "certain")
    ]
    knives = Matcher(load_lexicon("knife"))
    hits = knives.match_text("no knife was seen")
    assert {h.certainty for h in hits if h.platform == "Knife or sharp instrument"} == {"possible"}


def test_a_term_may_switch_the_negation_off() -> None:
    knives = Matcher(load_lexicon("knife"))
    hits = knives.match_text("a folding knife found in his jeans, not a locking knife")
    by_term = {(h.platform, h.certainty) for h in hits}
    # possession: "not a locking knife" describes the article; the other term is negated
    assert ("Bladed or pointed article", "certain") in by_term
    assert ("Knife or sharp instrument", "possible") in by_term


def test_a_mention_split_across_fields_or_sentences(matcher: Matcher) -> None:
    import pyarrow as pa

    hits = matcher.match_array(pa.array(["S held the", "shank"]), "text")
    assert hits == []  # the signal is in another field


def test_bad_rule_kinds_are_refused_naming_the_key(tmp_path: Path) -> None:
    bad = [
        ("[signals]\nwindow = 50\n", "signals.window must be a whole number"),
        ('[negation]\nhits = "maybe"\nbefore = ["no"]\n', "negation.hits must be"),
        ("[negation]\nwindow = 3\n", "give cue words"),
        ('[negation]\nbefore = ["no"]\ncolour = 1\n', "unknown key 'colour'"),
        ('[negation]\ndoubt = "allegedly"\n', "negation.doubt must be a list of words"),
    ]
    for extra, message in bad:
        text = f'name = "x"\n{extra}[[platform]]\nname = "A"\n[[platform.rule]]\nname = "a"\n'
        text += 'pattern = "a"\n'
        with pytest.raises(LexiconError, match=message):
            parse_lexicon(text.encode(), "x.toml")
    rule = 'name = "x"\n[[platform]]\nname = "A"\nonly_in = ["burglaries"]\n'
    rule += '[[platform.rule]]\nname = "a"\npattern = "a"\n'
    with pytest.raises(LexiconError, match="'burglaries' is neither an offence group"):
        parse_lexicon(rule.encode(), "x.toml")


EXTRACT = [
    # ref, code, text
    ("C1", "8N", "S stabbed V with a knife"),  # counted: 8N is a selected offence
    ("C2", "46", "S stole a kitchen knife from a shop"),  # shoplifting: not counted
    ("C3", "34B", "S held a shank to V and took his phone"),  # counted by knife.shank
    ("C4", "8N", "S held a shank to V"),  # knife.shank never in 8N: not counted
    ("C5", "8N", "no knife was seen, V punched"),  # negated: possible
    ("C6", "46", "S hit V with a bat"),  # Bat has no condition: counted anywhere
]


def _write_case(tmp_path: Path) -> Path:
    (tmp_path / "tools.toml").write_text(LEXICON, encoding="utf-8")
    rows = "".join(
        f'{r},2023-02-0{i + 1},{c},OFFENCE {c},CHARGED,"{t}"\n'
        for i, (r, c, t) in enumerate(EXTRACT)
    )
    (tmp_path / "extract.csv").write_text(
        "crime_ref,recorded_date,ho_code,offence,outcome,text\n" + rows, encoding="utf-8"
    )
    request = tmp_path / "request.toml"
    request.write_text(
        'reference = "R/1"\nreceived = 2023-06-01\n[population]\nfrom = 2023-01-01\n'
        'to = 2023-12-31\noffences = "all"\n[search]\nlexicon = "tools.toml"\n'
        '[table]\nrows = ["offence", "term"]\n[disclosure]\nsuppress_below = 0\n'
        '[[source]]\npath = "extract.csv"\nsystem = "S"\n',
        encoding="utf-8",
    )
    return request


def test_record_conditions_are_applied_to_the_winning_copys_offence(tmp_path: Path) -> None:
    answer = foidesk.answer(_write_case(tmp_path))
    cells = {r.labels: r.total for r in answer.release.table.rows if r.level == "term"}
    assert cells == {
        ("OFFENCE 34B", "Knife"): 1,  # C3
        ("OFFENCE 46", "Bat"): 1,  # C6
        ("OFFENCE 8N", "Knife"): 1,  # C1 (C4's shank is never counted in 8N; C5 negated)
    }
    counts = answer.audit["counts"]
    assert counts["crimes_set_aside_by_record_conditions"] == 2  # C2 and C4
    assert counts["crimes_with_possible_mentions_only"] == 1  # C5
    assert answer.audit["lexicon"]["conditions"] == {
        "Knife": "only in knife-selected",
        "knife.shank": "never in 8N",
    }
    assert any(n.kind == "set-aside-by-record-conditions" for n in answer.notices)
    # coverage agrees with the table: three crimes counted
    assert (
        sum(
            line.records_with_hits
            for line in answer.release.coverage.lines
            if line.period == "Total"
        )
        == 3
    )
    method = "\n".join(str(b) for b in answer.release.method.blocks)
    assert "counted only in knife-selected" in method


def test_the_same_answer_on_spark(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    request = _write_case(tmp_path)
    duck = foidesk.answer(request)
    spark = foidesk.answer(request, engine="spark")
    assert spark.release.table == duck.release.table


def test_match_reports_conditioned_hits_unconditioned_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "tools.toml").write_text(LEXICON, encoding="utf-8")
    notes = tmp_path / "notes.jsonl"
    notes.write_text(json.dumps({"id": 1, "text": "S stole knives"}) + "\n", encoding="utf-8")
    proc = run_cli("match", notes, "--lexicon", tmp_path / "tools.toml")
    assert proc.returncode == 0, proc.stderr
    assert "match sees text only" in proc.stderr
    line = json.loads(proc.stdout)
    assert line["terms"] == []  # "knives" is not the pattern "knife": no hit at all
    notes.write_text(json.dumps({"id": 1, "text": "S stole a knife"}) + "\n", encoding="utf-8")
    line = json.loads(run_cli("match", notes, "--lexicon", tmp_path / "tools.toml").stdout)
    assert line["terms"] == ["Knife"]
    assert line["hits"][0]["condition"] == "only in knife-selected"
    explained = run_cli("match", notes, "--lexicon", tmp_path / "tools.toml", "--explain").stdout
    assert "counted only in knife-selected (not checked here)" in explained


def test_a_curly_apostrophe_negates_as_a_straight_one() -> None:
    knives = Matcher(load_lexicon("knife"))
    for text in ("S didn't have a knife", "S didn\u2019t have a knife"):
        hits = [h for h in knives.match_text(text) if h.platform == "Knife or sharp instrument"]
        assert [(h.certainty, h.signal) for h in hits] == [("possible", "negated:didn't")]


def test_a_word_cut_at_the_windows_edge_is_no_signal() -> None:
    knives = Matcher(load_lexicon("knife"))
    # "withheld" ends in "held" (a signal word) just where the four-word window begins
    text = "withheld " + "x" * 28 + " " + "y" * 30 + " " + "z" * 30 + " screwdriver"
    hits = [h for h in knives.match_text(text) if h.platform == "Knife or sharp instrument"]
    assert [(h.certainty, h.signal) for h in hits] == [("possible", "no signal")]


@pytest.mark.parametrize(
    ("platform", "message"),
    [
        ('onlyin = ["10D"]', "platform A: unknown key 'onlyin'"),
        ('negation = "false"', "platform A.negation must be true or false"),
        ('default = "no"', "platform A.default must be true or false"),
        ("only_in = []", "only_in is empty"),
    ],
)
def test_a_platforms_keys_are_checked(platform: str, message: str) -> None:
    text = f'name = "x"\n[[platform]]\nname = "A"\n{platform}\n[[platform.rule]]\n'
    text += 'name = "a"\npattern = "a"\n'
    with pytest.raises(LexiconError, match=message):
        parse_lexicon(text.encode(), "x.toml")


def test_other_lexicon_shapes_are_refused_in_one_line() -> None:
    with pytest.raises(LexiconError, match=r"signals\.lists must be true or false"):
        parse_lexicon(
            b'[signals]\nlists = "false"\n[[platform]]\nname="A"\n'
            b'[[platform.rule]]\nname="a"\npattern="a"\n',
            "x.toml",
        )
    with pytest.raises(LexiconError, match="platform must be"):
        parse_lexicon(b'platform = {name = "A"}\n', "x.toml")
    with pytest.raises(LexiconError, match="last_mention must be true or false"):
        parse_lexicon(
            b'[negation]\nbefore = ["no"]\nlast_mention = "no"\n[[platform]]\nname="A"\n'
            b'[[platform.rule]]\nname="a"\npattern="a"\n',
            "x.toml",
        )
