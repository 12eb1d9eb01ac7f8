"""User-facing errors: a problem the user can fix, shown as one line on stderr by the CLI.

Every error foidesk raises on purpose is a ``FoideskError``; its subclasses say which part of
the work found the problem, so that a caller of the Python API (the desk's page, a script) can
tell a bad request from a bad source without reading the message.
"""


class FoideskError(Exception):
    """An error the user can fix: bad request file, missing source, unparseable value.

    The message names the file, line, field or key concerned. The CLI prints it on one line
    with a non-zero exit and no traceback (``--debug`` shows the traceback).
    """


class RequestError(FoideskError):
    """The request file: a missing or unknown key, a bad date, an unknown offence group."""


class SourceError(FoideskError):
    """A source or an extract: unreadable, wrong layout, an unusable row, a bad mapping."""


class LexiconError(FoideskError):
    """A lexicon file or a term: bad TOML, an unknown rule, a term no lexicon has."""


class EngineError(FoideskError):
    """An engine could not run: unknown engine, out of memory, a Spark master not reached."""


class CaseError(FoideskError):
    """The case folder: a file where a folder should be, a folder that cannot be written."""


class ReviewFileError(FoideskError):
    """A review file (the workbook of hits to decide): not the export's, a cell that names no
    hit of the case or holds no decision, a path where it may not be written."""


class PublicLeakError(FoideskError):
    """A file bound for ``public/`` holds a crime reference or a run of a note's text, or
    cannot be read to check that it does not (a file type the scan does not read, a damaged
    or oversized file): the case folder is not written (``case_scan``)."""


class DisclosureError(FoideskError):
    """The table cannot be released under the request's disclosure control: a withheld
    figure could be worked out whatever else is withheld (``release.disclosure``)."""


class LetterError(FoideskError):
    """The letter cannot be written as Word or PDF: a letterhead template foidesk cannot fill
    (a field it does not know, a tag it cannot read, not a .docx), or LibreOffice failing to
    convert it (``release.render.docx``, ``release.render.pdf``)."""


class DeskError(FoideskError):
    """The desk's store, people and cases: a data folder from a newer foidesk, a user name
    taken or a password too short, a request whose sources lie outside the data folder's
    sources (``foidesk.desk``)."""
