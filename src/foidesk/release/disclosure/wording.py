"""How the released prose says a count under disclosure control (issue 15, docs/disclosure.md).

Place in the flow: ``release.gate.make_release`` withholds the small figures of the table and
the coverage first (``release.disclosure``); the letter, the method statement, the s.12
estimate and the refusal notice are then written from what it returns (``release.letter``,
``release.review``, ``release.cost``, ``release.refusal``). This module is the one place those
writers turn a count of crimes with a mention into words, so that a figure the table withholds
is never written out in a sentence: ``count_text`` and ``count_noun`` give "fewer than five"
for a figure from 1 to 4 (and for a ``Withheld`` cell), "withheld" for a cell withheld only to
protect others. ``symbol_notes`` gives the table's footnotes explaining the symbols,
``disclosure_blocks`` the method's "Small numbers." paragraph. It holds wording only: what is
withheld is decided by ``release.disclosure``, never here.

Counts of cells (how many cells are withheld) are not counts of crimes, so they are written
as numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from foidesk.casework.request import DisclosureSettings
from foidesk.release.document import Block, Bold, Inline, Paragraph, Text
from foidesk.release.table import SECONDARY, SMALL, Cell, FoiTable, TableRow, Withheld

_NUMBER_WORDS = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
}

WITHHELD = "withheld"
"""What ``count_text`` says for a figure withheld only to protect a small one."""


def number_words(n: int) -> str:
    """A threshold as prose writes it: 'five', 'ten', then digits ('12', '1,000')."""
    return _NUMBER_WORDS.get(n, f"{n:,}")


def fewer_than(settings: DisclosureSettings) -> str:
    """'fewer than five' (``suppress_below`` 5), 'fewer than ten', 'fewer than 12'."""
    return f"fewer than {number_words(settings.suppress_below)}"


def is_concealed(n: Cell, settings: DisclosureSettings | None) -> bool:
    """Whether ``count_text`` keeps the number back: a ``Withheld`` cell, or a whole number
    from 1 to ``suppress_below - 1`` under disclosure control. A caller uses it to leave out
    what would let the number be worked out (a time per crime, a percentage)."""
    if isinstance(n, Withheld):
        return True
    return settings is not None and settings.enabled and 1 <= n < settings.suppress_below


def count_text(n: Cell, settings: DisclosureSettings | None) -> str:
    """A count of crimes with a mention as prose writes it: 'fewer than five' for a figure
    from 1 to ``suppress_below - 1`` under disclosure control, or a small ``Withheld`` cell;
    'withheld' for a cell withheld only to protect others (``SECONDARY``); otherwise the
    number ('0', '12', '1,809'). ``settings`` None: no disclosure control.

    A ``Withheld`` cell without disclosure control enabled is a mistake of the caller (no
    threshold to say it by) and raises ``ValueError``."""
    if isinstance(n, Withheld):
        if settings is None or not settings.enabled:
            raise ValueError(
                f"a withheld figure ({n.symbol!r}) but disclosure control is not enabled"
            )
        if n.kind == SMALL:
            return fewer_than(settings)
        if n.kind == SECONDARY:
            return WITHHELD
        raise ValueError(f"unknown kind of withheld figure: {n.kind!r}")
    if is_concealed(n, settings):
        assert settings is not None
        return fewer_than(settings)
    return f"{n:,}"


def shows_one(n: Cell, settings: DisclosureSettings | None) -> bool:
    """Whether prose says the count as '1' (so the noun and verb are singular): 'fewer than
    five' is plural, whatever the figure behind it."""
    return count_text(n, settings) == "1"


def count_noun(n: Cell, one: str, many: str, settings: DisclosureSettings | None) -> str:
    """A count with its noun, in agreement: '1 crime', '12 crimes', 'fewer than five crimes',
    'a withheld number of crimes'. ``one`` and ``many`` may carry the verb ('crime is',
    'crimes are')."""
    text = count_text(n, settings)
    if text == WITHHELD:
        return f"a withheld number of {many}"
    return f"{text} {one if text == '1' else many}"


def _span(low: int, high: int) -> str:
    """'from 1 to 4', or '1' when the range is one figure."""
    return str(low) if low == high else f"from {low} to {high}"


def symbol_notes(
    settings: DisclosureSettings | None, small_used: bool, secondary_used: bool
) -> tuple[str, ...]:
    """The table's footnotes explaining the symbols used in its cells, in plain English and
    as the request's ``zeros`` setting makes them mean. "In a cell" tells them apart from the
    "*" after a part year's heading ("2019*"). Nothing without disclosure control."""
    if settings is None or not settings.enabled:
        return ()
    below = number_words(settings.suppress_below)
    high = settings.suppress_below - 1
    act = "withheld under section 40(2) of the Act"
    notes = []
    if small_used:
        quoted = f'"{settings.symbol}" in a cell'
        if settings.zeros == "shown":
            crimes = "crime" if high == 1 else "crimes"
            notes.append(f"{quoted}: {_span(1, high)} {crimes}; {act}.")
        elif settings.zeros == "withheld":
            notes.append(
                f"{quoted}: fewer than {below} crimes, possibly none (every figure "
                f"{_span(0, high)} is shown so); {act}."
            )
        else:
            notes.append(
                f"{quoted}: fewer than {below} crimes ({_span(1, high)}, or none where a 0 is "
                "withheld so that the figures beside it cannot be worked out); "
                f"{act}."
            )
    if secondary_used:
        quoted = f'"{settings.secondary_symbol}" in a cell'
        if settings.zeros == "shown":
            notes.append(
                f"{quoted}: none, or {below} or more crimes, withheld so that no figure "
                f"{_span(1, high)} can be worked out from the totals."
            )
        else:
            notes.append(
                f"{quoted}: a figure of {below} or more, withheld so that no figure under "
                f"{below} can be worked out from the totals."
            )
    return tuple(notes)


def _cells(rows: Iterable[TableRow]) -> Iterator[Cell]:
    for row in rows:
        yield from row.counts
        yield row.total


def withheld_counts(cells: Iterable[Cell]) -> tuple[int, int]:
    """How many of ``cells`` are withheld as small (``SMALL``) and how many only to protect
    them (``SECONDARY``)."""
    small = secondary = 0
    for cell in cells:
        if isinstance(cell, Withheld):
            if cell.kind == SECONDARY:
                secondary += 1
            else:
                small += 1
    return small, secondary


def table_withheld(table: FoiTable) -> tuple[int, int]:
    """``withheld_counts`` of every cell of the table, its Grand Total row and column too."""
    return withheld_counts(_cells((*table.rows, table.grand_total)))


def symbols_used(cells: Iterable[Cell]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The symbols shown in ``cells``: those of small figures, then those of secondary ones,
    each in the order first met (one of each, from one request's settings)."""
    small: dict[str, None] = {}
    secondary: dict[str, None] = {}
    for cell in cells:
        if isinstance(cell, Withheld):
            (secondary if cell.kind == SECONDARY else small)[cell.symbol] = None
    return tuple(small), tuple(secondary)


def table_cells(table: FoiTable) -> Iterator[Cell]:
    """Every figure of the table: each row's periods and total, then the Grand Total row's."""
    return _cells((*table.rows, table.grand_total))


def _cells_text(n: int, more: bool = False) -> str:
    """'1 cell is', '12 cells are', '3 more cells are' (counts of cells, not of crimes)."""
    return f"{n:,} {'more ' if more else ''}{'cell is' if n == 1 else 'cells are'}"


def _zeros_sentence(settings: DisclosureSettings) -> list[Inline]:
    symbol = Text(f'"{settings.symbol}"', data=True)
    below = number_words(settings.suppress_below)
    if settings.zeros == "shown":
        return [Text(" Every 0 is shown.")]
    if settings.zeros == "withheld":
        return [
            Text(" No 0 is shown: every figure under " + below + " is shown as "),
            symbol,
            Text(", so it does not tell a small figure from none."),
        ]
    return [
        Text(
            " A 0 is shown unless it must be withheld so that a small figure beside it cannot "
            "be worked out; it is then shown as "
        ),
        symbol,
        Text(" too."),
    ]


def disclosure_blocks(settings: DisclosureSettings | None, table: FoiTable) -> list[Block]:
    """The method statement's "Small numbers." paragraph: what disclosure control withheld
    in ``table`` (its ``Withheld`` cells, counted by kind), why (section 40(2)), how the
    further cells were chosen, and the check every withheld cell passed; without disclosure
    control (``settings`` None or ``suppress_below`` 0), that every figure is published."""
    lead = Bold("Small numbers.")
    if settings is None or not settings.enabled:
        return [
            Paragraph(
                (lead, Text(" No figure was withheld: every figure is published as counted.")),
            )
        ]
    high = settings.suppress_below - 1
    small, secondary = table_withheld(table)
    runs: list[Inline] = [
        lead,
        Text(
            f" Figures {_span(1, high)} are not published: a small number, taken with other "
            "information, could identify the people involved, and is withheld as their "
            "personal data (section 40(2) of the Act)."
        ),
        *_zeros_sentence(settings),
    ]
    if not (small or secondary):
        runs.append(Text(" No figure of this table needed to be withheld."))
        return [Paragraph(tuple(runs))]
    if small:
        runs += [
            Text(f" In this table {_cells_text(small)} shown as "),
            Text(f'"{settings.symbol}"', data=True),
            Text("." if not secondary else ";"),
        ]
    if secondary:
        lead_in = "" if small else "In this table "
        runs += [
            Text(f" {lead_in}{_cells_text(secondary, more=bool(small))} shown as "),
            Text(f'"{settings.secondary_symbol}"', data=True),
            Text(
                ": chosen and withheld so that no withheld figure can be worked out from the "
                "totals, the other rows or the footnotes."
            ),
        ]
    runs.append(
        Text(
            " Every withheld cell was checked by an interval attack (integer programming): "
            "for each one it works out the smallest and largest value an attacker could "
            "infer from every figure published (the table, its footnotes and the records with "
            "a mention in each record system), how they add up, and that counts are whole "
            "numbers; the figures are released only when no withheld figure can be worked out."
        )
    )
    return [Paragraph(tuple(runs))]
