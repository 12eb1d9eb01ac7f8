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
    for family in cat.families:
        for field in FIELDS:
            for sentence in cat.note_sentences(family, field):
                words = re.findall(r"\{\w+\}|[\w']+", sentence.lower())
                assert words[0] not in lexicon.after, sentence
                assert words[-1] not in lexicon.before, sentence


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
