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
        # a zero-width space inside the word
        ("held a kn\u200bife to the cashier", "kn\u200bife"),
    ],
    "knife.misspelling": [
        ("pulled out a nife", "nife"),
        ("swung a mashete at him", "mashete"),
        ("S pulled a kife on V", "kife"),
    ],
    "knife.other-languages": [
        ("V says 'ele tinha uma faca e ameaçou-me'", "faca"),
        ("V wrote: 'كان معه سكين'", "سكين"),
        ("'drywanu fi gyda chyllell'", "chyllell"),
    ],
    "knife.blade": [("held a blade to her throat", "blade")],
    "knife.bladed-types": [
        ("robbed by a male with a machete", "machete"),
        ("attacked with a hatchet", "hatchet"),
    ],
    "knife.sharp-instrument": [
        ("wounds from a sharp instrument", "sharp instrument"),
        ("Post mortem: sharp force injury to the neck", "sharp force injury"),
    ],
    "knife.stab": [
        ("V was stabbed in the leg", "stabbed"),
        ("V stabed in the leg outside the pub", "stabed"),
        ("a stab wound to the chest", "stab wound"),
    ],
    "knife.slash": [("S slashed V across the face", "slashed"), ("V was slashd by S", "slashd")],
    "knife.glass": [
        ("S glassed V", "glassed"),
        ("held a jagged piece of glass to his face", "jagged piece of glass"),
        ("S pushed his pint glass into V's face", "pushed his pint glass into"),
        ("pushed the broken stem into V's cheek", "broken stem"),
        ("swung the jagged edge at V", "jagged edge"),
    ],
    "knife.slang": [("S held a shank to V", "shank")],
    "knife.pointed-tools": [
        ("threatened her with scissors", "scissors"),
        # a signal after it: "held", "used", "points"
        ("picked up the scissors and held the points to her neck", "scissors"),
        ("a bottle smashed and used to cut him", "bottle smashed"),
        ("came over the fence with a pitchfork", "pitchfork"),
        ("held the sharp edge of a tin lid against V's neck", "sharp edge"),
    ],
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
    "knife.other-languages": ["a facade of the building", "the faca2 account name"],
    "knife.blade": ["injury to his shoulder blade", "rotor blade"],
    "knife.bladed-types": ["Cleaver & Sons butchers", "a foam sword"],
    "knife.sharp-instrument": ["no sharp instrument was used"],
    "knife.stab": ["stabbed me in the back", "wearing a stab vest"],
    "knife.slash": ["slashed prices", "scratched and slashed by brambles"],
    "knife.glass": ["a broken glass shelf", "S put his glass into the sink"],
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
    # (and: "fans of the Blades", "a film called 'The Blade Beneath'", below)
    "nature.brambles": "slashed by brambles as he ran",
    "figurative.back-stab": "she stabbed me in the back",
    "figurative.slashed-prices": "the shop slashed prices",
    "police.equipment": "officer in a stab vest",
    "anatomy.shoulder-blade": "bruise on the shoulder blade",
    "objects.other-blades": "wind turbine rotor blades",
    "names.stanley-sharp": "lives on Stanley Road",
    "medical.scalpel": "drained with a surgical scalpel",
    "cutlery.set": "a set of knives stolen",
    "objects.emoji-sticker": "a phone case with a \U0001f5e1\ufe0f sticker on the back",
    "threat.future": "S said 'I'm going to stab you and your kids' and walked off",
    "article.none-found": "No bladed or pointed article found",
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


@pytest.mark.parametrize(
    "text",
    [
        "Fight between fans of the Blades and rival supporters; V punched",
        "V touched during a horror film called 'The Blade Beneath'",
        "Phone snatched from V, Mr Liam BLADE, outside the shop",
        "V robbed on his way home from a vigil at the knife crime memorial",
        # figures of speech and names, version 4
        "V and S have crossed swords before at council meetings",
        "V believes S has an axe to grind",
        "they agreed to bury the hatchet",
        "reporting her brother was a 'double edged sword'",
        "the knives have been out for him at work",
        "V could only make a stab in the dark at his age",
        "Assault near the Knife Angel sculpture",
        "Operation Blade patrols in the town centre",
        "Assault outside the Axe and Cleaver pub",
        "Incident at the Sickle Inn",
        "S hit V with a metal Stanley flask",
        "Assault in the queue. Knife: no. Other weapon: no.",
        "OIC update: not knife enabled. V fell onto a fence.",
        # version 5: knife crime as a subject, brands, shoes, tattoos, names, officers
        "V and parents given the Safer Schools knife crime leaflet",
        "knocking down a display of Wilkinson Sword gift sets",
        "S struck V with the heel of a stiletto shoe",
        "S has a tattoo of a dagger through a heart",
        "S wearing a black T-shirt with a large knife and skull print",
        "V (Dirk VANSTRAATEN) was punched in the face",
        "S known on the street as 'Blade' punched V",
        "after the Marrowfield Blades v Dunstraven Rovers match",
        "arrested by PC Sharp and PC Blade-Thornton",
        "Surgeons used a scalpel to make an incision below the eye",
        "Paramedics cut V's clothing off with trauma shears",
        # version 6: tyres, tools, films, games, bands, venues, a razor-sharp memory
        "Separately several cars had tyres slashed the same night",
        "S hit V across the back with a shovel (flat of the blade)",
        "V caught her finger on the blade of a desk fan",
        "V has a razor-sharp memory of the incident",
        "V had been eating toast with a butter knife",
        "V was watching the film 'Knife Season' when S touched her",
        "Brothers arguing over the video game Blade Storm 3",
        "Fight at the gig for The Rusty Blades",
        "S assaulted V at the Blade & Bone steakhouse",
        "Search of S negative for knives.",
    ],
)
def test_names_and_causes_are_no_knife(text: str) -> None:
    assert _certain(text, KNIFE) == []


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # a knife found later on the suspect, at his address or in his car
        ("On arrest a lock knife was found in his pocket.", "doubt:arrest"),
        ("A machete was found in the boot during a search of his car.", "doubt:search"),
        # hearsay, and an account withdrawn or of another incident
        ("An informant says S always carries a blade.", "doubt:informant"),
        ("V has since retracted the part of her account about the knife.", "doubt:retracted"),
        (
            "The stabbing people talked about online was a separate incident that night.",
            "doubt:separate incident",
        ),
        # there, but no part of the crime; the victim's own
        ("His keyring held a small penknife, seized by officers.", "doubt:keyring"),
        (
            "V took a knife from the drawer to defend herself and S knocked it away.",
            "doubt:to defend herself",
        ),
        ("V could not say whether the man who pushed her over held a knife.", "doubt:whether"),
        # version 4: intelligence, a question, the victim's own put down, not taken out
        ("Intel suggests S keeps a machete at his home address.", "doubt:intel"),
        ("V shouted 'is that a knife?' when S put his hand in his pocket.", "doubt:is that a"),
        ("V put the knife down and S punched him.", "doubt:v put the"),
        (
            "Police found a folding knife in S's bag, which S did not take out.",
            "doubt:did not take out",
        ),
        # version 5: bail conditions, a risk assessment, a knife for sale
        ("Bailed with conditions: not to carry any knife in public.", "negated:not"),
        ("DASH: any access to knives? Only the kitchen ones.", "doubt:access to knives"),
        ("V arranged to sell a collectable hunting knife to a buyer.", "doubt:collectable"),
    ],
)
def test_a_knife_in_doubt_is_possible_not_counted(text: str, cue: str) -> None:
    hits = [h for h in MATCHER.match_text(text) if h.platform == KNIFE]
    assert hits and {h.certainty for h in hits} == {"possible"}, hits
    assert any(cue in h.signal for h in hits), hits


def test_a_knife_used_then_found_on_arrest_counts() -> None:
    text = "S held a knife to V's throat and took her bag. On arrest the knife was found on him."
    assert _certain(text, KNIFE) == ["knife"]
    # in a possession offence the article found on arrest is the offence itself
    assert _certain("On arrest a lock knife was found in his pocket.", ARTICLE) == ["lock knife"]


def test_neither_and_a_knife_held_up_but_not_used_to_cut() -> None:
    assert _certain("Both held their swords, but neither blade was used", KNIFE) == []
    # threatened is counted: "not used to cut" is no denial that it was held up
    text = "S held a knife up while punching V. Knife not used to cut but was held up throughout."
    assert _certain(text, KNIFE) == ["knife", "Knife"]


def test_a_knife_type_is_no_denial_and_a_threat_for_later_leaves_a_knife_held_counted() -> None:
    # "filleting" names the knife here, not a cook at work
    assert _certain("S slashed V across the back with a filleting knife", KNIFE) == [
        "slashed",
        "knife",
    ]
    # the threat in words is not counted; the knife he held is
    text = "S held a knife to V's face and said 'I'm going to stab you'."
    assert _certain(text, KNIFE) == ["knife"]
    # the emoji with its variation selector
    assert _certain("V: 'he \U0001f5e1\ufe0f me in my arm'", KNIFE) == ["\U0001f5e1\ufe0f"]


def test_version_5_finds_improvised_blades_and_reads_weapon_boxes() -> None:
    assert _certain("S jabbed a broken milk bottle at V's face", KNIFE) == ["broken milk bottle"]
    assert _certain("V cut on the neck with a spoon handle sharpened on the floor", KNIFE) == [
        "handle sharpened"
    ]
    assert _certain("held a metal-tipped dart to his neck", KNIFE) == ["dart"]
    # a field that says the knife in the house was not used outweighs it
    assert _certain("V had been using a vegetable knife. Weapon used: none (fists).", KNIFE) == []
    # a relative's "he never carries a knife" does not deny what V saw
    text = "V states S pulled a knife on him. S's partner says he never carries a knife."
    assert "knife" in _certain(text, KNIFE)
    # possession: "No blade." ends a 10D record that was not one
    assert _certain("S found with CS spray. Recorded 10D by mistake. No blade.", ARTICLE) == []


def test_version_6_slang_self_harm_and_background_knives() -> None:
    assert _certain("Victim jooked in the back outside the chicken shop", KNIFE) == ["jooked"]
    assert _certain("V got cheffed up on the estate", KNIFE) == ["cheffed up"]
    assert _certain("Victim got wet up outside the bar", KNIFE) == ["got wet up"]
    assert _certain("S pulled a ching on V", KNIFE) == ["ching"]
    assert _certain("S found with a karambit on a cord round his neck.", ARTICLE) == ["karambit"]
    # self-harm, a chef's own knives, a knife not needed: none counts
    assert _certain("DA. S cut his own arm with a knife in front of V.", KNIFE) == []
    assert _certain("S said 'I don't need a knife to do you'.", KNIFE) == []
    text = (
        "S stabbed V in the leg with a vegetable knife. V is a chef and keeps his own knives "
        "at work, not involved."
    )
    assert _certain(text, KNIFE) == ["stabbed", "knife"]
    # a field saying no knife was touched outweighs a knife block in the room
    text = "V raped in the kitchen. Knife block there; S did not touch or refer to any knives."
    assert _certain(text, KNIFE) == []


def test_version_7_the_record_says_what_the_weapon_was() -> None:
    # the injury or the weapon was something else, and the record says so in the same field
    text = "W1 thought S had a blade. Injuries are from a hammer: blunt trauma only."
    assert _certain(text, KNIFE) == []
    assert _certain("V says S pulled a knife. CCTV: S's hands are empty throughout.", KNIFE) == []
    # the suspect's past, bail, hearsay and opinion: possible, never counted
    assert (
        _certain("S has previous convictions for wounding with a knife. S slapped V.", KNIFE) == []
    )
    assert _certain("S is on court bail for having a blade. S pushed V over.", KNIFE) == []
    assert _certain("V's brother had heard that S carries a machete. S kicked V.", KNIFE) == []
    # a knife recovered or not is no denial that it was used
    assert _certain("S held a knife to V's neck and took her bag. No knife recovered.", KNIFE) == [
        "knife",
        "knife",
    ]
    # a jagged bottle neck and a pair of scissors held to someone are sharp instruments
    assert _certain("S broke a bottle and lunged at V with the jagged neck.", KNIFE) == [
        "jagged neck"
    ]
    assert _certain("S threatened her with a pair of kitchen scissors.", KNIFE) == [
        "a pair of kitchen scissors"
    ]
