"""The disclosure log's static site: ``DIR/index.html`` and ``DIR/releases/<slug>/index.html``.

Place in the flow: the last step of ``foidesk log add`` (``book.add_to_log``): after the index
is written, ``render_index_page`` makes the front page from every row of the index, and
``render_release_page`` the new release's own page from its ``LogEntry``. Both are Jinja2
templates (``templates/``) with autoescape on, so every value from data (a title, the request
text, a label) is escaped. The pages use relative links only, so the folder can be opened from
disk (``file://``) or served as it is; they hold no time but the release's dates, so the same
releases give the same bytes.

The front page is a ``<table>`` of every release. A small inline script (no library, nothing
fetched) shows a search box and filters by category and year answered; without JavaScript the
filters stay hidden and the whole table is shown.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from foidesk.casework.periods import long_date
from foidesk.disclosure_log.entry import COVERAGE, LETTER_IN_LOG, LogEntry
from foidesk.disclosure_log.index import CLARIFICATION, IndexRow

FILE_LABELS = {
    LETTER_IN_LOG: "Response letter (PDF)",
    "table.csv": "Table (CSV)",
    "table.xlsx": "Table (Excel)",
    "table.html": "Table (web page)",
    COVERAGE: "Records searched (CSV)",
}


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("foidesk.disclosure_log", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = lambda iso: long_date(date.fromisoformat(iso))
    return env


def _files(row: IndexRow) -> list[tuple[str, str]]:
    """(name, label) of each file of a release, the letter first."""
    names = [f.rpartition("/")[2] for f in row.files]
    names.sort(key=lambda n: n != LETTER_IN_LOG)
    return [(name, FILE_LABELS.get(name, name)) for name in names]


def _request_text(row: IndexRow) -> str:
    """The request text without the clarification the index appends to it."""
    return row.request.split(f"\n\n{CLARIFICATION}", 1)[0]


def render_index_page(rows: list[IndexRow]) -> str:
    """The front page: every release in the index's order, with search and filters."""
    releases = [
        {
            "row": row,
            "files": _files(row),
            "search": " ".join(f"{row.reference} {row.title} {row.request}".split()).lower(),
        }
        for row in rows
    ]
    categories = sorted({row.category for row in rows})
    years = sorted({row.year_answered for row in rows}, reverse=True)
    template = _environment().get_template("index.html.j2")
    return template.render(releases=releases, categories=categories, years=years)


def render_release_page(entry: LogEntry, row: IndexRow) -> str:
    """A release's own page: its dates, category, the request and clarification, its files."""
    template = _environment().get_template("release.html.j2")
    return template.render(entry=entry, row=row, request=_request_text(row), files=_files(row))
