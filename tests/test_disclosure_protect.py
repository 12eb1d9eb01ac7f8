"""Disclosure control of a release (``release.disclosure.protect``): what the released table
and coverage hold, what the request's ``[disclosure]`` says, and the proof in the audit."""

from __future__ import annotations

from pathlib import Path

import pytest

from foidesk.casework.request import DisclosureSettings, load_request
from foidesk.errors import DisclosureError, RequestError
from foidesk.release.coverage import Coverage, CoverageLine
from foidesk.release.disclosure.protect import protect, withhold_all
from foidesk.release.table import SECONDARY, SMALL, FoiTable, Withheld
from tests.test_disclosure_attack import TERMS, Rows, make_table

WIDE: Rows = {
    ("A",): (3, 10, 7),
    ("B",): (6, 8, 12),
    ("C",): (9, 2, 15),
}


def coverage_of(table: FoiTable, split: dict[str, float]) -> Coverage:
    """Coverage over systems sharing each period's Grand Total row figure (the first system
    takes the remainder), with plenty of records searched."""
    lines = []
    counts = [*table.grand_total.counts]
    assert all(isinstance(c, int) for c in counts)
    shares = {s: [int(int(c) * f) for c in counts] for s, f in split.items()}
    first = next(iter(split))
    shares[first] = [
        int(c) - sum(shares[s][i] for s in split if s != first) for i, c in enumerate(counts)
    ]
    for system, figures in shares.items():
        for period, n in zip(table.periods, figures, strict=True):
            lines.append(CoverageLine(system, period.label, 1000, n))
        lines.append(CoverageLine(system, "Total", 1000 * len(figures), sum(figures)))
    return Coverage(tuple(lines), ())


def figures(table: FoiTable) -> list[int | Withheld]:
    return [c for r in (*table.rows, table.grand_total) for c in (*r.counts, r.total)]


@pytest.mark.parametrize("zeros", ["as needed", "shown", "withheld"])
def test_no_small_figure_is_released_and_the_proof_holds(zeros: str) -> None:
    table = make_table(WIDE, years=3)
    coverage = coverage_of(table, {"Legacy": 0.5, "Athena": 0.5})
    settings = DisclosureSettings(zeros=zeros)
    done = protect(table, coverage, settings)
    assert done.proof is not None and done.proof.safe
    released = figures(done.table) + [line.records_with_hits for line in done.coverage.lines]
    assert not any(isinstance(f, int) and 1 <= f <= 4 for f in released)
    # every small figure of the table is shown as "<5"; a secondary one as "*"
    for before, after in zip(figures(table), figures(done.table), strict=True):
        if isinstance(before, int) and 1 <= before <= 4:
            assert after == Withheld("<5", SMALL)
        elif isinstance(after, Withheld) and after.kind == SECONDARY:
            assert before >= 5 or (before == 0 and zeros == "shown")
    if zeros == "withheld":
        assert 0 not in released
    # the independent attack saw every withheld figure
    assert len(done.proof.independent) == done.proof.small + done.proof.secondary
    audit = done.proof.to_audit()
    assert audit["safe"] and audit["leaks"] == []
    assert len(audit["intervals"]) == done.proof.small + done.proof.secondary
    assert {i["symbol"] for i in audit["intervals"]} <= {"<5", "*"}


def test_coverage_cannot_give_a_withheld_cell_away() -> None:
    # one system holds every crime: its coverage line for a period is the Grand Total row's
    # figure; when that figure is withheld the coverage's must be too
    rows: Rows = {("A",): (1, 9), ("B",): (1, 9)}
    table = make_table(rows)
    coverage = coverage_of(table, {"Legacy": 1.0})
    done = protect(table, coverage, DisclosureSettings())
    grand = done.table.grand_total.counts
    legacy = [line.records_with_hits for line in done.coverage.lines]
    for g, c in zip(grand, legacy, strict=False):
        assert isinstance(g, Withheld) == isinstance(c, Withheld)
    assert done.proof is not None and done.proof.safe


def test_a_small_footnote_count_is_said_in_words() -> None:
    table = make_table(TERMS, ("outcome", "term"), multi=3)
    table = FoiTable(
        **{
            **table.__dict__,
            "footnotes": (
                "3 crimes mention more than one social media platform: each is counted once "
                "under every social media platform it mentions.",
            ),
        }
    )
    done = protect(table, coverage_of(table, {"Legacy": 1.0}), DisclosureSettings())
    assert done.table.multi_platform_crimes == Withheld("<5", SMALL)
    assert done.table.footnotes[0].startswith(
        "Fewer than five crimes mention more than one social media platform: each"
    )
    assert not any(ch.isdigit() for ch in done.table.footnotes[0])
    assert done.proof is not None and done.proof.safe and done.proof.multi_term_withheld


def test_switched_off_every_figure_is_published() -> None:
    table = make_table(WIDE, years=3)
    coverage = coverage_of(table, {"Legacy": 1.0})
    done = protect(table, coverage, DisclosureSettings(suppress_below=0))
    assert done.table == table and done.coverage == coverage and done.proof is None


def test_a_refused_request_holds_no_figure() -> None:
    table = make_table(WIDE, years=3)
    done = withhold_all(table, coverage_of(table, {"Legacy": 1.0}), DisclosureSettings())
    assert not any(isinstance(f, int) for f in figures(done.table))
    assert not any(isinstance(line.records_with_hits, int) for line in done.coverage.lines)
    assert isinstance(done.table.multi_platform_crimes, Withheld)


def _request(tmp_path: Path, disclosure: str) -> Path:
    (tmp_path / "data.csv").write_text("crime_ref\n")
    path = tmp_path / "request.toml"
    path.write_text(
        'reference = "FOI/1"\nreceived = 2019-04-26\n'
        '[population]\nfrom = 2015-01-01\nto = 2019-04-30\noffences = ["drugs"]\n'
        '[search]\nterms = ["Facebook"]\n'
        '[[source]]\npath = "data.csv"\nsystem = "Legacy"\n' + disclosure,
        encoding="utf-8",
    )
    return path


def test_request_defaults_withhold_figures_under_five(tmp_path: Path) -> None:
    settings = load_request(_request(tmp_path, "")).disclosure
    assert settings == DisclosureSettings(5, "as needed", "<5", "*")
    given = load_request(
        _request(
            tmp_path,
            '[disclosure]\nsuppress_below = 10\nzeros = "withheld"\nsymbol = "~"\n'
            'secondary_symbol = "x"\n',
        )
    ).disclosure
    assert given == DisclosureSettings(10, "withheld", "~", "x")
    assert (
        load_request(_request(tmp_path, "[disclosure]\nsuppress_below = 10\n")).disclosure.symbol
        == "<10"
    )
    assert not load_request(
        _request(tmp_path, "[disclosure]\nsuppress_below = 0\n")
    ).disclosure.enabled


@pytest.mark.parametrize(
    ("section", "key", "says"),
    [
        ("suppress_below = 1", "disclosure.suppress_below", "from 2 to 100"),
        ("suppress_below = 4.5", "disclosure.suppress_below", "from 2 to 100"),
        ("suppress_below = true", "disclosure.suppress_below", "from 2 to 100"),
        ('zeros = "hidden"', "disclosure.zeros", '"as needed", "shown" or "withheld"'),
        ('symbol = "*"', "disclosure.secondary_symbol", "the same as disclosure.symbol"),
        ('symbol = "<4"', "disclosure.symbol", "no digits"),
        ('symbol = ""', "disclosure.symbol", "1 to 8 characters"),
        ("colour = 1", "disclosure.colour", "unknown key"),
    ],
)
def test_request_refuses_a_bad_disclosure_key(
    tmp_path: Path, section: str, key: str, says: str
) -> None:
    with pytest.raises(RequestError) as caught:
        load_request(_request(tmp_path, f"[disclosure]\n{section}\n"))
    message = str(caught.value)
    assert key in message and says in message and "\n" not in message


def test_the_seed_case_with_control_on_withholds_every_figure(tmp_path: Path) -> None:
    from dataclasses import replace
    from datetime import date

    import foidesk

    seed = Path(__file__).parent / "data" / "seed" / "request.toml"
    request = load_request(seed)
    assert not request.disclosure.enabled  # the seed reproduces the real letter's figures
    result = foidesk.answer(
        replace(request, disclosure=DisclosureSettings()), letter_date=date(2019, 6, 3)
    )
    assert all(f == Withheld("<5", SMALL) for f in figures(result.table))
    assert result.counted.grand_total.total == 3  # internal only
    assert result.audit["disclosure"]["safe"] is True
    case = tmp_path / "case"
    foidesk.write_case(case, result)
    grid = (case / "public" / "table.csv").read_text(encoding="utf-8").splitlines()
    assert all(line.endswith(",<5") for line in grid[1:])
    letter = (case / "public" / "letter.md").read_text(encoding="utf-8")
    assert "fewer than five in all" in letter and "section 40(2)" in letter


def test_a_table_not_protected_in_time_is_refused_pointing_to_coarser_layouts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import foidesk.release.disclosure.protect as protecting

    monkeypatch.setattr(protecting, "SUPPRESSION_SECONDS", 0.0)
    table = make_table(WIDE, years=3)
    with pytest.raises(DisclosureError) as refused:
        protect(table, coverage_of(table, {"Legacy": 1.0}), DisclosureSettings())
    message = str(refused.value)
    assert message.startswith(
        "the table could not be protected within 0 seconds: 2 of its 20 figures are from 1 to 4"
    )
    assert "not one round of secondary suppression finished" in message
    assert "foidesk layouts REQUEST" in message


@pytest.mark.parametrize("zeros", ["as needed", "shown"])
def test_the_proof_s_intervals_are_the_exact_attack_s(zeros: str) -> None:
    """The audit's intervals come from the independent attack: the same as an exact attack
    on the released pattern with the true table as its witness."""
    from foidesk.release.disclosure.attack import PRIMARY, SECONDARY, attack
    from foidesk.release.disclosure.layout import excuse, layout_symbols
    from foidesk.release.disclosure.model import build_model, cell_values
    from foidesk.release.disclosure.protect import rule_of

    table = make_table(TERMS, ("outcome", "term"), multi=3)
    coverage = coverage_of(table, {"Legacy": 0.5, "Athena": 0.5})
    settings = DisclosureSettings(zeros=zeros)
    done = protect(table, coverage, settings)
    assert done.proof is not None and done.proof.safe
    assert done.proof.intervals == done.proof.independent
    released = figures(done.table) + [line.records_with_hits for line in done.coverage.lines]
    withheld = {
        i: (PRIMARY if f.kind == SMALL else SECONDARY)
        for i, f in enumerate(released)
        if isinstance(f, Withheld)
    }
    model = build_model(table, coverage=coverage, multi_term_range=(1, 4))
    values = cell_values(table, coverage)
    rule = rule_of(settings)
    exact = excuse(
        model,
        attack(model, values, withheld, rule, witness=values),
        layout_symbols(values, {}, rule),
        rule,
    )

    assert done.proof.intervals == exact.intervals
