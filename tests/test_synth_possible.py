"""Possible mentions in the synthetic data set (possible.toml; for the review of issue 14): a
share of the drug crimes whose notes name no platform hold one sentence that the social-media
lexicon marks possible only, some truly naming the platform and some not; labels.csv's
``possible`` and ``possible_truth`` say which platforms are marked and which are true. The
matcher, run over the generated notes, agrees with labels.csv about every crime."""

from __future__ import annotations

import csv
import re
import string
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pytest

from foidesk.search.lexicon import load_lexicon
from foidesk.search.matcher import Matcher
from foidesk.tools.synth import SynthResult, make_synthetic
from foidesk.tools.synth_catalogue import catalogue

TEXT_FIELDS = ("text_mo", "text_summary", "text_log")
TIKTOK_FROM = date(2018, 8, 2)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_lexicon("social-media"))


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """A small set with drug offences only, so that it holds a few dozen possible mentions."""
    return make_synthetic(4000, tmp_path_factory.mktemp("possible"), seed=14, drug_share=1.0)


def _labels(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "labels.csv").open(encoding="utf-8", newline="") as f:
        return {r["crime_ref"]: r for r in csv.DictReader(f)}


def _platforms(value: str) -> set[str]:
    return set(value.split(";")) if value else set()


def _found(matcher: Matcher, folder: Path) -> dict[str, dict[str, set[str]]]:
    """Per crime, the platforms of its certain and of its possible hits, over every copy."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    strings = dict.fromkeys(("crime_ref", "ho_code", *TEXT_FIELDS), pa.string())
    for name in ("legacy.csv", "athena.csv"):
        table = pcsv.read_csv(
            folder / name, convert_options=pcsv.ConvertOptions(column_types=strings)
        )
        refs = table.column("crime_ref").to_pylist()
        for field in TEXT_FIELDS:
            if field in table.column_names:
                for hit in matcher.match_array(table.column(field), field):
                    found[refs[hit.row]][hit.certainty].add(hit.platform)
    return found


def _check_matcher_agrees(matcher: Matcher, folder: Path) -> list[dict[str, str]]:
    """Every crime's certain hits are of the platforms labels.csv names, its possible hits of
    those its `possible` names (none for a crime without); returns the possible crimes' rows."""
    labels = _labels(folder)
    found = _found(matcher, folder)
    for ref in set(found) | set(labels):
        row = labels.get(ref, {"platforms": "", "possible": ""})
        got = found.get(ref, {})
        assert set(got.get("certain", ())) == _platforms(row["platforms"]), (ref, row, got)
        assert set(got.get("possible", ())) == _platforms(row["possible"]), (ref, row, got)
    return [r for r in labels.values() if r["possible"]]


def _check_truth(rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert not row["platforms"], row  # possible only: the certain counts are unchanged
        assert _platforms(row["possible_truth"]) <= _platforms(row["possible"]), row
        for column in ("possible", "possible_truth"):
            names = row[column].split(";") if row[column] else []
            assert names == sorted(set(names)), row
    true = [r for r in rows if r["possible_truth"]]
    assert 0.3 < len(true) / len(rows) < 0.8  # some to accept, some to reject


def test_possible_only_crimes_in_a_small_set(data: SynthResult, matcher: Matcher) -> None:
    rows = _check_matcher_agrees(matcher, data.labels_path.parent)
    assert len(rows) == data.possible_labelled
    assert 10 < len(rows) < 60  # 0.6% of about 3,800 drug crimes naming no platform
    _check_truth(rows)


def test_demo_holds_a_few_hundred_possible_only_crimes(
    synthetic_200k: Path, matcher: Matcher
) -> None:
    """The demo's data: a few hundred crimes with possible mentions only, of every platform,
    with the truth of each in labels.csv; the matcher agrees with labels.csv on every crime."""
    folder = synthetic_200k.parent
    rows = _check_matcher_agrees(matcher, folder)
    assert 250 < len(rows) < 450
    _check_truth(rows)
    marked = Counter(p for r in rows for p in r["possible"].split(";"))
    true = Counter(p for r in rows for p in _platforms(r["possible_truth"]))
    assert set(marked) == set(catalogue().platforms)
    assert set(true) == set(marked) - {"Twitter"}  # X is never Twitter before 2023
    # Each sentence of possible.toml is used, and a TikTok one only from 2 August 2018.
    sentences = Counter[str]()
    for note in catalogue().possible_notes:
        pattern = re.escape(note.text)
        for slot in {f for _, f, _, _ in string.Formatter().parse(note.text) if f}:
            pattern = pattern.replace(re.escape("{" + slot + "}"), ".+?")
        sentences[pattern] = 0
    possible = {r["crime_ref"] for r in rows}
    late = {r["crime_ref"] for r in rows if "TikTok" in r["possible_truth"]}
    copies = Counter[str]()
    for name in ("legacy.csv", "athena.csv"):
        with (folder / name).open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row["crime_ref"] not in possible:
                    continue
                copies[row["crime_ref"]] += 1
                text = " ".join(row[k] for k in TEXT_FIELDS if row.get(k))
                for pattern in sentences:
                    if re.search(pattern, text, re.IGNORECASE):
                        sentences[pattern] += 1
                if row["crime_ref"] in late:
                    day = row["recorded_date"][:10]
                    assert day >= TIKTOK_FROM.isoformat(), row
    assert min(sentences.values()) > 0, sentences
    assert set(copies) == possible
    assert max(copies.values()) == 2  # a migrated crime holds it in both copies


def test_every_possible_sentence_is_possible_only(matcher: Matcher) -> None:
    """Each sentence of possible.toml, its slots filled with every value of their pools (and
    in capitals, as some legacy MO fields are typed), gives possible hits of exactly the
    platforms it lists and no certain hit."""
    cat = catalogue()
    values = dict(cat.pools)
    values["drug"] = tuple(sorted({d for o in cat.offences for d in o.drugs}))
    values["amount"] = tuple(sorted({a for o in cat.offences for a in o.amounts}))
    values["time"] = ("00:05", "23:55")
    texts: list[tuple[str, set[str]]] = []
    for note in cat.possible_notes:
        slots = {f for _, f, _, _ in string.Formatter().parse(note.text) if f}
        assert slots <= set(values), note
        first = {slot: values[slot][0] for slot in slots}
        variants = [note.text.format(**first)]
        for slot in slots:
            variants += [note.text.format(**{**first, slot: v}) for v in values[slot]]
        texts += [(t, set(note.platforms)) for v in variants for t in (v, v.upper())]
        assert set(note.truth) <= set(note.platforms)
    hits = matcher.match_array(pa.array([t for t, _ in texts], pa.string()), "text")
    by_row: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for hit in hits:
        by_row[hit.row].add((hit.certainty, hit.platform))
    for i, (text, platforms) in enumerate(texts):
        assert by_row[i] == {("possible", p) for p in platforms}, (text, by_row[i])
