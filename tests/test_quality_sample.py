"""The quality sample of the counted crimes: its size rule, its draw (reproducible from its
seed, the same after decisions), its result and interval, the method's sentence, and the
request's [review] settings."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pyarrow as pa
import pytest

import foidesk
from foidesk.casework.decisions import Selector
from foidesk.casework.request import default_seed
from foidesk.casework.words import TermWords
from foidesk.counting.sample import quality_sample, sample_size, wilson
from foidesk.errors import RequestError
from foidesk.release.document import Paragraph
from foidesk.release.review import ReviewSummary, review_blocks, sample_sentences
from foidesk.review.case import decide, open_case
from tests.conftest import crime, write_extract, write_request


def _evidence(crimes: int, *, shuffle: int | None = None, decided: dict | None = None) -> pa.Table:
    """An evidence table: each crime one certain hit; every 10th crime also a possible hit,
    every 7th a hit set aside; ``decided`` maps a crime to the decision on its certain hit."""
    decided = decided or {}
    rows = []
    for i in range(crimes):
        ref = f"XX/{i:05d}"
        rows.append((ref, "certain", "counted", decided.get(ref)))
        if i % 10 == 0:
            rows.append((ref, "possible", "undecided", None))
    rows += [(f"SA/{i:05d}", "certain", "set aside", None) for i in range(0, crimes, 7)]
    rows += [(f"PO/{i:05d}", "possible", "undecided", None) for i in range(0, crimes, 10)]
    if shuffle is not None:
        random.Random(shuffle).shuffle(rows)
    refs, certainty, status, decision = zip(*rows, strict=True)
    return pa.table(
        {
            "crime_ref": list(refs),
            "certainty": list(certainty),
            "status": list(status),
            "decision": pa.array(list(decision), pa.string()),
        }
    )


def test_the_size_rule_for_a_margin_of_5_points_at_95_percent() -> None:
    # n0 = 1.96^2 x 0.95 x 0.05 / 0.05^2 = 72.99; N = 1,809: 72.99 / (1 + 71.99/1809) = 70.2
    assert sample_size(1809) == 71
    assert sample_size(1_000_000) == 73  # the correction hardly matters
    assert sample_size(200) == 54
    assert sample_size(3) == 3 and sample_size(1) == 1 and sample_size(0) == 0  # never over N
    assert sample_size(1809, margin=0.03) == 183  # a smaller margin needs more crimes
    assert sample_size(1809, precision=0.5) > sample_size(1809, precision=0.95)


def test_the_wilson_interval_for_59_of_60_is_91_1_to_99_7_percent() -> None:
    low, high = wilson(59, 60)
    assert (round(low * 100, 1), round(high * 100, 1)) == (91.1, 99.7)


def test_the_sample_is_drawn_from_counted_crimes_only_and_reproducible_from_its_seed() -> None:
    evidence = _evidence(500)
    first = quality_sample(evidence, seed=7)
    assert first.result.population == 500  # set-aside and possible-only crimes are not in it
    assert first.result.drawn == len(first.crimes) == sample_size(500) == 64
    assert all(ref.startswith("XX/") for ref in first.crimes)
    assert list(first.crimes) == sorted(set(first.crimes))
    # the same seed: the same crimes, whatever the order of the evidence
    assert quality_sample(_evidence(500, shuffle=3), seed=7).crimes == first.crimes
    # the documented draw: the references sorted, then random.Random(seed).sample
    refs = sorted(f"XX/{i:05d}" for i in range(500))
    assert first.crimes == tuple(sorted(random.Random(7).sample(refs, 64)))
    # another seed, another sample
    assert quality_sample(evidence, seed=8).crimes != first.crimes


def test_decisions_do_not_change_the_sample_and_say_what_it_found() -> None:
    drawn = quality_sample(_evidence(500), seed=11).crimes
    decided = {drawn[0]: "accept", drawn[1]: "accept", drawn[2]: "reject"}
    decided |= {"XX/99999": "reject"}  # not in the sample: not counted as read
    decided |= {ref: "reject" for ref in [f"XX/{i:05d}" for i in range(500)] if ref not in drawn}
    after = quality_sample(_evidence(500, decided=decided), seed=11)
    assert after.crimes == drawn  # the matcher's verdict, not the table after review
    result = after.result
    assert (result.read, result.confirmed) == (3, 2)
    assert result.low == pytest.approx(wilson(2, 3)[0]) and result.high is not None
    assert after.as_audit()["interval"] == [result.low, result.high]


def _summary(drawn: int, population: int, read: int = 0, confirmed: int = 0) -> ReviewSummary:
    low, high = wilson(confirmed, read) if read else (None, None)
    return ReviewSummary(
        sample_drawn=drawn,
        sample_population=population,
        sample_read=read,
        sample_confirmed=confirmed,
        sample_low=low,
        sample_high=high,
    )


def test_the_method_sentence() -> None:
    assert sample_sentences(_summary(71, 1809, 60, 59)) == (
        "60 of the 1,809 counted crimes were read by hand: 59 confirmed, 98.3%, 95% interval "
        "91.1% to 99.7%. 11 crimes of the random sample of 71 are still to be read."
    )
    assert sample_sentences(_summary(60, 1809, 60, 59)) == (
        "60 of the 1,809 counted crimes were read by hand: 59 confirmed, 98.3%, 95% interval "
        "91.1% to 99.7%."
    )
    assert sample_sentences(_summary(60, 1809)) == (
        "A sample of 60 of the 1,809 counted crimes has been drawn for checking by hand; none "
        "has been read yet."
    )
    assert sample_sentences(_summary(0, 0)) == ""
    # its own paragraph in the method, even when nothing else was reviewed
    blocks = review_blocks(_summary(60, 1809, 60, 59), TermWords("platform", "platforms"))
    assert len(blocks) == 1 and isinstance(blocks[0], Paragraph)
    assert review_blocks(_summary(0, 0), TermWords("platform", "platforms")) == []


ROWS = [crime(f"LG/19/{i}", "2019-01-05", f"Deal {i} arranged on Facebook.") for i in range(90)]


@pytest.fixture
def case(tmp_path: Path) -> Path:
    """90 crimes each with one certain hit; seed 5 (41 drawn: 72.99 / (1 + 71.99 / 90))."""
    write_extract(tmp_path / "legacy.csv", ROWS)
    request = write_request(
        tmp_path,
        [("legacy.csv", "Legacy")],
        rows='["platform"]',
        date_from="2019-01-01",
        extra="[review]\nseed = 5\n",
    )
    out = tmp_path / "case"
    foidesk.write_case(out, foidesk.answer(request))
    return out


def _method(case: Path) -> str:
    return (case / "public" / "method.md").read_text(encoding="utf-8")


def test_every_answer_draws_the_sample_and_the_method_and_audit_report_it(case: Path) -> None:
    sample = open_case(case).audit["review"]["quality_sample"]
    assert sample["seed"] == 5 and sample["population"] == 90
    assert sample["drawn"] == len(sample["crimes"]) == sample_size(90) == 41
    assert "ceil(n0 / (1 + (n0 - 1) / N))" in sample["size_rule"]
    assert (sample["read"], sample["interval"]) == (0, None)
    assert (
        "A sample of 41 of the 90 counted crimes has been drawn for checking by hand; none has "
        "been read yet." in _method(case)
    )
    # the crimes drawn are record-level: in the audit, never in public/
    for path in (case / "public").iterdir():
        assert not any(ref.encode() in path.read_bytes() for ref in sample["crimes"]), path


def test_reading_the_sample_puts_the_result_and_interval_in_the_method(case: Path) -> None:
    drawn = open_case(case).audit["review"]["quality_sample"]["crimes"]
    for ref in drawn[:20]:
        decide(case, "accept", Selector(crime=ref), by="A Analyst")
    decide(case, "reject", Selector(crime=drawn[20]), by="A Analyst", reason="a template")
    request = open_case(case).request()
    again = foidesk.answer(request, decisions=foidesk.case_decisions(case))
    foidesk.write_case(case, again, replace=True)
    sample = again.audit["review"]["quality_sample"]
    assert sample["crimes"] == drawn  # rejecting a hit does not redraw the sample
    assert (sample["read"], sample["confirmed"]) == (21, 20)
    assert again.table.grand_total.total == 89
    assert (
        "21 of the 90 counted crimes were read by hand: 20 confirmed, 95.2%, 95% interval "
        "77.3% to 99.2%. 20 crimes of the random sample of 41 are still to be read."
    ) in _method(case)


def test_the_seed_defaults_to_one_made_from_the_reference(tmp_path: Path) -> None:
    write_extract(tmp_path / "legacy.csv", ROWS[:3])
    request = write_request(tmp_path, [("legacy.csv", "Legacy")], date_from="2019-01-01")
    loaded = foidesk.load_request(request)
    expected = int(hashlib.sha256(b"FOI-TEST/1").hexdigest()[:8], 16)
    assert loaded.review.seed == default_seed("FOI-TEST/1") == expected
    assert (loaded.review.sample_margin, loaded.review.sample_precision) == (0.05, 0.95)
    assert foidesk.answer(loaded).audit["review"]["quality_sample"]["seed"] == expected


@pytest.mark.parametrize(
    ("review", "message"),
    [
        ("sample_size = 60", r"request\.toml: review\.sample_size: unknown key"),
        ("sample_margin = 0.6", r"review\.sample_margin: 0\.6 is not a margin of error"),
        ("sample_margin = 0", r"review\.sample_margin: 0 is not a margin of error"),
        ("sample_margin = true", r"review\.sample_margin: expected a number"),
        ("sample_precision = 1", r"review\.sample_precision: 1 is not a precision"),
        ("sample_precision = '0.9'", r"review\.sample_precision: expected a number"),
        ("seed = -1", r"review\.seed: expected a whole number from 0, got -1"),
        ("seed = 1.5", r"review\.seed: expected a whole number from 0, got 1\.5"),
        ("seed = true", r"review\.seed: expected a whole number from 0, got True"),
    ],
)
def test_review_settings_are_checked_in_one_line(tmp_path: Path, review: str, message: str) -> None:
    write_extract(tmp_path / "legacy.csv", ROWS[:3])
    request = write_request(
        tmp_path, [("legacy.csv", "Legacy")], extra=f"[review]\n{review}\n", date_from="2019-01-01"
    )
    with pytest.raises(RequestError, match=message) as caught:
        foidesk.load_request(request)
    assert "\n" not in str(caught.value)


def test_review_settings_change_the_sample(tmp_path: Path) -> None:
    write_extract(tmp_path / "legacy.csv", ROWS)
    request = write_request(
        tmp_path,
        [("legacy.csv", "Legacy")],
        date_from="2019-01-01",
        extra="[review]\nsample_margin = 0.1\nsample_precision = 0.9\nseed = 12\n",
    )
    sample = foidesk.answer(request).audit["review"]["quality_sample"]
    assert (sample["margin"], sample["precision"], sample["seed"]) == (0.1, 0.9, 12)
    assert sample["drawn"] == sample_size(90, 0.1, 0.9) == 26
