"""Measured accuracy: ``foidesk evaluate LABELLED.jsonl``.

A labelled file holds hand-written notes, one JSON object a line: ``id``, ``text`` (more fields
as ``text_*``), ``terms`` (or ``platforms``: the canonical names a careful analyst says the
note mentions), optionally ``category``, ``disputed`` (true where a reasonable analyst could
label it otherwise) and ``ho_code`` (the crime's offence: then the lexicon's record conditions
apply, as the engine applies them). Each case is matched with the lexicon and with the naive
search forces describe (a case-insensitive whole-word match of the terms' names, taken from
the lexicon); over (case, term) pairs it counts true positives, false positives and false
negatives of the counted (certain) hits, and of certain and possible hits together, and
prints recall, precision and F1, the share of found pairs whose hits are all possible, the
figures without the disputed cases, and then every error with its text and hits.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from foidesk.errors import SourceError
from foidesk.search.lexicon import CERTAIN, Platform, counts_in
from foidesk.search.matcher import Hit, Matcher


@dataclass(frozen=True)
class LabelledNote:
    """One labelled note."""

    id: str
    fields: dict[str, str | None]
    platforms: frozenset[str]
    category: str
    line: int
    disputed: bool = False
    ho_code: str | None = None  # the crime's offence: the lexicon's record conditions apply


@dataclass
class Scores:
    """True positives, false positives and false negatives per term."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)

    def add(self, expected: frozenset[str], got: set[str]) -> None:
        """Count one case."""
        for p in expected & got:
            self.tp[p] += 1
        for p in got - expected:
            self.fp[p] += 1
        for p in expected - got:
            self.fn[p] += 1

    def counts(self, platform: str | None = None) -> tuple[int, int, int]:
        """(TP, FP, FN) for one term, or over all."""
        if platform is None:
            return sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        return self.tp[platform], self.fp[platform], self.fn[platform]

    def prf(self, platform: str | None = None) -> tuple[float, float, float]:
        """Precision, recall and F1 for one term, or over all (micro-average)."""
        tp, fp, fn = self.counts(platform)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


@dataclass(frozen=True)
class Disagreement:
    """A case where the lexicon's counted (certain) answer differs from the label."""

    note: LabelledNote
    got: frozenset[str]  # the terms with a certain hit
    hits: tuple[Hit, ...]
    possible: frozenset[str] = frozenset()  # the terms with possible hits only


@dataclass
class Report:
    """The result of evaluating one labelled file."""

    path: str
    cases: int
    platforms: list[str]
    lexicon: Scores  # counted: certain hits
    naive: Scores
    errors: list[Disagreement]
    with_possible: Scores = field(default_factory=Scores)  # certain and possible hits
    undisputed: Scores = field(default_factory=Scores)  # counted, without disputed cases
    undisputed_with_possible: Scores = field(default_factory=Scores)
    disputed: int = 0
    pairs_found: int = 0  # (case, term) pairs with any hit
    pairs_possible_only: int = 0  # of those, pairs whose hits are all possible

    @property
    def possible_share(self) -> float:
        """The share of found (case, term) pairs whose hits are all possible."""
        return self.pairs_possible_only / self.pairs_found if self.pairs_found else 0.0


def load_labelled(path: Path, allowed: set[str]) -> list[LabelledNote]:
    """Read a labelled JSON-lines file; a bad line names the file and the line."""
    if not path.is_file():
        raise SourceError(f"{path}: file not found")
    cases: list[LabelledNote] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{path}: line {n}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SourceError(f"{where}: not valid JSON ({exc.msg})") from exc
            if isinstance(obj, dict) and "terms" in obj and "platforms" not in obj:
                obj["platforms"] = obj["terms"]
            if not isinstance(obj, dict) or "id" not in obj or "platforms" not in obj:
                raise SourceError(f"{where}: needs 'id', 'text' and 'terms'")
            fields = {k: v for k, v in obj.items() if k == "text" or k.startswith("text_")}
            if not fields:
                raise SourceError(f"{where}: no 'text'")
            if not all(v is None or isinstance(v, str) for v in fields.values()):
                raise SourceError(f"{where}: text fields must be strings")
            platforms = obj["platforms"]
            if not isinstance(platforms, list) or not set(platforms) <= allowed:
                raise SourceError(f"{where}: terms must be a list of {', '.join(sorted(allowed))}")
            case_id = str(obj["id"])
            if case_id in seen:
                raise SourceError(f"{where}: id {case_id!r} is used twice")
            seen.add(case_id)
            cases.append(
                LabelledNote(
                    case_id,
                    fields,
                    frozenset(platforms),
                    str(obj.get("category", "")),
                    n,
                    obj.get("disputed") is True,
                    str(obj["ho_code"]) if obj.get("ho_code") is not None else None,
                )
            )
    return cases


def naive_pattern(names: list[str]) -> re.Pattern[str]:
    """The naive search forces describe: the words as whole words, any case."""
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)


def naive_search(
    fields: dict[str, str | None], names: list[str], words: dict[str, tuple[str, ...]] | None = None
) -> set[str]:
    """What an exact-word search finds (the baseline): each term's ``words`` (a lexicon's
    ``naive`` list; by default the term's own name)."""
    words = words or {}
    canon: dict[str, set[str]] = {}  # a word -> the terms it stands for (two may share one)
    for name in names:
        for word in words.get(name) or (name,):
            canon.setdefault(word.lower(), set()).add(name)
    pattern = naive_pattern(list(canon))
    found: set[str] = set()
    for text in fields.values():
        if text:
            for match in pattern.findall(text):
                found |= canon[match.lower()]
    return found


def _in_population(platform: Platform, code: str) -> bool:
    """Whether a crime of ``code`` is one a term's condition counts in."""
    return platform.condition is None or platform.condition.allows(code)


def evaluate(path: Path, matcher: Matcher) -> Report:
    """Score the matcher (counted hits; with possible hits) and the naive search."""
    platforms = matcher.platform_names
    cases = load_labelled(path, set(platforms))
    report = Report(str(path), len(cases), platforms, Scores(), Scores(), [])
    rules = {r.name: (p, r) for p in matcher.platforms for r in p.rules}
    terms = {p.name: p for p in matcher.platforms}
    naive_words = {p.name: p.naive for p in matcher.platforms if p.naive}
    for case in cases:
        hits: list[Hit] = []
        for name, text in case.fields.items():
            hits.extend(matcher.match_text(text, name))
        if case.ho_code is not None:  # as the engine would: the record conditions
            hits = [h for h in hits if counts_in(*rules[h.rule], case.ho_code)]
        got = {h.platform for h in hits if h.certainty == CERTAIN}
        found = {h.platform for h in hits}
        report.lexicon.add(case.platforms, got)
        report.with_possible.add(case.platforms, found)
        naive = naive_search(case.fields, platforms, naive_words)
        if case.ho_code is not None:  # the naive search is of the same population
            naive = {t for t in naive if _in_population(terms[t], case.ho_code)}
        report.naive.add(case.platforms, naive)
        report.pairs_found += len(found)
        report.pairs_possible_only += len(found - got)
        if case.disputed:
            report.disputed += 1
        else:
            report.undisputed.add(case.platforms, got)
            report.undisputed_with_possible.add(case.platforms, found)
        if got != case.platforms:
            report.errors.append(
                Disagreement(case, frozenset(got), tuple(hits), frozenset(found - got))
            )
    return report


def render_report(report: Report, show_errors: bool = True) -> str:
    """The report as plain text: the scores table, then every error."""
    lines = [
        f"{report.path}: {report.cases} cases",
        "",
        "counted = certain hits (what the table counts); +possible = certain and possible hits",
        "",
        f"{'term':<10}  {'counted P':>9} {'R':>6} {'F1':>6}  {'+possible P':>11} {'R':>6}"
        f"  {'naive P':>8} {'R':>6} {'F1':>6}  {'TP':>4} {'FP':>4} {'FN':>4}",
    ]
    for platform in [*report.platforms, None]:
        lp, lr, lf = report.lexicon.prf(platform)
        pp, pr, _ = report.with_possible.prf(platform)
        np_, nr, nf = report.naive.prf(platform)
        tp, fp, fn = report.lexicon.counts(platform)
        lines.append(
            f"{platform or 'overall':<10}  {lp:>9.3f} {lr:>6.3f} {lf:>6.3f}  {pp:>11.3f} {pr:>6.3f}"
            f"  {np_:>8.3f} {nr:>6.3f} {nf:>6.3f}  {tp:>4} {fp:>4} {fn:>4}"
        )
    if report.disputed:
        lp, lr, lf = report.undisputed.prf()
        pp, pr, _ = report.undisputed_with_possible.prf()
        lines.append(
            f"{'undisputed':<10}  {lp:>9.3f} {lr:>6.3f} {lf:>6.3f}  {pp:>11.3f} {pr:>6.3f}"
            f"  ({report.disputed} disputed cases left out)"
        )
    lines += [
        "",
        f"possible only: {report.pairs_possible_only} of {report.pairs_found} (case, term) pairs "
        f"found ({report.possible_share:.1%})",
    ]
    if show_errors:
        lines += ["", f"errors: {len(report.errors)}"]
        for err in report.errors:
            missed = sorted(err.note.platforms - err.got)
            extra = sorted(err.got - err.note.platforms)
            possible = f", possible {sorted(err.possible)}" if err.possible else ""
            disputed = ", disputed" if err.note.disputed else ""
            lines.append(
                f"- {err.note.id} (line {err.note.line}, {err.note.category or 'no category'}"
                f"{disputed}): missed {missed or '-'}, extra {extra or '-'}{possible}"
            )
            for name, text in err.note.fields.items():
                lines.append(f"    {name}: {text!r}")
            for hit in err.hits:
                lines.append(
                    f"    hit {hit.platform} {hit.field}[{hit.start}:{hit.end}] "
                    f"{hit.matched!r} {hit.rule} {hit.certainty}"
                    f"{' ' + hit.signal if hit.signal else ''}"
                )
    return "\n".join(lines) + "\n"
