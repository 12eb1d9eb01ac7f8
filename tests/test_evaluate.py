"""``foidesk evaluate`` on a small corpus with figures worked out by hand, and the corpus."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from foidesk.search.evaluate import evaluate, naive_search
from foidesk.search.lexicon import load_lexicon
from foidesk.search.matcher import Matcher
from tests.conftest import run_cli

MENTIONS = Path(__file__).parent / "data" / "mentions"
CASES = [
    # lexicon finds Snapchat (TP); naive misses the split name (FN)
    {"id": "a", "text": "contacted on snap chat", "platforms": ["Snapchat"]},
    # both find Facebook (TP)
    {"id": "b", "text": "on Facebook", "platforms": ["Facebook"]},
    # labelled WhatsApp, nobody finds "the green app" (FN for both)
    {"id": "c", "text": "sent over the green app", "platforms": ["WhatsApp"]},
    # a trap: nothing labelled, nothing found (no counts)
    {"id": "d", "text": "he snapped in the cold snap", "platforms": []},
    # labelled nothing, both find Twitter (FP for both): a label the lexicon disagrees with
    {"id": "e", "text": "the Twitter of it all", "platforms": []},
    # two platforms, lexicon gets both (2 TP); naive gets Instagram only (1 TP, 1 FN)
    {"id": "f", "text": "via FB and Instagram", "platforms": ["Facebook", "Instagram"]},
]


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in CASES) + "\n", encoding="utf-8")
    return path


def test_known_figures(tmp_path: Path) -> None:
    report = evaluate(_write(tmp_path), Matcher(load_lexicon("social-media")))
    lex, naive = report.lexicon, report.naive
    # lexicon: TP a, b, f, f = 4; FP e = 1; FN c = 1
    assert (sum(lex.tp.values()), sum(lex.fp.values()), sum(lex.fn.values())) == (4, 1, 1)
    assert tuple(round(x, 4) for x in lex.prf()) == (0.8, 0.8, 0.8)
    # naive: TP b, f(Instagram) = 2; FP e = 1; FN a, c, f(Facebook) = 3
    assert (sum(naive.tp.values()), sum(naive.fp.values()), sum(naive.fn.values())) == (2, 1, 3)
    precision, recall, f1 = naive.prf()
    assert (round(precision, 4), round(recall, 4), round(f1, 4)) == (0.6667, 0.4, 0.5)
    assert lex.prf("Snapchat") == (1.0, 1.0, 1.0)
    assert naive.prf("Snapchat")[1] == 0.0
    assert [e.note.id for e in report.errors] == ["c", "e"]


def test_command_prints_scores_and_errors(tmp_path: Path) -> None:
    proc = run_cli("evaluate", _write(tmp_path))
    assert proc.returncode == 0, proc.stderr
    overall = next(line for line in proc.stdout.splitlines() if line.startswith("overall"))
    numbers = [float(x) for x in re.findall(r"\d+\.\d+", overall)]
    assert numbers[:3] == [0.8, 0.8, 0.8]  # counted (certain) P R F1
    assert numbers[3:5] == [0.8, 0.8]  # certain and possible P R
    assert numbers[5:8] == [0.667, 0.4, 0.5]  # naive P R F1
    assert "errors: 2" in proc.stdout
    assert "'sent over the green app'" in proc.stdout  # every error with its text
    assert "missed ['WhatsApp']" in proc.stdout


def test_bad_labels_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 1, "text": "x", "platforms": ["Myspace"]}\n', encoding="utf-8")
    proc = run_cli("evaluate", path)
    assert proc.returncode == 2 and "bad.jsonl: line 1: terms must be" in proc.stderr


def test_naive_search_is_whole_word_and_case_insensitive() -> None:
    names = [p.name for p in load_lexicon("social-media").platforms]
    assert naive_search({"text": "FACEBOOK, twitter"}, names) == {"Facebook", "Twitter"}
    assert naive_search({"text": "Face book, snapchatted, Caféfacebook"}, names) == set()


def test_the_second_heldout_corpus_is_unchanged() -> None:
    readme = (MENTIONS / "README.md").read_text(encoding="utf-8")
    recorded = re.search(r"`heldout-2.jsonl` sha256: `([0-9a-f]{64})`", readme)
    assert recorded, "README must record the sha256 of heldout-2.jsonl"
    digest = hashlib.sha256((MENTIONS / "heldout-2.jsonl").read_bytes()).hexdigest()
    assert digest == recorded.group(1)
    assert sum(1 for _ in (MENTIONS / "heldout-2.jsonl").open(encoding="utf-8")) >= 300


def test_possible_hits_are_scored_apart_and_disputed_cases_set_aside(tmp_path: Path) -> None:
    cases = [
        # two short forms alone: possible hits, so missed by the counted figures
        {"id": "a", "text": "TT and IG attended", "terms": ["TikTok", "Instagram"]},
        {"id": "b", "text": "on Facebook", "terms": ["Facebook"]},
        {"id": "c", "text": "on the gram", "terms": ["Instagram"], "disputed": True},
    ]
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in cases) + "\n", encoding="utf-8")
    report = evaluate(path, Matcher(load_lexicon("social-media")))
    assert report.lexicon.counts() == (1, 0, 3)  # counted: b; a twice and c missed
    assert report.with_possible.counts() == (4, 0, 0)  # a's and c's possible hits found
    assert (report.pairs_found, report.pairs_possible_only) == (4, 3)
    assert report.disputed == 1 and report.undisputed.counts() == (1, 0, 2)
    out = run_cli("evaluate", path).stdout
    assert "possible only: 3 of 4 (case, term) pairs found (75.0%)" in out
    assert "(1 disputed cases left out)" in out


def test_the_naive_search_is_of_the_lexicons_own_terms(tmp_path: Path) -> None:
    lexicon = tmp_path / "knife.toml"
    lexicon.write_text(
        'name = "knives"\n[words]\nterm = "weapon"\n'
        '[[platform]]\nname = "Knife"\n[[platform.rule]]\nname = "knife.name"\n'
        'pattern = "kni(?:fe|ves)"\n',
        encoding="utf-8",
    )
    path = tmp_path / "labelled.jsonl"
    path.write_text(
        json.dumps({"id": "a", "text": "threatened with a knife", "terms": ["Knife"]})
        + "\n"
        + json.dumps({"id": "b", "text": "two knives found", "terms": ["Knife"]})
        + "\n",
        encoding="utf-8",
    )
    report = evaluate(path, Matcher(load_lexicon(str(lexicon))))
    assert report.lexicon.counts() == (2, 0, 0)
    assert report.naive.counts() == (1, 0, 1)  # "knife" as a word; not "knives"


def test_heldout_corpus_is_unchanged() -> None:
    readme = (MENTIONS / "README.md").read_text(encoding="utf-8")
    recorded = re.search(r"`heldout.jsonl` sha256: `([0-9a-f]{64})`", readme)
    assert recorded, "the README records the held-out file's sha256"
    digest = hashlib.sha256((MENTIONS / "heldout.jsonl").read_bytes()).hexdigest()
    assert digest == recorded.group(1)


def test_corpus_size_and_balance() -> None:
    matcher = Matcher(load_lexicon("social-media"))
    for name, minimum in (("heldout.jsonl", 300), ("tuning.jsonl", 200)):
        report = evaluate(MENTIONS / name, matcher)
        assert report.cases >= minimum
    cases = [
        json.loads(x)
        for f in ("heldout.jsonl", "tuning.jsonl")
        for x in (MENTIONS / f).read_text(encoding="utf-8").splitlines()
    ]
    assert len(cases) >= 400
    without = sum(1 for c in cases if not c["platforms"])
    assert 0.4 < without / len(cases) < 0.6
