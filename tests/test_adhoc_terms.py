"""Search terms no lexicon has (issue 12, item 4): the variants generated for them, their
certainty, the word-list guard on their one-edit spellings, and ``foidesk lexicon show``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from foidesk.errors import LexiconError
from foidesk.search.adhoc import (
    ADHOC_LEXICON,
    TOKENS,
    adhoc_platform,
    adhoc_term,
    resolve_terms,
)
from foidesk.search.lexicon import CERTAIN, POSSIBLE, load_lexicon, parse_lexicon
from foidesk.search.matcher import Matcher
from tests.conftest import run_cli

TERMS = ["Grindr", "OnlyFans", "Pokémon Go", "Uber", "Telegrem"]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(*resolve_terms(None, TERMS))


def _found(matcher: Matcher, text: str) -> list[tuple[str, str, str]]:
    """(platform, matched text, certainty) of every hit in ``text``."""
    return [(h.platform, h.matched, h.certainty) for h in matcher.match_text(text)]


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("grindr", "grindr"),
        ("met him on Grindr's chat", "Grindr's"),
        ("GRINDR", "GRINDR"),
        ("both Grindrs", "Grindrs"),
        ("the Grindrs' owners", "Grindrs'"),
        ("Grindr’s app", "Grindr’s"),
        ("grindr.com", "grindr.com"),
        ("see https://www.grindr.com/profile/123", "https://www.grindr.com"),
        ("grindr.co.uk", "grindr.co.uk"),
        ("m.grindr.app", "m.grindr.app"),
    ],
)
def test_grindr_certain(matcher: Matcher, text: str, matched: str) -> None:
    assert _found(matcher, text) == [("Grindr", matched, CERTAIN)]


@pytest.mark.parametrize("text", ["Grindrr", "Grnidr", "Gindr", "Grimdr"])
def test_grindr_one_edit_is_possible(matcher: Matcher, text: str) -> None:
    assert _found(matcher, f"sent via {text} then") == [("Grindr", text, POSSIBLE)]


@pytest.mark.parametrize(
    "text",
    ["a coffee grinder", "grind", "grinds", "grindrxyz", "xygrindr", "grindr_1", "Grindrlike"],
)
def test_grindr_never(matcher: Matcher, text: str) -> None:
    assert _found(matcher, text) == []


@pytest.mark.parametrize(
    "text", ["only fans", "only-fans", "Onlyfans", "ONLYFANS", "only\u00a0fans", "OnlyFans'"]
)
def test_onlyfans_parts_from_capitals(matcher: Matcher, text: str) -> None:
    assert _found(matcher, text) == [("OnlyFans", text, CERTAIN)]


def test_onlyfans_address_joins_its_parts(matcher: Matcher) -> None:
    assert _found(matcher, "onlyfans.com/someone") == [("OnlyFans", "onlyfans.com", CERTAIN)]
    assert _found(matcher, "only fans.com") == [("OnlyFans", "only fans", CERTAIN)]


@pytest.mark.parametrize(
    "text",
    ["pokemon go", "Pokémon-Go", "POKÉMON GO", "PokemonGo", "Poke\u0301mon Go", "Pokémon Go's"],
)
def test_accents_optional(matcher: Matcher, text: str) -> None:
    assert _found(matcher, text) == [("Pokémon Go", text, CERTAIN)]


def test_accents_on_a_term_written_without(matcher: Matcher) -> None:
    assert _found(matcher, "an Über driver") == [("Uber", "Über", CERTAIN)]
    assert _found(matcher, "Caféuber") == []  # still a whole word


def test_spaced_one_edit_is_possible(matcher: Matcher) -> None:
    assert _found(matcher, "Pokemn Go") == [("Pokémon Go", "Pokemn Go", POSSIBLE)]


def test_short_term_has_no_one_edit_rule(matcher: Matcher) -> None:
    assert _found(matcher, "Uber") == [("Uber", "Uber", CERTAIN)]
    assert _found(matcher, "an Ubr home") == []
    uber = adhoc_platform("Uber")
    assert [r.name for r in uber.rules] == ["uber.name", "uber.url"]


def test_rules_and_description() -> None:
    grindr = adhoc_platform("  Grindr ")
    assert grindr.name == "Grindr" and grindr.default
    assert [(r.name, r.certainty) for r in grindr.rules] == [
        ("grindr.name", CERTAIN),
        ("grindr.url", CERTAIN),
        ("grindr.one-edit", POSSIBLE),
    ]
    assert grindr.variants == (
        "Grindr in any case, with plurals and possessives (Grindrs, Grindr's), the web "
        "address grindr.com (and .co.uk, .app, .net, .org), and, as possible mentions for a "
        "person to check, spellings one letter away (such as Grindrr) that are not English words"
    )
    pokemon = adhoc_platform("Pokémon Go")
    assert pokemon.rules[0].name == "pokémon-go.name"
    assert "with or without accents (Pokemon Go)" in pokemon.variants
    assert "(Pokémon Go, Pokémon-Go, PokémonGo)" in pokemon.variants


def test_plurals_in_es() -> None:
    xbox = Matcher(*resolve_terms(None, ["Xbox", "Twitch"]))
    assert [h.matched for h in xbox.match_text("two Xboxes, the Xboxes' pads, Twitches")] == [
        "Xboxes",
        "Xboxes'",
        "Twitches",
    ]


def test_parts_given_by_the_request() -> None:
    lexicon, chosen = resolve_terms(None, ["Tinderbox"], {"tinderbox": ["Tinder", "Box"]})
    found = Matcher(lexicon, chosen).match_text("tinder box, tinder-box, TinderBox")
    assert [h.matched for h in found] == ["tinder box", "tinder-box", "TinderBox"]
    assert not Matcher(*resolve_terms(None, ["Tinderbox"])).match_text("tinder box")


def test_bad_parts_are_refused() -> None:
    with pytest.raises(LexiconError, match="do not spell the term"):
        resolve_terms(None, ["Tinderbox"], {"Tinderbox": ["Tinder", "Bo"]})
    with pytest.raises(LexiconError, match="'Grindr', but it is not among the search terms"):
        resolve_terms(None, ["Tinderbox"], {"Grindr": ["Grin", "dr"]})
    social = load_lexicon("social-media")
    with pytest.raises(LexiconError, match="term of lexicon social-media, whose rules are used"):
        resolve_terms(social, ["Facebook"], {"facebook": ["Face", "book"]})


def test_term_written_as_an_address() -> None:
    found = Matcher(*resolve_terms(None, ["Bumble.com"])).match_text("on https://bumble.com/x")
    assert [(h.matched, h.rule) for h in found] == [("https://bumble.com", "bumble-com.url")]
    assert "the web address bumble.com" in adhoc_platform("Bumble.com").variants


def test_apostrophe_optional() -> None:
    found = Matcher(*resolve_terms(None, ["Let's Go"])).match_text("lets go, Let’s-Go, LETSGO")
    assert [h.matched for h in found] == ["lets go", "Let’s-Go", "LETSGO"]


def test_term_in_the_lexicon_is_the_lexicon_platform() -> None:
    social = load_lexicon("social-media")
    lexicon, chosen = resolve_terms(social, ["Grindr", "facebook", "FB", "grindr", "Face book"])
    assert [p.name for p in chosen] == ["Grindr", "Facebook"]
    assert chosen[1] is social.platform("Facebook")
    assert lexicon.name == social.name and lexicon.files == social.files
    assert lexicon.platforms[: len(social.platforms)] == social.platforms
    assert [p.name for p in lexicon.platforms[len(social.platforms) :]] == ["Grindr"]
    found = Matcher(lexicon, chosen).match_text("on FB and Grindr; grindr.com; TikTok")
    assert [(h.platform, h.matched, h.rule) for h in found] == [
        ("Facebook", "FB", "facebook.short"),
        ("Grindr", "Grindr", "grindr.name"),
        ("Grindr", "grindr.com", "grindr.url"),
    ]


def test_no_terms_is_every_platform_of_the_lexicon_not_marked_named_only() -> None:
    social = load_lexicon("social-media")
    lexicon, platforms = resolve_terms(social, [])
    assert lexicon == social
    assert [p.name for p in platforms] == [
        "Facebook",
        "Twitter",
        "WhatsApp",
        "Instagram",
        "TikTok",
        "Snapchat",
    ]  # Telegram and the rest say default = false: searched only when a request names them


def test_no_lexicon_and_no_terms_is_refused() -> None:
    with pytest.raises(LexiconError, match="give search terms"):
        resolve_terms(None, [])


def test_adhoc_lexicon_has_the_social_media_tokens() -> None:
    assert dict(TOKENS) == {
        k: v for k, v in load_lexicon("social-media").tokens if k in dict(TOKENS)
    }
    lexicon, chosen = resolve_terms(None, ["Grindr", "OnlyFans", "grindr", "GRINDR"])
    assert lexicon.name == ADHOC_LEXICON
    assert [p.name for p in chosen] == ["Grindr", "OnlyFans"]
    assert lexicon.platforms == chosen
    assert not lexicon.before and not lexicon.after and not lexicon.exclusions
    assert len(lexicon.sha256) == 64 and lexicon.source == "ad hoc: Grindr, OnlyFans"


def test_rule_names_never_clash_with_the_lexicon() -> None:
    toml = b"""
name = "mine"
version = "1"
[[platform]]
name = "Dating"
[[platform.rule]]
name = "grindr.name"
pattern = "dating app"
"""
    mine = parse_lexicon(toml, "mine.toml")
    lexicon, chosen = resolve_terms(mine, ["Grindr"])
    assert [r.name for r in chosen[0].rules] == [
        "grindr-2.name",
        "grindr-2.url",
        "grindr-2.one-edit",
    ]
    names = [r.name for p in lexicon.platforms for r in p.rules]
    assert len(names) == len(set(names))
    Matcher(lexicon, chosen)  # compiles


def test_one_edit_leaves_out_other_terms_and_the_lexicon_certain_rules() -> None:
    lexicon, chosen = resolve_terms(None, ["Zoomly", "Zoomla"])
    built = adhoc_term("Zoomly", avoid=["Zoomla"])
    assert "zoomla" in built.one_edit.terms and "zoomla" not in built.one_edit.kept
    found = Matcher(lexicon, chosen).match_text("zoomla")
    assert [(h.platform, h.certainty) for h in found] == [("Zoomla", CERTAIN)]
    social = load_lexicon("social-media")
    lexicon, chosen = resolve_terms(social, ["Telegrem"])
    spelling = chosen[0].rules[-1]
    assert spelling.name == "telegrem.one-edit"
    assert not re.fullmatch(spelling.pattern, "telegram", re.IGNORECASE)  # Telegram's own
    found = Matcher(lexicon, list(lexicon.platforms)).match_text("on telegram")
    assert [h.platform for h in found] == ["Telegram"]


def test_one_edit_never_an_english_word(matcher: Matcher) -> None:
    # the same lists as tests/test_wordlist_guard.py, loaded here on their own
    english_words = pytest.importorskip("english_words")
    wordfreq = pytest.importorskip("wordfreq")
    words = set(english_words.get_english_words_set(["web2", "gcide"], lower=True))
    words |= set(wordfreq.top_n_list("en", 100_000))
    assert len(words) > 250_000
    for term in [*TERMS, "Facebook", "Snapchat", "Tinderbox", "Deliveroo"]:
        kept = adhoc_term(term).one_edit.kept
        assert kept or term == "Uber"
        assert sorted(set(kept) & words) == [], term
    assert {"grind", "grinder"} <= set(adhoc_term("Grindr").one_edit.english)
    # and no word of the lists, alone, is a possible hit of an ad hoc term
    listed = sorted(w for w in words if w.strip())
    hits = matcher.match_array(pa.array(listed), "word")
    assert sorted({listed[h.row] for h in hits if h.certainty == POSSIBLE}) == []


def test_word_lists_are_not_imported_without_adhoc_terms() -> None:
    code = (
        "import sys\n"
        "from foidesk.search.adhoc import resolve_terms\n"
        "from foidesk.search.lexicon import load_lexicon\n"
        "from foidesk.search.matcher import Matcher\n"
        "social = load_lexicon('social-media')\n"
        "Matcher(*resolve_terms(social, ['Facebook', 'FB', 'tik tok']))\n"
        "Matcher(*resolve_terms(social, []))\n"
        "Matcher(*resolve_terms(None, ['Uber']))\n"  # too short for one-edit spellings
        "import foidesk.search.show\n"
        "assert 'english_words' not in sys.modules and 'wordfreq' not in sys.modules\n"
        "from foidesk.search.adhoc import english\n"
        "assert english() is english() and 'grinder' in english()\n"
        "assert 'wordfreq' in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_cli_show_term() -> None:
    proc = run_cli("lexicon", "show", "Grindr", "Uber")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("Grindr: a search term without a lexicon")
    for text in (
        "rule grindr.name: certain",
        "rule grindr.url: certain",
        "rule grindr.one-edit: possible",
        "such as Grindrr",
        "left out as English words: grind, grinder, grinds",
        "left out because the certain rules match them: grindrs",
        "rule uber.name: certain",
        "no one-edit spellings: fewer than 6 letters",
    ):
        assert text in out, text
    count = re.search(r"([\d,]+) one-edit spellings searched for as possible mentions \(20 ", out)
    assert count and int(count.group(1).replace(",", "")) > 300
    assert "uber.one-edit" not in out


def test_cli_show_lexicon(tmp_path: Path) -> None:
    proc = run_cli("lexicon", "show", "social-media")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("Lexicon social-media, version ")
    for text in (
        "Facebook (searched when a request names no terms)",
        "  variants: Facebook in any case",
        "rule facebook.name: certain",
        "pattern: face(?:[ \\-]|\\u00a0|",
        "rule facebook.short: certain, short form: needs a signal",
        "signal words before a short form: ",
        "exclusions (spans that are not mentions)",
    ):
        assert text in out, text
    n = len(load_lexicon("social-media").exclusions)
    assert f"Exclusions ({n}): " in out


def test_cli_show_missing_lexicon_file_is_one_line(tmp_path: Path) -> None:
    proc = run_cli("lexicon", "show", "Grindr", "missing.toml", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("foidesk: error: lexicon 'missing.toml' is neither")
    assert proc.stderr.count("\n") == 1


@pytest.mark.parametrize("term", ["Grindr", "OnlyFans", "Pokémon Go", "Disney+ Hotstar"])
def test_one_edit_pattern_is_exactly_the_kept_spellings(term: str) -> None:
    one_edit = adhoc_term(term).one_edit
    pattern = re.compile(one_edit.pattern.encode(), re.IGNORECASE)
    assert all(pattern.fullmatch(s.encode()) for s in one_edit.kept)
    left_out = one_edit.english + one_edit.certain + one_edit.terms
    assert [s for s in left_out if pattern.fullmatch(s.encode())] == []


def test_long_terms_stay_under_hyperscan_limit() -> None:
    long = "Supercalifragilistic Expialidocious Network Worldwide"
    built = adhoc_term(long)
    assert built.one_edit.kept and "too long" in built.one_edit.note
    assert all(" " not in s and "-" not in s for s in built.one_edit.kept)
    longest = "Qwertyuiop" * 10  # a request's term has at most 100 characters
    Matcher(*resolve_terms(None, [long, longest, "x" * 100]))  # compiles
    assert adhoc_term(longest).one_edit.kept == ()
    assert "too long" in adhoc_term(longest).one_edit.note
