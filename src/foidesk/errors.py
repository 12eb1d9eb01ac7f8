"""User-facing errors: a problem the user can fix, shown as one line on stderr by the CLI."""


class FoideskError(Exception):
    """An error the user can fix: bad request file, missing source, unparseable value.

    The message names the file, line, field or key concerned. The CLI prints it on one line
    with a non-zero exit and no traceback (``--debug`` shows the traceback).
    """
