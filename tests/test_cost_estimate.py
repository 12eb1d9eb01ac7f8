"""The cost limit (FOIA s.12): the estimate on the seed case and on a request over the limit,
its narrowings (s.16), the refusal notice in public/ with no table, decisions lowering the
work left, the command line, and the [cost] table of a request."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

import foidesk
from foidesk.case_scan import extract_text
from foidesk.casework.decisions import Selector
from foidesk.casework.periods import periods
from foidesk.casework.request import CostSettings
from foidesk.casework.words import TermWords
from foidesk.counting.cost import ToRead, estimate_cost
from foidesk.release.cost import CostEstimate
from foidesk.release.document import Document
from foidesk.release.refusal import refusal_notice
from foidesk.release.render.document_markdown import render_document_markdown
from foidesk.review.case import decide
from foidesk.review.estimate import estimate
from tests.conftest import SEED, crime, run_cli, write_extract, write_request

SNAP = "Arranged the deal over snap, then met at the park."  # Snapchat, possible
MESSENGER = "Messages on messenger arranging the sale."  # Facebook, possible
X = "Contacted him on X about the drugs."  # Twitter, possible
NONE = "No social media involved."
TERMS = ["Facebook", "Twitter", "WhatsApp", "Instagram", "TikTok", "Snapchat"]


def _over_limit(folder: Path, cost: str = "rate_minutes = 60") -> Path:
    """40 crimes, 30 of them with possible mentions only, read at 60 minutes a record: 30.5
    hours. By year 2016: 10 (snap), 2017: 8 (messenger), 2018: 6 (2 X, one of them held on
    both systems, and 4 snap on Athena), 2019: 6 (X on Athena); 10 with no mention."""
    legacy = [crime(f"LG/16/{i}", f"2016-03-{i + 1:02d}", SNAP) for i in range(10)]
    legacy += [crime(f"LG/17/{i}", f"2017-05-{i + 1:02d}", MESSENGER) for i in range(8)]
    legacy += [crime(f"LG/18/{i}", f"2018-02-{i + 1:02d}", X) for i in range(2)]
    legacy += [crime(f"LG/16/9{i}", f"2016-06-{i + 1:02d}", NONE) for i in range(5)]
    athena = [crime("LG/18/0", "2018-02-01", X)]  # migrated: the Athena copy wins
    athena += [crime(f"AT/18/{i}", f"2018-07-{i + 1:02d}", SNAP) for i in range(4)]
    athena += [crime(f"AT/19/{i}", f"2019-01-{i + 1:02d}", X) for i in range(6)]
    athena += [crime(f"AT/19/9{i}", f"2019-02-{i + 1:02d}", NONE) for i in range(5)]
    write_extract(folder / "legacy.csv", legacy)
    write_extract(folder / "athena.csv", athena)
    return write_request(
        folder,
        [("legacy.csv", "Legacy"), ("athena.csv", "Athena")],
        date_from="2016-01-01",
        extra=f"[cost]\n{cost}\n",
    )


YEARS = "crimes recorded from 1 January 2018 to 30 April 2019 only (2 of the 4 years)"
FEWER_TERMS = (
    "the platforms Facebook, Twitter, WhatsApp, Instagram and TikTok only, leaving out "
    "Snapchat (5 of the 6 platforms)"
)
ATHENA = "the crimes held on the Athena system only (its records cover 2018 to 2019)"


@pytest.fixture(scope="module")
def over(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _over_limit(tmp_path_factory.mktemp("over"))


@pytest.fixture(scope="module")
def refused(over: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The over-limit request answered on the command line: the case folder and stderr."""
    out = tmp_path_factory.mktemp("refused") / "case"
    done = run_cli("answer", over, "--out", out, "--letter-date", "2019-05-20")
    assert done.returncode == 0, done.stderr
    return out, done.stderr


# -- the seed case: under the limit ---------------------------------------------------------


def test_the_seed_case_is_within_the_limit_and_its_method_says_so() -> None:
    result = foidesk.answer(SEED / "request.toml", letter_date=date(2019, 5, 20))
    cost = result.release.cost
    assert cost is not None
    assert (cost.crimes_to_read, cost.minutes, cost.population) == (0, 30, 7)
    assert (cost.limit_hours, cost.limit_pounds, cost.over_limit) == (18, 450, False)
    assert cost.every_record_hours == pytest.approx(51 / 60)  # 7 crimes at 3 minutes, + 30
    assert result.audit["cost"]["hours"] == 0.5 and result.audit["cost"]["refused"] is False
    method = _markdown(result.release.method)
    assert "**Cost of compliance (FOIA section 12).**" in method
    assert "about 30 minutes in all" in method
    assert "within the appropriate limit of £450 (18 hours at £25 an hour" in method
    assert "reading every one of the 7 crimes in the population" in method
    assert "about 51 minutes" in method
    # the letter answers with the table and carries the same paragraph
    letter = _markdown(result.release.letter)
    assert "Cost of compliance (FOIA section 12)" in letter and "Section 12(1)" not in letter


def test_estimate_on_the_seed_prints_the_figures() -> None:
    done = run_cli("estimate", SEED / "request.toml")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "With foidesk: about 30 minutes (0 crimes with undecided possible mentions to read at "
        "3 minutes each, then 30 minutes to extract the figures)",
        "Reading every record: about 51 minutes (7 crimes at 3 minutes each, then 30 minutes; "
        "for comparison)",
        "Quality sample: 3 crimes to check, about 9 minutes (not locating, retrieving or "
        "extracting: not in the s.12 figure)",
        "Limit: 18 hours (£450 at £25 an hour; limit for police forces and other public "
        "authorities)",
        "Within the limit (17.5 hours to spare)",
    ]


# -- over the limit -------------------------------------------------------------------------


def test_a_request_over_the_limit_gets_its_estimate_and_the_narrowings_that_fit(
    over: Path,
) -> None:
    cost = estimate(over)
    # 30 crimes, not 31 hits: the crime held on both systems is read once
    assert cost.crimes_to_read == 30 and cost.population == 40
    assert cost.hours == 30.5 and cost.over_limit and cost.refused
    assert cost.every_record_hours == 40.5
    assert cost.narrowings == ((YEARS, 12.5), (FEWER_TERMS, 16.5), (ATHENA, 11.5))


def test_estimate_prints_the_over_limit_figures_and_the_narrowings(over: Path) -> None:
    done = run_cli("estimate", over)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("With foidesk: about 30.5 hours (30 crimes with undecided")
    assert lines[1].startswith("Reading every record: about 40.5 hours (40 crimes at 60 minutes")
    assert lines[3].startswith("Limit: 18 hours (£450 at £25 an hour")
    assert lines[4].startswith("Over the limit by 12.5 hours: the letter is a refusal notice")
    assert lines[5:] == [
        "Narrowings that fit (advice under s.16):",
        f"  {YEARS}: about 12.5 hours",
        f"  {FEWER_TERMS}: about 16.5 hours",
        f"  {ATHENA}: about 11.5 hours",
    ]


def test_over_the_limit_public_holds_the_refusal_and_no_table(refused: tuple[Path, str]) -> None:
    out, stderr = refused
    public = out / "public"
    # no table and no coverage: records with a mention by system and year would be most of
    # the answer refused
    assert sorted(p.name for p in public.iterdir()) == [
        "letter-draft.docx",
        "letter-draft.pdf",
        "letter.md",
        "method.md",
    ]
    letter = (public / "letter.md").read_text(encoding="utf-8")
    assert "Section 12(1) of the Act does not oblige a public authority" in letter
    assert "section 17(5)" in letter
    assert "read the 30 crimes whose possible mentions have not yet been decided" in letter
    assert "about 30.5 hours in all" in letter
    assert "Regulations 2004" in letter and "regulation 4(3)" in letter
    assert "Our estimate of about 30.5 hours (£762.50 at £25 an hour) exceeds the limit" in letter
    assert "Section 16 of the Act" in letter
    assert f"- {YEARS[0].upper()}{YEARS[1:]}: about 12.5 hours." in letter
    assert f"- {FEWER_TERMS[0].upper()}{FEWER_TERMS[1:]}: about 16.5 hours." in letter
    assert f"- {ATHENA[0].upper()}{ATHENA[1:]}: about 11.5 hours." in letter
    assert "|" not in letter  # no table of figures at all
    assert "Your right to request a review" in letter and "20th May 2019" in letter
    method = (public / "method.md").read_text(encoding="utf-8")
    assert "so the request has been refused under section 12" in method
    assert "Records with a mention" not in method and "records searched" in method
    # said on stderr, beside the table still printed for the officer on stdout
    assert "foidesk: warning: the request is over the FOIA s.12 cost limit" in stderr
    assert "the letter is a refusal notice under s.12" in stderr
    audit = (out / "internal" / "audit.json").read_text(encoding="utf-8")
    assert '"refused": true' in audit
    # nothing record-level: no crime reference in any public file (the Word and PDF letters
    # read as text, as the scan of public/ reads them)
    for path in public.iterdir():
        text = extract_text(path)
        assert "Section 12(1)" in text or path.name == "method.md", path.name
        assert "LG/" not in text and "AT/" not in text, path.name


def test_over_the_limit_answered_anyway_when_the_request_says_so(tmp_path: Path) -> None:
    request = _over_limit(tmp_path, "rate_minutes = 60\nanswer_over_limit = true")
    out = tmp_path / "case"
    done = run_cli("answer", request, "--out", out, "--letter-date", "2019-05-20")
    assert done.returncode == 0, done.stderr
    assert (out / "public" / "table.csv").exists()
    letter = (out / "public" / "letter.md").read_text(encoding="utf-8")
    assert "Section 12(1)" not in letter
    assert "exceeds the appropriate limit of £450" in letter
    assert "the request has been answered nonetheless" in letter
    assert "answered with the table anyway ([cost] answer_over_limit = true)" in done.stderr


def test_decisions_reduce_the_work_left_and_bring_it_under_the_limit(tmp_path: Path) -> None:
    request = _over_limit(tmp_path)
    out = tmp_path / "case"
    foidesk.write_case(out, foidesk.answer(request))
    assert estimate(request, out).crimes_to_read == 30  # no decision yet
    decided = decide(out, "reject", Selector(term="Snapchat"), by="A. Analyst")
    assert decided.changed == 14  # 10 on Legacy in 2016, 4 on Athena in 2018
    cost = estimate(request, out)
    assert (cost.crimes_to_read, cost.hours, cost.over_limit) == (16, 16.5, False)
    done = run_cli("estimate", request, "--case", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("With foidesk: about 16.5 hours (16 crimes")
    assert "Within the limit (1.5 hours to spare)" in done.stdout
    # answered again with the decisions, the letter is the answer with its table
    result = foidesk.answer(request, decisions=foidesk.case_decisions(out))
    foidesk.write_case(out, result, replace=True)
    assert (out / "public" / "table.csv").exists()
    assert "Section 12(1)" not in (out / "public" / "letter.md").read_text(encoding="utf-8")


def test_estimate_refuses_a_folder_that_is_not_a_case(over: Path, tmp_path: Path) -> None:
    done = run_cli("estimate", over, "--case", tmp_path / "nothing")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not a case folder" in done.stderr


def test_estimate_help_says_what_it_prints() -> None:
    done = run_cli("estimate", "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for said in ("section 12", "--case", "18 hours", "£450", "section 16", "quality sample"):
        assert said in text, said


# -- the [cost] table -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cost", "key", "said"),
    [
        ("rate = 3", "cost.rate", "unknown key"),
        ("rate_minutes = 0", "cost.rate_minutes", "give a number above 0"),
        ("hourly_rate = -25", "cost.hourly_rate", "give a number above 0"),
        ("extraction_minutes = -1", "cost.extraction_minutes", "give a number 0 or more"),
        ('rate_minutes = "3"', "cost.rate_minutes", "expected a number"),
        ("rate_minutes = true", "cost.rate_minutes", "expected a number"),
        ("limit_pounds = nan", "cost.limit_pounds", "expected a number"),
        ("limit_pounds = inf", "cost.limit_pounds", "expected a number"),
        ('limit = "county"', "cost.limit", 'expected "police"'),
        ('answer_over_limit = "yes"', "cost.answer_over_limit", "expected true or false"),
    ],
)
def test_a_bad_cost_key_is_refused_in_one_line(
    tmp_path: Path, cost: str, key: str, said: str
) -> None:
    request = _over_limit(tmp_path, cost)
    done = run_cli("estimate", request)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"foidesk: error: {request}: {key}: ")
    assert said in done.stderr


def test_cost_settings_are_read_with_their_defaults(tmp_path: Path) -> None:
    request = foidesk.load_request(
        _over_limit(tmp_path, 'limit = "central"\nrate_minutes = 1.5\nextraction_minutes = 0')
    )
    assert request.cost == CostSettings("central", 1.5, 0.0, 25.0, None, False)
    assert (request.cost.pounds, request.cost.hours) == (600, 24)
    assert foidesk.load_request(SEED / "request.toml").cost == CostSettings()


# -- the estimate's arithmetic, on counts alone ---------------------------------------------


def _estimate(to_read: dict[ToRead, int], settings: CostSettings, terms: list[str]) -> CostEstimate:
    return estimate_cost(
        Counter(to_read),
        population=1000,
        periods=periods(date(2016, 1, 1), date(2019, 12, 31), "year"),
        systems=["Legacy", "Athena"],
        terms=terms,
        settings=settings,
        words=TermWords("platform", "platforms"),
    )


def test_the_central_government_limit_and_an_override() -> None:
    to_read = {ToRead(2016, "Legacy", frozenset({"A"})): 400}  # 20 hours + 0.5
    central = _estimate(to_read, CostSettings(limit="central"), ["A"])
    assert (central.limit_hours, central.over_limit) == (24, False)
    police = _estimate(to_read, CostSettings(), ["A"])
    assert police.over_limit and police.narrowings == (
        ("crimes recorded from 1 January 2017 to 31 December 2019 only (3 of the 4 years)", 0.5),
        ("the crimes held on the Athena system only", 0.5),
    )
    low = _estimate(to_read, CostSettings("central", limit_pounds=500), ["A"])
    assert (low.limit_hours, low.limit_kind, low.over_limit) == (20, "set", True)


def test_no_narrowing_fits_and_the_refusal_says_so() -> None:
    # every year, term and system alone is over 18 hours
    to_read = {
        ToRead(year, system, frozenset({"A"})): 200
        for year in range(2016, 2020)
        for system in ("Legacy", "Athena")
    }
    cost = _estimate(to_read, CostSettings(), ["A", "B"])
    assert cost.over_limit and cost.narrowings == (
        ("the platforms B only, leaving out A (1 of the 2 platforms)", 0.5),
    )
    lonely = _estimate(to_read, CostSettings(), ["A"])
    assert lonely.narrowings == ()
    letter = _markdown(
        refusal_notice(foidesk.load_request(SEED / "request.toml"), lonely, date(2019, 5, 20))
    )
    assert "We have not found a narrower form of your request" in letter


def test_many_terms_are_narrowed_greedily() -> None:
    terms = [f"T{i}" for i in range(20)]
    # T0 has 300 crimes to read, every other term 20 (680 in all, 34.5 hours): the greedy
    # choice drops T0 (the most), then T1 and T2 (ties: the first) to reach 340 crimes, 17.5
    # hours; 350 would fit, no set of 18 terms does
    to_read = {ToRead(2016, "Legacy", frozenset({t})): (300 if t == "T0" else 20) for t in terms}
    cost = _estimate(to_read, CostSettings(), terms)
    ((description, hours),) = [n for n in cost.narrowings if "platforms" in n[0]]
    assert description.endswith("leaving out T0, T1 and T2 (17 of the 20 platforms)")
    assert hours == 17.5


def test_financial_years_are_named_so(tmp_path: Path) -> None:
    to_read = {
        ToRead(2017, "Legacy", frozenset({"A"})): 200,
        ToRead(2018, "Legacy", frozenset({"A"})): 200,
    }
    cost = estimate_cost(
        Counter(to_read),
        population=400,
        periods=periods(date(2017, 4, 1), date(2019, 3, 31), "financial_year"),
        systems=["Legacy"],
        terms=["A"],
        settings=CostSettings(),
        financial=True,
    )
    assert cost.narrowings == (
        (
            "crimes recorded from 1 April 2018 to 31 March 2019 only (1 of the 2 financial years)",
            10.5,
        ),
    )


def _markdown(document: Document) -> str:
    return render_document_markdown(document)
