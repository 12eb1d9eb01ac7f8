"""The disclosure log (issue 16, item 3): every released answer, published as a CSV index and a
static HTML site a member of the public can read and search.

Place in the flow: after ``foidesk answer`` has written a case folder and the letter has been
sent, ``foidesk log add CASE --log DIR`` copies the case's releasable files into the log and
rebuilds its index; ``foidesk log check CASE --log DIR`` runs the earlier-release check
(``release.disclosure.earlier``) of a case against every release the log holds, before it is
sent. The log is a public copy: it reads ``CASE/public/`` for the files and
``CASE/internal/audit.json`` for the request's reference, dates, title, category and text, and
it never holds the requester's name and address (``addressee``) or anything from
``internal/``.

- ``entry``: a case folder read into a ``LogEntry`` (what the log says of one release).
- ``index``: ``DIR/disclosure-log.csv``, the log's own record, read and written.
- ``site``: ``DIR/index.html`` and ``DIR/releases/<slug>/index.html`` (Jinja2 templates).
- ``book``: ``add_to_log`` and ``check_against_log``, the two commands' work.
"""

from __future__ import annotations

from foidesk.disclosure_log.book import Added, LogCheck, add_to_log, check_against_log
from foidesk.disclosure_log.entry import LogEntry, read_entry, slug_of
from foidesk.disclosure_log.index import INDEX_NAME, IndexRow, read_index

__all__ = [
    "INDEX_NAME",
    "Added",
    "IndexRow",
    "LogCheck",
    "LogEntry",
    "add_to_log",
    "check_against_log",
    "read_entry",
    "read_index",
    "slug_of",
]
