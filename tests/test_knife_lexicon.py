"""Every rule and exclusion of the built-in knife lexicon, with a case that it counts and one
that it does not; the test fails when a rule or exclusion is added without cases here."""

from __future__ import annotations

import pytest

from foidesk.search.lexicon import load_lexicon
from foidesk.search.matcher import Matcher

LEXICON = load_lexicon("knife")
MATCHER = Matcher(LEXICON)
KNIFE = "Knife or sharp instrument"
ARTICLE = "Bladed or pointed article"

# rule -> (text, the matched text of a certain hit)
POSITIVE: dict[str, list[tuple[str, str]]] = {
    "knife.word": [
        ("S stabbed V with a kitchen knife", "knife"),
        ("a lock knife", "lock knife"),
    ],
    "knife.misspelling": [("pulled out a nife", "nife"), ("swung a mashete at him", "mashete")],
    "knife.blade": [("held a blade to her throat", "blade")],
    "knife.bladed-types": [
        ("robbed by a male with a machete", "machete"),
        ("attacked with a hatchet", "hatchet"),
    ],
    "knife.sharp-instrument": [("wounds from a sharp instrument", "sharp instrument")],
    "knife.stab": [
        ("V was stabbed in the leg", "stabbed"),
        ("a stab wound to the chest", "stab wound"),
    ],
    "knife.slash": [("S slashed V across the face", "slashed")],
    "knife.glass": [
        ("S glassed V", "glassed"),
        ("held a jagged piece of glass to his face", "jagged piece of glass"),
    ],
    "knife.slang": [("S held a shank to V", "shank")],
    "knife.pointed-tools": [("threatened her with scissors", "scissors")],
    "knife.slang-use": [("V was bora'd near the garages", "bora'd")],
    "article.knife": [("found with a lock knife in his waistband", "lock knife")],
    "article.blade": [("a machete under the car seat", "machete")],
    "article.pointed": [("a pointed article in his pocket", "pointed article")],
    "article.tools": [("a sharpened toothbrush in his sock", "sharpened")],
}

# rule -> texts where its term has no certain hit
NEGATIVE: dict[str, list[str]] = {
    "knife.word": ["no knife was seen", "the lorry jackknifed"],
    "knife.misspelling": ["a knifeless robbery"],
    "knife.blade": ["injury to his shoulder blade", "rotor blade"],
    "knife.bladed-types": ["Cleaver & Sons butchers", "a foam sword"],
    "knife.sharp-instrument": ["no sharp instrument was used"],
    "knife.stab": ["stabbed me in the back", "wearing a stab vest"],
    "knife.slash": ["slashed prices", "scratched and slashed by brambles"],
    "knife.glass": ["a broken glass shelf"],
    "knife.slang": ["Mr Shanks attended"],
    "knife.pointed-tools": ["sterile scissors in the kit"],
    "knife.slang-use": ["a Bora Bora holiday"],
    "article.knife": ["cutlery: knives and forks"],
    "article.blade": ["blade of grass"],
    "article.pointed": ["a pointed remark"],
    "article.tools": ["a spanner in his bag"],
}

# exclusion -> a text whose candidate it removes (and that would count without it)
EXCLUSIONS: dict[str, str] = {
    "figurative.knife-edge": "the match was on a knife-edge",
    "figurative.simile": "it cut him like a knife",
    "figurative.phrases": "S twisted the knife by posting about it",
    "names.places-and-firms": "outside 7 Dagger Way",
    "names.nickname": "known as 'Razor' locally",
    "nature.brambles": "slashed by brambles as he ran",
    "figurative.back-stab": "she stabbed me in the back",
    "figurative.slashed-prices": "the shop slashed prices",
    "police.equipment": "officer in a stab vest",
    "anatomy.shoulder-blade": "bruise on the shoulder blade",
    "objects.other-blades": "wind turbine rotor blades",
    "names.stanley-sharp": "lives on Stanley Road",
    "medical.scalpel": "drained with a surgical scalpel",
    "cutlery.set": "a set of knives stolen",
}


def test_every_rule_and_exclusion_has_cases() -> None:
    rules = {r.name for p in LEXICON.platforms for r in p.rules}
    assert rules == set(POSITIVE) == set(NEGATIVE)
    assert {e.name for e in LEXICON.exclusions} == set(EXCLUSIONS)


def _certain(text: str, term: str) -> list[str]:
    return [
        h.matched
        for h in MATCHER.match_text(text)
        if h.platform == term and h.certainty == "certain"
    ]


@pytest.mark.parametrize(
    ("rule", "text", "matched"), [(r, t, m) for r, c in POSITIVE.items() for t, m in c]
)
def test_rule_positive(rule: str, text: str, matched: str) -> None:
    hits = MATCHER.match_text(text)
    assert (rule, matched, "certain") in [(h.rule, h.matched, h.certainty) for h in hits], hits


@pytest.mark.parametrize(("rule", "text"), [(r, t) for r, texts in NEGATIVE.items() for t in texts])
def test_rule_negative(rule: str, text: str) -> None:
    term = KNIFE if rule.startswith("knife.") else ARTICLE
    assert _certain(text, term) == []


@pytest.mark.parametrize(("exclusion", "text"), list(EXCLUSIONS.items()))
def test_exclusion(exclusion: str, text: str) -> None:
    assert _certain(text, KNIFE) == []
    without = Matcher(
        LEXICON.__class__(
            **{
                **LEXICON.__dict__,
                "exclusions": tuple(e for e in LEXICON.exclusions if e.name != exclusion),
            }
        )
    )
    assert [h for h in without.match_text(text) if h.platform == KNIFE], exclusion


def test_a_field_that_says_no_weapon_was_used_outweighs_a_knife_named_in_it() -> None:
    text = "Informant says S carries a blade. No weapon was used; it was a headbutt."
    assert {h.certainty for h in MATCHER.match_text(text) if h.platform == KNIFE} == {"possible"}
    assert _certain("S held a blade to V. No other weapon was used.", KNIFE) == ["blade"]


def test_the_knife_lexicons_words_and_conditions() -> None:
    assert LEXICON.words.table_heading == "WEAPON"
    terms = {p.name: p for p in LEXICON.platforms}
    knife, article = terms[KNIFE], terms[ARTICLE]
    assert knife.condition is not None and knife.condition.allows("8N")
    assert not knife.condition.allows("46") and not knife.condition.allows("10D")
    assert article.condition is not None and article.condition.allows("10D")
    assert not article.condition.allows("8N")
    assert LEXICON.negation is not None and not article.negation


def test_lexicon_show_prints_the_conditions_and_the_negation() -> None:
    from tests.conftest import run_cli

    out = run_cli("lexicon", "show", "knife").stdout
    assert "counted only in knife-selected (the record's offence)" in out
    assert "counted only in blade-possession (the record's offence)" in out
    assert "the lexicon's negation cues do not apply to this term" in out
    assert "Negation (within 5 words of the clause; negated hits possible" in out
    assert "a signal may stand up to 4 words either side" in out


def test_negation_reads_words_with_apostrophes_and_digits() -> None:
    # "don't" is one word (the look-alike fold's letter runs once shadowed the word pattern)
    text = "V asked about weapons: 'I don't think he had a knife, he just used his fists.'"
    assert _certain(text, KNIFE) == []
    text = "susp had a knife in his bag, but it was not produced during the robbery"
    assert _certain(text, KNIFE) == []
