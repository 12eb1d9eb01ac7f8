"""Measured accuracy: ``foidesk evaluate LABELLED.jsonl``.

A labelled file holds hand-written notes, one JSON object a line: ``id``, ``text`` (more fields
as ``text_*``), ``platforms`` (the canonical names a careful analyst says the note mentions)
and optionally ``category``. Each case is matched with the lexicon and with the naive search
forces describe (a case-insensitive whole-word match of the six names); for each platform we
count true positives, false positives and false negatives over (case, platform) pairs and print
recall, precision and F1, then every error with its text.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from foidesk.errors import SourceError
from foidesk.search.matcher import Hit, Matcher

NAIVE_NAMES = ("Facebook", "Twitter", "WhatsApp", "Instagram", "TikTok", "Snapchat")
_NAIVE = re.compile(r"\b(" + "|".join(NAIVE_NAMES) + r")\b", re.IGNORECASE)
_NAIVE_CANON = {n.lower(): n for n in NAIVE_NAMES}


@dataclass(frozen=True)
class LabelledNote:
    """One labelled note."""

    id: str
    fields: dict[str, str | None]
    platforms: frozenset[str]
    category: str
    line: int


@dataclass
class Scores:
    """True positives, false positives and false negatives per platform."""

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

    def prf(self, platform: str | None = None) -> tuple[float, float, float]:
        """Precision, recall and F1 for one platform, or over all (micro-average)."""
        if platform is None:
            tp, fp, fn = sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        else:
            tp, fp, fn = self.tp[platform], self.fp[platform], self.fn[platform]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


@dataclass(frozen=True)
class Disagreement:
    """A case where the lexicon's answer differs from the label."""

    note: LabelledNote
    got: frozenset[str]
    hits: tuple[Hit, ...]


@dataclass
class Report:
    """The result of evaluating one labelled file."""

    path: str
    cases: int
    platforms: list[str]
    lexicon: Scores
    naive: Scores
    errors: list[Disagreement]


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
            if not isinstance(obj, dict) or "id" not in obj or "platforms" not in obj:
                raise SourceError(f"{where}: needs 'id', 'text' and 'platforms'")
            fields = {k: v for k, v in obj.items() if k == "text" or k.startswith("text_")}
            if not fields:
                raise SourceError(f"{where}: no 'text'")
            if not all(v is None or isinstance(v, str) for v in fields.values()):
                raise SourceError(f"{where}: text fields must be strings")
            platforms = obj["platforms"]
            if not isinstance(platforms, list) or not set(platforms) <= allowed:
                raise SourceError(
                    f"{where}: platforms must be a list of {', '.join(sorted(allowed))}"
                )
            case_id = str(obj["id"])
            if case_id in seen:
                raise SourceError(f"{where}: id {case_id!r} is used twice")
            seen.add(case_id)
            cases.append(
                LabelledNote(case_id, fields, frozenset(platforms), str(obj.get("category", "")), n)
            )
    return cases


def naive_search(fields: dict[str, str | None]) -> set[str]:
    """What an exact-word search of the six names finds (the baseline)."""
    found: set[str] = set()
    for text in fields.values():
        if text:
            found.update(_NAIVE_CANON[m.lower()] for m in _NAIVE.findall(text))
    return found


def evaluate(path: Path, matcher: Matcher) -> Report:
    """Score the matcher and the naive search on a labelled file."""
    platforms = matcher.platform_names
    cases = load_labelled(path, set(platforms))
    lexicon, naive = Scores(), Scores()
    errors: list[Disagreement] = []
    for case in cases:
        hits: list[Hit] = []
        for name, text in case.fields.items():
            hits.extend(matcher.match_text(text, name))
        got = {h.platform for h in hits}
        lexicon.add(case.platforms, got)
        naive.add(case.platforms, naive_search(case.fields) & set(platforms))
        if got != case.platforms:
            errors.append(Disagreement(case, frozenset(got), tuple(hits)))
    return Report(str(path), len(cases), platforms, lexicon, naive, errors)


def render_report(report: Report, show_errors: bool = True) -> str:
    """The report as plain text: the scores table, then every error."""
    lines = [
        f"{report.path}: {report.cases} cases",
        "",
        f"{'platform':<10}  {'lexicon P':>9} {'R':>6} {'F1':>6}  {'naive P':>8} {'R':>6} {'F1':>6}"
        f"  {'TP':>4} {'FP':>4} {'FN':>4}",
    ]
    for platform in [*report.platforms, None]:
        lp, lr, lf = report.lexicon.prf(platform)
        np_, nr, nf = report.naive.prf(platform)
        scores = report.lexicon
        if platform is None:
            tp, fp, fn = (sum(c.values()) for c in (scores.tp, scores.fp, scores.fn))
        else:
            tp, fp, fn = scores.tp[platform], scores.fp[platform], scores.fn[platform]
        lines.append(
            f"{platform or 'overall':<10}  {lp:>9.3f} {lr:>6.3f} {lf:>6.3f}  "
            f"{np_:>8.3f} {nr:>6.3f} {nf:>6.3f}  {tp:>4} {fp:>4} {fn:>4}"
        )
    if show_errors:
        lines += ["", f"errors: {len(report.errors)}"]
        for err in report.errors:
            missed = sorted(err.note.platforms - err.got)
            extra = sorted(err.got - err.note.platforms)
            lines.append(
                f"- {err.note.id} (line {err.note.line}, {err.note.category or 'no category'}): "
                f"missed {missed or '-'}, extra {extra or '-'}"
            )
            for name, text in err.note.fields.items():
                lines.append(f"    {name}: {text!r}")
            for hit in err.hits:
                lines.append(
                    f"    hit {hit.platform} {hit.field}[{hit.start}:{hit.end}] "
                    f"{hit.matched!r} {hit.rule}{' ' + hit.signal if hit.signal else ''}"
                )
    return "\n".join(lines) + "\n"
