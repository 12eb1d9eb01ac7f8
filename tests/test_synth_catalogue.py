"""Tests for the synthetic data set's catalogue (foidesk.tools.synth_catalogue, synth_data/)."""

from __future__ import annotations

import math
import re
from importlib import resources
from pathlib import Path

import pytest

from foidesk.casework.home_office import home_office
from foidesk.errors import FoideskError
from foidesk.search.lexicon import load_lexicon
from foidesk.tools.synth_catalogue import FIELDS, FILES, catalogue, load_catalogue


def test_offences_and_outcomes_use_home_office_codes() -> None:
    cat = catalogue()
    ho = home_office()
    drug_codes = set(ho.offence_groups["drugs"])
    for offence in cat.offences:
        family = next(f for f in cat.families if f.name == offence.family)
        # A drug offence counts in a request for drug offences, and nothing else does.
        assert (offence.code in drug_codes) == family.drug, offence
    assert set(cat.drug_code_share) == drug_codes
    for outcome in cat.outcomes:
        assert outcome.ho_outcome == "" or outcome.ho_outcome in ho.outcome_types, outcome


def test_weights_are_shares_so_drug_share_means_what_it_says() -> None:
    cat = catalogue()
    assert math.isclose(sum(cat.drug_code_share.values()), 1)
    drug = {f.name for f in cat.families if f.drug}
    for code in cat.drug_code_share:
        weights = [o.weight for o in cat.offences if o.code == code and o.family in drug]
        assert math.isclose(sum(weights), 1), code
    other = [o.weight for o in cat.offences if o.family not in drug]
    assert math.isclose(sum(other), 1)


def test_note_sentences_lend_no_signal_to_a_neighbouring_short_form() -> None:
    lexicon = load_lexicon("social-media")
    cat = catalogue()
    sentences = [
        sentence
        for family in cat.families
        for field in FIELDS
        for sentence in cat.note_sentences(family, field)
    ]
    # The knife notes and traps, and the possible mentions, sit between the same sentences.
    sentences += [s for kind in cat.knife_kinds for texts in kind.sentences.values() for s in texts]
    sentences += [note.text for note in cat.possible_notes]
    for sentence in sentences:
        words = re.findall(r"\{\w+\}|[\w']+", sentence.lower())
        assert words[0] not in lexicon.after, sentence
        assert words[-1] not in lexicon.before, sentence


def test_knife_crime_offences_take_their_share_of_another_offence() -> None:
    """An offence `from` another is drawn as that one first: their weights add up, in floating
    point, to what that one had alone (so the drug records are drawn as before), and the two
    families name a platform as often."""
    cat = catalogue()
    before = {"8N": 0.14, "105A": 0.16, "49": 0.14, "8L": 0.06}  # before issue 13
    families = {f.name: f for f in cat.families}
    by_code = {o.code: o for o in cat.offences}
    for code, weight in before.items():
        total = by_code[code].weight
        for offence in cat.offences:
            if offence.parent == code:
                total += offence.weight
                rate = families[offence.family].mention_rate
                assert rate == families[by_code[code].family].mention_rate
        assert total == weight, code
    children = [o for o in cat.offences if o.parent]
    assert {o.code for o in children} == {"5D", "3B", "34A", "34B", "10D", "10C"}
    assert cat.offences[-len(children) :] == tuple(children)  # listed last


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    folder = resources.files("foidesk.tools").joinpath("synth_data")
    for name in FILES:
        (tmp_path / name).write_bytes(folder.joinpath(name).read_bytes())
    assert load_catalogue(tmp_path) == catalogue()
    return tmp_path


# (file, text replaced, replacement, what the message says after the file name)
MALFORMED = [
    (
        "offences.toml",
        "weight = 0.8\n",
        'weight = "heavy"\n',
        r"offence\[0\]\.weight: must be a number",
    ),
    (
        "offences.toml",
        'family = "possession"',
        'family = "posession"',
        r"offence\[0\]\.family: 'posession' is not one of \[families\]",
    ),
    (
        "offences.toml",
        '"92E" = [5, 8, ',
        '"92E" = [8, ',
        r"outcome_weights\.92E: must have 9 weights",
    ),
    (
        "sentences.toml",
        "[family.possession]",
        "[family.posession]",
        r"family\.posession: not a family",
    ),
    (
        "forms.toml",
        "[form.Facebook.adv]",
        "[form.Facebook.adverb]",
        r"form\.Facebook\.adverb: kind 'adverb' has no \[carriers\.adverb\]",
    ),
    ("forms.toml", "[[list_form]]\n", "[[list_form]]\nc = 1\n", r"list_form\[0\]\.c: unknown key"),
    (
        "pools.toml",
        'youngage = ["14", "15", "16", "17"]',
        "youngage = []",
        r"pools\.youngage: must be",
    ),
    ("pools.toml", "\n[handles]\n", "\n[handles\n", r"not valid TOML"),
    (
        "offences.toml",
        'from = "8N"',
        'from = "92A"',
        r"offence\[\d+\]\.from: '92A' must be the code of one non-drug offence",
    ),
    (
        "offences.toml",
        "threats = { drug = false, mention_rate = 0.05 }",
        "threats = { drug = false, mention_rate = 0.04 }",
        r"offence\[\d+\]\.from: family 'threats' must have the mention_rate of 'harassment'",
    ),
    (
        "knives.toml",
        '"8N" = { used = 0.05,',
        '"8N" = { usedd = 0.05,',
        r"rates\.8N\.usedd: unknown kind",
    ),
    (
        "knives.toml",
        "\nother = {",
        '\n"92A" = { used = 0.1 }\nother = {',
        r"rates\.92A: not the code of a non-drug offence",
    ),
    (
        "knives.toml",
        '"10D" = { possession = 0.92,',
        '"10D" = { weapon = 0.2, possession = 0.92,',
        r"rates\.10D: chances add up to more than 1",
    ),
    (
        "knives.toml",
        '"10D" = { possession = 0.92,',
        '"10D" = { shoplifting = 0.05, possession = 0.9,',
        r"rates\.10D\.shoplifting: no sentences of 'shoplifting' for family 'weapons'",
    ),
    (
        "possible.toml",
        'possible = ["Facebook"]\ntruth = ["Facebook"]',
        'possible = ["Facebook"]\ntruth = ["Snapchat"]',
        r"note\[0\]\.truth: must name platforms of `possible`, each once, or none",
    ),
    (
        "possible.toml",
        'possible = ["Facebook"]',
        'possible = ["Messenger"]',
        r"note\[0\]\.possible: must name platforms of forms.toml, each once",
    ),
    ("possible.toml", "rate = 0.006", "rate = 2", r"rate: must be at most 1"),
    (
        "knives.toml",
        '"razor blades" = "shoplifting"',
        '"razor bladez" = "shoplifting"',
        r'lookalikes\."razor bladez": not found',
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "message"), MALFORMED)
def test_a_malformed_data_file_is_refused_naming_file_and_key(
    data_copy: Path, name: str, old: str, new: str, message: str
) -> None:
    path = data_copy / name
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(FoideskError, match=f"^synth_data/{re.escape(name)}: {message}"):
        load_catalogue(data_copy)
