"""``[negation] doubt``: phrases that, anywhere in a mention's sentence, leave it in doubt
without denying it ("allegedly", "on arrest a knife was found"). The mention is a possible hit
whatever ``hits`` says, a doubted last mention does not spread through ``last_mention``, and a
term the negation does not apply to is not doubted. A lexicon without it (social media) is
matched as before."""

from __future__ import annotations

import pytest

from foidesk.errors import LexiconError
from foidesk.search.lexicon import load_lexicon, parse_lexicon
from foidesk.search.matcher import Matcher

LEXICON = """\
name = "doubts"
[negation]
hits = "{hits}"
before = ["no"]
pseudo = ["no other"]
last_mention = true
doubt = ["rumoured", "on arrest", "third-party"]
[[platform]]
name = "Knife"
[[platform.rule]]
name = "knife.word"
pattern = "knife"
[[platform]]
name = "Article"
negation = false
[[platform.rule]]
name = "article.word"
pattern = "blade"
"""


def _matcher(hits: str = "possible") -> Matcher:
    lexicon = parse_lexicon(LEXICON.replace("{hits}", hits).encode(), "doubts.toml")
    return Matcher(lexicon, lexicon.platforms)


def _found(matcher: Matcher, text: str) -> list[tuple[str, str, str]]:
    return [(h.matched, h.certainty, h.signal) for h in matcher.match_text(text)]


def test_a_doubt_phrase_anywhere_in_the_sentence_makes_its_mentions_possible() -> None:
    m = _matcher()
    assert _found(m, "It is rumoured locally that S carries a knife") == [
        ("knife", "possible", "doubt:rumoured")
    ]
    # after the mention, beyond a comma or a "but": the whole sentence
    assert _found(m, "A lock knife was found in his pocket, but only on arrest") == [
        ("knife", "possible", "doubt:on arrest")
    ]
    # written as the matcher compares words: "third-party" is "third party"
    assert _found(m, "A third party says S had a knife") == [
        ("knife", "possible", "doubt:third party")
    ]


def test_a_doubt_phrase_reaches_no_other_sentence() -> None:
    m = _matcher()
    assert _found(m, "S held a knife to V. Rumoured to be a gang member") == [
        ("knife", "certain", "")
    ]
    assert _found(m, "Rumoured to be a gang member; S held a knife to V") == [
        ("knife", "certain", "")
    ]


def test_a_doubted_last_mention_does_not_spread() -> None:
    # the knife used counts (the doubted one beside it adds nothing to check: dropped)
    m = _matcher()
    text = "S held a knife to V. On arrest a knife was found in his pocket"
    assert _found(m, text) == [("knife", "certain", "")]
    # a negated last mention still spreads, as before
    text = "S said he had a knife. There was no knife"
    assert [c for _, c, _ in _found(m, text)] == ["possible", "possible"]


def test_doubted_hits_are_kept_as_possible_even_when_negated_ones_are_dropped() -> None:
    m = _matcher("dropped")
    assert _found(m, "no knife was seen") == []
    assert _found(m, "It was rumoured he had a knife") == [("knife", "possible", "doubt:rumoured")]


def test_negation_wins_over_doubt_and_pseudo_phrases_are_no_doubt() -> None:
    m = _matcher()
    assert _found(m, "Rumoured, but there was no knife") == [("knife", "possible", "negated:no")]
    pseudo = parse_lexicon(
        LEXICON.replace("{hits}", "possible")
        .replace('doubt = ["rumoured"', 'doubt = ["not only", "rumoured"')
        .replace('pseudo = ["no other"]', 'pseudo = ["not only a"]')
        .encode(),
        "doubts.toml",
    )
    assert _found(Matcher(pseudo, pseudo.platforms), "not only a knife but a bat") == [
        ("knife", "certain", "")
    ]


def test_a_term_without_negation_is_not_doubted() -> None:
    # possession: a blade "found on arrest" is the offence itself
    m = _matcher()
    assert _found(m, "On arrest a blade was found in his sock") == [("blade", "certain", "")]


def test_a_negation_table_may_hold_doubt_phrases_alone_and_they_are_checked() -> None:
    only = 'name = "x"\n[negation]\ndoubt = ["allegedly"]\n'
    only += '[[platform]]\nname = "A"\n[[platform.rule]]\nname = "a"\npattern = "knife"\n'
    lexicon = parse_lexicon(only.encode(), "x.toml")
    assert lexicon.negation is not None and lexicon.negation.doubt == (("allegedly",),)
    hits = Matcher(lexicon).match_text("S allegedly had a knife; V was punched")
    assert [(h.certainty, h.signal) for h in hits] == [("possible", "doubt:allegedly")]
    for bad in ('doubt = "allegedly"', "doubt = [1]", 'doubt = [""]'):
        text = only.replace('doubt = ["allegedly"]', bad)
        with pytest.raises(LexiconError, match=r"negation\.doubt must be a list of words"):
            parse_lexicon(text.encode(), "x.toml")


def test_social_media_has_no_negation_and_counts_as_before() -> None:
    social = load_lexicon("social-media")
    assert social.negation is None
    hits = Matcher(social).match_text("It was rumoured that S messaged V on Snapchat on arrest")
    assert [(h.platform, h.certainty) for h in hits] == [("Snapchat", "certain")]


def test_the_knife_lexicons_doubt_phrases() -> None:
    knives = Matcher(load_lexicon("knife"))

    def knife(text: str) -> list[tuple[str, str]]:
        return [
            (h.matched, h.certainty)
            for h in knives.match_text(text)
            if h.platform == "Knife or sharp instrument"
        ]

    assert knife("On arrest a lock knife was found in his pocket; V never saw it.") == [
        ("lock knife", "possible")
    ]
    assert knife("S held a knife to V's throat. On arrest a knife was found on him.") == [
        ("knife", "certain")
    ]
    assert knife("An anonymous caller said the men who robbed V carried a machete.") == [
        ("machete", "possible")
    ]
    assert knife("S stabbed V in the leg with a kitchen knife.") == [
        ("stabbed", "certain"),
        ("knife", "certain"),
    ]


def test_a_pseudo_phrase_may_run_on_past_the_mention() -> None:
    """ "No knife recovered" begins with the cue "no" before the mention, and the pseudo phrase
    that cancels it runs on into the mention and after: a knife used is often not recovered."""
    knives = Matcher(load_lexicon("knife"))

    def knife(text: str) -> list[tuple[str, str]]:
        return [
            (h.matched, h.certainty)
            for h in knives.match_text(text)
            if h.platform == "Knife or sharp instrument"
        ]

    text = "V was threatened with a knife held to his stomach. No knife recovered."
    assert knife(text) == [("knife", "certain"), ("knife", "certain")]
    # the cue alone still negates: "No knife was seen by anyone" (last mention spreads)
    denied = knife("V said S had a knife. No knife was seen by anyone.")
    assert denied == [("knife", "possible"), ("knife", "possible")]


def test_a_field_phrase_stays_inside_one_sentence() -> None:
    """The field phrase "knife: no" (a weapons box) is not read across a sentence's end:
    "drop the knife. No specific victim" denies nothing."""
    knives = Matcher(load_lexicon("knife"))
    text = "S was holding a kitchen knife in the street. S dropped the knife. No victim found."
    hits = [h for h in knives.match_text(text) if h.platform == "Bladed or pointed article"]
    assert [h.certainty for h in hits] == ["certain", "certain"]
    boxed = knives.match_text("S punched V. Weapon used: none. Knife: no.")
    assert all(h.certainty == "possible" for h in boxed)
