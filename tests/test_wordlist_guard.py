"""No ordinary English word or police term is a mention, outside a reviewed allow-list.

Every word of two offline English word lists (Webster's Second and GCIDE from the
``english-words`` package, and the 100,000 commonest words of ``wordfreq``) and every line of
the hand-kept police_terms.txt is run through the compiled matcher, bare and after "on" (the
commonest signal for short forms). Any hit must be in allowed_hits.toml with a reason.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pyarrow as pa
import pytest

from foidesk.search.lexicon import load_lexicon
from foidesk.search.matcher import Matcher

WORDLISTS = Path(__file__).parent / "data" / "wordlists"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    lexicon = load_lexicon("social-media")
    return Matcher(lexicon, list(lexicon.platforms))  # every platform, not only the six


@pytest.fixture(scope="module")
def allowed() -> dict[str, dict[str, str]]:
    return tomllib.loads((WORDLISTS / "allowed_hits.toml").read_text(encoding="utf-8"))


def _english_words() -> list[str]:
    english_words = pytest.importorskip("english_words")
    wordfreq = pytest.importorskip("wordfreq")
    words = set(english_words.get_english_words_set(["web2", "gcide"], lower=True))
    words |= set(wordfreq.top_n_list("en", 100_000))
    return sorted(w for w in words if w.strip())


def _police_terms() -> list[str]:
    lines = (WORDLISTS / "police_terms.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _hits(matcher: Matcher, words: list[str], context: str) -> set[str]:
    """The words with a certain hit: what the table would count. (A possible hit, such as
    "marketplace" or "snap" alone, is shown to a person before anything counts it.)"""
    texts = pa.array([context.format(w) for w in words])
    return {words[h.row] for h in matcher.match_array(texts, "word") if h.certainty == "certain"}


@pytest.mark.parametrize("context", ["bare", "on"])
def test_english_words(matcher: Matcher, allowed: dict[str, dict[str, str]], context: str) -> None:
    words = _english_words()
    assert len(words) > 250_000
    hits = _hits(matcher, words, "{}" if context == "bare" else "on {}")
    allow = set(allowed["bare"]) | (set(allowed["on"]) if context == "on" else set())
    assert sorted(hits - allow) == []


def test_police_terms_never_hit(matcher: Matcher) -> None:
    terms = _police_terms()
    assert len(terms) > 50
    assert sorted(_hits(matcher, terms, "{}")) == []
    assert sorted(_hits(matcher, terms, "PC 1234 noted: {}.")) == []


def test_allow_list_entries_are_still_needed(
    matcher: Matcher, allowed: dict[str, dict[str, str]]
) -> None:
    # an allow-list entry the lexicon no longer hits is stale: remove it
    bare = _hits(matcher, sorted(allowed["bare"]), "{}")
    on = _hits(matcher, sorted(allowed["on"]), "on {}")
    assert sorted(set(allowed["bare"]) - bare) == []
    assert sorted(set(allowed["on"]) - on) == []
