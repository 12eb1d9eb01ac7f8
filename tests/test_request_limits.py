"""Request values past the limits of a sensible request (issue 10, items 10 and 11).

Each is refused at load: ``load_request`` raises one ``RequestError`` line naming the file and
the key, and ``foidesk answer`` exits 2 with that line and writes nothing. No engine runs, so
these tests are quick. The values that are merely unusual are accepted, and tested as such.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import foidesk
from foidesk.errors import RequestError
from tests.conftest import crime, run_cli, write_extract, write_request

TERMS = 'terms = ["Facebook", "Twitter", "WhatsApp", "Instagram", "TikTok", "Snapchat"]'


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_extract(tmp_path / "a.csv", [crime("A1", "2016-01-01", "on Facebook")])
    return tmp_path


def _edit(request: Path, old: str, new: str) -> Path:
    text = request.read_text(encoding="utf-8")
    assert old in text, old
    request.write_text(text.replace(old, new, 1), encoding="utf-8")
    return request


def _request(folder: Path, old: str = "", new: str = "", **kwargs: str) -> Path:
    """The test request over ``a.csv`` (system A), with ``old`` replaced by ``new``."""
    request = write_request(folder, [("a.csv", "A")], **kwargs)
    return _edit(request, old, new) if old else request


def _load_refused(request: Path, *expected: str) -> str:
    with pytest.raises(RequestError) as caught:
        foidesk.load_request(request)
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message, message
    assert message.startswith(str(request) + ": "), message
    for text in expected:
        assert text in message, message
    return message


def _cli_refused(request: Path, *expected: str) -> None:
    out = request.parent / "case"
    proc = run_cli("answer", request, "--out", out)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("foidesk: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for text in expected:
        assert text in proc.stderr, proc.stderr
    assert not out.exists()


# --- item 10: dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("received = 2019-04-26", "received = 9999-12-31", "received"),
        ("received = 2019-04-26", "received = 1899-12-31", "received"),
        ("received = 2019-04-26", "received = 2019-04-26\nclarified = 2101-01-01", "clarified"),
        ("from = 2015-01-01", "from = 1899-12-31", "population.from"),
        ("from = 2015-01-01", "from = 0001-01-01", "population.from"),
        ("to = 2019-04-30", "to = 2101-01-01", "population.to"),
        ('system = "A"', 'system = "A"\ndata_quality_from = 9999-12-31', "source[1]"),
    ],
)
def test_a_date_outside_1900_to_2100_is_refused(folder: Path, old: str, new: str, key: str) -> None:
    message = _load_refused(_request(folder, old, new), key, "1900-01-01", "2100-12-31")
    if key == "source[1]":
        assert "source[1].data_quality_from" in message


def test_the_first_and_last_dates_allowed_are_accepted(folder: Path) -> None:
    request = _request(folder, "received = 2019-04-26", "received = 2100-12-31")
    _edit(request, "from = 2015-01-01", "from = 1900-01-01")
    _edit(request, "to = 2019-04-30", "to = 1999-12-31")
    loaded = foidesk.load_request(request)
    assert loaded.received.isoformat() == "2100-12-31"
    assert loaded.date_from.isoformat() == "1900-01-01"


def test_received_9999_12_31_is_refused_by_the_cli(folder: Path) -> None:
    _cli_refused(
        _request(folder, "received = 2019-04-26", "received = 9999-12-31"),
        "request.toml: received: 9999-12-31",
        "2100-12-31",
    )


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [("0001-01-01", "9999-12-31"), ("1900-01-01", "2100-12-31"), ("1919-05-01", "2019-05-01")],
)
def test_a_window_longer_than_100_years_is_refused(
    folder: Path, date_from: str, date_to: str
) -> None:
    _load_refused(_request(folder, date_from=date_from, date_to=date_to), "population.")


def test_a_window_of_100_years_exactly_is_accepted(folder: Path) -> None:
    loaded = foidesk.load_request(_request(folder, date_from="1919-05-01", date_to="2019-04-30"))
    assert (loaded.date_from.year, loaded.date_to.year) == (1919, 2019)


def test_a_window_of_100_years_from_29_february_is_accepted(folder: Path) -> None:
    # 2000-02-29 + 100 years has no 29 February: the window may run to 28 February 2100.
    request = _request(folder, date_from="2000-02-29", date_to="2100-02-28")
    assert foidesk.load_request(request).date_to.isoformat() == "2100-02-28"
    _load_refused(
        _request(folder, date_from="2000-02-29", date_to="2100-03-01"), "population.to", "100"
    )


def test_a_window_of_9999_years_is_refused_by_the_cli(folder: Path) -> None:
    _cli_refused(
        _request(folder, date_from="1900-01-01", date_to="2100-12-31"),
        "request.toml: population.to",
        "100 years",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2015-01-01T10:00:00", "time"),
        ("2015-01-01T00:00:00", "time"),
        ("2015-01-01 10:00:00", "time"),
        ("2015-01-01T10:00:00+05:00", "time"),
        ("2015-01-01T23:30:00Z", "time"),
        ("10:00:00", "expected a date like 2019-04-26"),
        ('"2015-W01-1"', "expected a date like 2019-04-26"),
        ('"20150101"', "expected a date like 2019-04-26"),
        ('"2015-01-01T10:00"', "expected a date like 2019-04-26"),
        ("20150101", "expected a date like 2019-04-26"),
        ("true", "expected a date like 2019-04-26"),
    ],
)
def test_a_date_and_time_or_a_date_in_another_form_is_refused(
    folder: Path, value: str, expected: str
) -> None:
    _load_refused(_request(folder, date_from=value), "population.from", expected)


def test_a_date_and_time_is_refused_by_the_cli(folder: Path) -> None:
    _cli_refused(_request(folder, date_to="2019-04-30T12:00:00"), "population.to", "date alone")


def test_a_date_written_as_text_in_the_iso_form_is_accepted(folder: Path) -> None:
    loaded = foidesk.load_request(_request(folder, date_from='" 2015-01-01 "'))
    assert loaded.date_from.isoformat() == "2015-01-01"


def test_clarified_before_received_is_refused(folder: Path) -> None:
    request = _request(
        folder, "received = 2019-04-26", "received = 2019-04-26\nclarified = 2019-04-25"
    )
    _load_refused(request, "clarified", "before received")


# --- item 10: nesting and size of the file ----------------------------------------------


@pytest.mark.parametrize("depth", [5000, 100_000])
def test_an_array_nested_thousands_deep_is_refused(folder: Path, depth: int) -> None:
    request = _request(folder, offences="[" * depth + "]" * depth)
    _load_refused(request, "not valid TOML", "nested too deeply")


def test_inline_tables_nested_thousands_deep_are_refused(folder: Path) -> None:
    request = _request(folder, extra="x = " + "{a = " * 5000 + "1" + "}" * 5000)
    _load_refused(request, "nested too deeply")


def test_an_array_nested_5000_deep_is_refused_by_the_cli(folder: Path) -> None:
    _cli_refused(
        _request(folder, offences="[" * 5000 + "]" * 5000),
        "request.toml: not valid TOML",
        "nested too deeply",
    )


def test_running_out_of_memory_while_parsing_is_refused(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tomllib

    def no_memory(text: str) -> dict[str, object]:
        raise MemoryError

    monkeypatch.setattr(tomllib, "loads", no_memory)
    _load_refused(_request(folder), "too large")


def test_an_array_nested_a_few_hundred_deep_is_refused_as_a_value(folder: Path) -> None:
    # Shallow enough for the parser; the list of offences must hold names.
    _load_refused(_request(folder, offences="[" * 300 + "]" * 300), "population.offences")


def test_a_request_file_over_1_mib_is_refused(folder: Path) -> None:
    request = _request(folder)
    request.write_text(request.read_text() + "# " + "x" * (1 << 20) + "\n")
    _load_refused(request, "larger than 1 MiB")


def _limited(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` with at most 4 GiB of address space and 60 s: a request or a source
    that is not a file once read /dev/zero until memory ran out, or waited on a FIFO forever,
    and a test of it must fail, not take the machine down."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    return subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
    )


_LOAD = (
    "import sys, foidesk\n"
    "try:\n"
    "    foidesk.load_request(sys.argv[1])\n"
    "except foidesk.RequestError as exc:\n"
    "    print(exc)\n"
    "else:\n"
    "    print('accepted')\n"
)


def _load_limited(request: Path) -> str:
    """``load_request(request)`` in a child held by ``_limited``: the message it raised."""
    proc = _limited("-c", _LOAD, request)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.rstrip("\n")


@pytest.mark.parametrize("kind", ["char-device", "fifo", "symlink-to-char-device"])
def test_a_request_file_that_is_not_a_file_is_refused(folder: Path, kind: str) -> None:
    if kind == "char-device":
        request = Path("/dev/zero")
    elif kind == "fifo":
        request = folder / "request.toml"
        os.mkfifo(request)
    else:
        request = folder / "request.toml"
        request.symlink_to("/dev/zero")
    message = _load_limited(request)
    assert message.startswith(f"{request}: is "), message
    assert "not a request file" in message


def test_dev_zero_as_the_request_is_refused_by_the_cli(tmp_path: Path) -> None:
    proc = _limited("-m", "foidesk", "answer", "/dev/zero", "--out", tmp_path / "case")
    assert proc.returncode == 2
    assert proc.stderr == (
        "foidesk: error: /dev/zero: is a character device, not a request file (TOML)\n"
    )
    assert not (tmp_path / "case").exists()


# --- item 10: names ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ['""', '"   "', '"\\t"', '"\\u00a0"'])
def test_an_empty_reference_is_refused(folder: Path, value: str) -> None:
    _load_refused(_request(folder, 'reference = "FOI-TEST/1"', f"reference = {value}"), "reference")


@pytest.mark.parametrize("value", ['""', '"  "', '"\\n"'])
def test_an_empty_system_name_is_refused(folder: Path, value: str) -> None:
    request = write_request(folder, [("a.csv", "A")])
    _edit(request, 'system = "A"', f"system = {value}")
    _load_refused(request, "source[1].system")


def test_an_empty_reference_is_refused_by_the_cli(folder: Path) -> None:
    _cli_refused(
        _request(folder, 'reference = "FOI-TEST/1"', 'reference = " "'),
        "request.toml: reference: is empty",
    )


def test_an_empty_system_name_is_refused_by_the_cli(folder: Path) -> None:
    _cli_refused(write_request(folder, [("a.csv", "")]), "request.toml: source[1].system: is empty")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('reference = "FOI-TEST/1"', 'reference = "' + "R" * 201 + '"', "reference"),
        ('system = "A"', 'system = "' + "S" * 101 + '"', "source[1].system"),
        ('system = "A"', 'system = "A"\n[force]\nname = "' + "N" * 201 + '"', "force.name"),
        ('system = "A"', 'system = "A"\n[force]\naddress = "' + "a" * 501 + '"', "force.address"),
        ("[search]\n" + TERMS, '[search]\nterms = ["' + "F" * 101 + '"]', "search.terms[1]"),
        ('offences = ["drugs"]', 'offences = ["' + "9" * 101 + '"]', "population.offences[1]"),
    ],
)
def test_a_name_too_long_is_refused(folder: Path, old: str, new: str, key: str) -> None:
    message = _load_refused(_request(folder, old, new), key + ": ", "characters long")
    assert len(message) < 400  # the value itself is not repeated in full


def test_the_longest_names_allowed_are_accepted(folder: Path) -> None:
    request = _request(folder, 'reference = "FOI-TEST/1"', 'reference = "' + "R" * 200 + '"')
    _edit(request, 'system = "A"', 'system = "' + "S" * 100 + '"')
    loaded = foidesk.load_request(request)
    assert (len(loaded.reference), len(loaded.sources[0].system)) == (200, 100)


def test_a_reference_of_201_characters_is_refused_by_the_cli(folder: Path) -> None:
    request = _request(folder, 'reference = "FOI-TEST/1"', 'reference = "' + "R" * 201 + '"')
    _cli_refused(request, "request.toml: reference: is 201 characters long")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"FOI\\u0007/1"', "U+0007"),
        ('"FOI\\n/1"', "line break"),
        ('"FOI\\t/1"', "tab"),
        ('"FOI\\u0000/1"', "U+0000"),
        ('"FOI\\u202e/1"', "U+202E"),
        ('"FOI\\u200b/1"', "U+200B"),
        ('"FOI\\u2028/1"', "U+2028"),
        ('"FOI\\u001b[31m/1"', "U+001B"),
    ],
)
def test_a_reference_with_a_control_or_invisible_character_is_refused(
    folder: Path, value: str, expected: str
) -> None:
    request = _request(folder, 'reference = "FOI-TEST/1"', f"reference = {value}")
    _load_refused(request, "reference: ", expected)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('system = "A"', 'system = "Leg\\u0007acy"', "source[1].system"),
        ('system = "A"', 'system = "A"\n[force]\nname = "Any\\nshire"', "force.name"),
        ('system = "A"', 'system = "A"\n[force]\naddress = "1 Road\\u0000"', "force.address"),
        ("[search]\n" + TERMS, '[search]\nterms = ["Face\\u0000book"]', "search.terms[1]"),
        ('offences = ["drugs"]', 'offences = ["drugs\\u0007"]', "population.offences[1]"),
        ("[search]", '[search]\nlexicon = "lex\\u0000.toml"', "search.lexicon"),
        ('request = "Drug', 'request = "\\u0000Drug', "request"),
        ('request = "Drug', 'clarification = "\\u001b[2J"\nrequest = "Drug', "clarification"),
        ('prefer = "x"', 'prefer = "A\\u0007"', "population.prefer"),
    ],
)
def test_a_control_character_in_a_name_or_text_is_refused(
    folder: Path, old: str, new: str, key: str
) -> None:
    request = _request(folder)
    if old == 'prefer = "x"':
        _edit(request, 'offences = ["drugs"]', 'offences = ["drugs"]\nprefer = "x"')
    _load_refused(_edit(request, old, new), key + ": ", "U+")


@pytest.mark.parametrize("control", ["\\u202e", "\\u202b", "\\u2066", "\\u2069"])
def test_a_bidi_override_in_free_text_is_refused(folder: Path, control: str) -> None:
    """An override shows the request, quoted in the letter, in another order than it holds."""
    request = _edit(_request(folder), 'request = "Drug', f'request = "Drug {control}edirrevo')
    _load_refused(request, "request: contains the invisible character U+", "reorders the text")


def test_right_to_left_text_and_its_marks_are_accepted(folder: Path) -> None:
    text = "\\u0645\\u0646 \\u0641\\u0636\\u0644 \\u200f \\u05e9\\u05dc\\u05d5\\u05dd \\u200e"
    request = _edit(_request(folder), 'request = "Drug', f'request = "{text} Drug')
    assert foidesk.load_request(request).request_text.startswith("\u0645\u0646")


def test_a_control_character_in_a_system_name_is_refused_by_the_cli(folder: Path) -> None:
    request = write_request(folder, [("a.csv", "Leg\\u001bacy")])
    _cli_refused(request, "request.toml: source[1].system: ", "U+001B")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('system = "A"', 'system = "---"', "source[1].system"),
        ('system = "A"', 'system = "(*)"', "source[1].system"),
        ('reference = "FOI-TEST/1"', 'reference = "//"', "reference"),
        ('system = "A"', 'system = "A"\n[force]\nname = "."', "force.name"),
    ],
)
def test_a_name_of_punctuation_only_is_refused(folder: Path, old: str, new: str, key: str) -> None:
    _load_refused(_request(folder, old, new), key + ": ", "no letter or digit")


def test_a_system_named_later_or_earlier_is_refused(folder: Path) -> None:
    request = write_request(folder, [("a.csv", "later")])
    _load_refused(request, "source[1].system: ", "population.prefer")


def test_systems_that_differ_only_in_case_are_refused(folder: Path) -> None:
    write_extract(folder / "b.csv", [crime("B1", "2016-01-01", "on Twitter")])
    request = write_request(folder, [("a.csv", "Legacy"), ("b.csv", "LEGACY")])
    _load_refused(request, "source[2].system: ", "'LEGACY'", "'Legacy'", "case")


def test_the_same_file_named_twice_is_refused(folder: Path) -> None:
    # Once under each of two systems the letter would report every crime as held by both.
    (folder / "b.csv").symlink_to(folder / "a.csv")
    request = write_request(folder, [("a.csv", "Legacy"), ("b.csv", "Athena")])
    _load_refused(request, "source[2].path: ", "source[1].path")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("[search]\n" + TERMS, '[search]\nterms = ["Facebook", 5]', "search.terms[2]"),
        ("[search]\n" + TERMS, '[search]\nterms = ["Facebook", ""]', "search.terms[2]"),
        ('offences = ["drugs"]', 'offences = ["drugs", ["92A"]]', "population.offences[2]"),
        ('offences = ["drugs"]', "offences = 5", "population.offences"),
        ("columns = ", 'rows = ["outcome", 1]\ncolumns = ', "table.rows[2]"),
    ],
)
def test_a_non_string_or_empty_entry_in_a_list_of_names_is_refused(
    folder: Path, old: str, new: str, key: str
) -> None:
    request = _request(folder, old, new)
    if key == "table.rows[2]":
        _edit(request, 'rows = ["outcome", "offence", "platform"]\n', "")
    _load_refused(request, key + ": ")


def test_a_list_of_more_than_1000_entries_is_refused(folder: Path) -> None:
    codes = [f"{n}{letter}" for n in range(1, 100) for letter in "ABCDEFGHIJK"][:1001]
    request = _request(folder, offences="[" + ", ".join(f'"{c}"' for c in codes) + "]")
    _load_refused(request, "population.offences: lists 1,001 entries; at most 1,000")
    loaded = foidesk.load_request(
        _request(folder, offences="[" + ", ".join(f'"{c}"' for c in codes[:1000]) + "]")
    )
    assert loaded.offence_codes == tuple(codes[:1000])


def test_a_blank_force_detail_is_taken_as_left_out(folder: Path) -> None:
    # Pinned by tests/test_letter.py: the letter shows [FORCE NAME] and lists it as unfilled.
    request = _request(folder, 'system = "A"', 'system = "A"\n[force]\nname = " "\nunit = ""')
    force = foidesk.load_request(request).force
    assert (force.name, force.unit) == ("[FORCE NAME]", "[UNIT]")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('system = "A"', 'system = "A"\npath = ""', "source[1].path"),
        ('path = "a.csv"', 'path = "a\\u0000.csv"', "source[1].path"),
        ('path = "a.csv"', 'path = "' + "p" * 300 + '.csv"', "source[1].path"),
        ('path = "a.csv"', 'path = "' + "p/" * 2100 + 'a.csv"', "source[1].path"),
        ("[search]", '[search]\nlexicon = ""', "search.lexicon"),
        ("[search]", '[search]\nlexicon = "' + "l" * 256 + '.toml"', "search.lexicon"),
        ("[search]", '[search]\nlexicon = "' + "l/" * 2100 + '.toml"', "search.lexicon"),
    ],
)
def test_a_path_that_cannot_name_a_file_is_refused(
    folder: Path, old: str, new: str, key: str
) -> None:
    request = _request(folder)
    if key == "source[1].path" and new.startswith('system = "A"\npath'):
        _edit(request, 'path = "a.csv"\n', "")
    _load_refused(_edit(request, old, new), key + ": ")


# --- item 10: values that are merely unusual are accepted ---------------------------------


def test_unusual_but_sound_values_are_accepted(folder: Path) -> None:
    request = write_request(folder, [("a.csv", "  Athéna 2  ")])
    _edit(request, 'reference = "FOI-TEST/1"', 'reference = "  FOI 2019/02832 (part 2)  "')
    _edit(request, 'request = "Drug offences mentioning social media."', 'request = ""')
    _edit(
        request,
        "[search]\n" + TERMS,
        '[search]\nterms = ["Facebook", "facebook", "FB", "Twitter"]',
    )
    _edit(
        request,
        'offences = ["drugs"]',
        'offences = ["drugs", "92a", "DRUGS"]\nprefer = " Athéna 2 "',
    )
    request.write_text(
        request.read_text()
        + '\n[force]\nname = "Heddlu Dyfed-Powys"\n'
        + 'address = """Police HQ\n1 Example Road\nAnytown AN1 1AA"""\n'
    )
    loaded = foidesk.load_request(request)
    assert loaded.reference == "FOI 2019/02832 (part 2)"
    assert loaded.sources[0].system == "Athéna 2"
    assert loaded.prefer == "Athéna 2"
    assert loaded.request_text == ""
    assert loaded.search_terms == ("Facebook", "facebook", "FB", "Twitter")
    assert "92A" in loaded.offence_codes
    assert len(set(loaded.offence_codes)) == len(loaded.offence_codes)
    assert loaded.force.address == "Police HQ\n1 Example Road\nAnytown AN1 1AA"


# --- item 11: sources that are not files --------------------------------------------------


def _source_at(folder: Path, kind: str) -> str:
    """A source path of ``kind`` in ``folder`` (as the request names it)."""
    if kind == "char-device":
        return "/dev/zero"
    if kind == "fifo":
        os.mkfifo(folder / "pipe.csv")
        return "pipe.csv"
    if kind == "socket":
        here = Path.cwd()
        os.chdir(folder)  # a socket's path must be short: bind it by its relative name
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind("sock.csv")
            sock.close()  # the socket file stays
        finally:
            os.chdir(here)
        return "sock.csv"
    if kind == "folder":
        (folder / "extracts").mkdir()
        return "extracts"
    target = _source_at(folder, kind.removeprefix("symlink-to-"))
    (folder / "link.csv").symlink_to(target if target.startswith("/") else folder / target)
    return "link.csv"


SOURCE_KINDS = [
    ("char-device", "/dev/zero is a character device"),
    ("fifo", "pipe.csv is a FIFO (named pipe)"),
    ("socket", "sock.csv is a socket"),
    ("folder", "extracts is a folder but not a snapshot (no manifest.json)"),
    ("symlink-to-char-device", "link.csv is a symlink to a character device (/dev/zero)"),
    ("symlink-to-fifo", "link.csv is a symlink to a FIFO (named pipe)"),
    ("symlink-to-socket", "link.csv is a symlink to a socket"),
    ("symlink-to-folder", "link.csv is a folder but not a snapshot (no manifest.json)"),
]


@pytest.mark.parametrize(("kind", "expected"), SOURCE_KINDS)
def test_a_source_that_is_not_a_file_is_refused(folder: Path, kind: str, expected: str) -> None:
    request = write_request(folder, [(_source_at(folder, kind), "A")])
    message = _load_limited(request)
    assert message.startswith(f"{request}: source[1].path: "), message
    assert expected in message, message


@pytest.mark.parametrize(
    ("kind", "expected"),
    [SOURCE_KINDS[i] for i in (0, 1, 2, 3, 4)],
)
def test_a_source_that_is_not_a_file_is_refused_by_the_cli(
    folder: Path, kind: str, expected: str
) -> None:
    request = write_request(folder, [(_source_at(folder, kind), "A")])
    out = folder / "case"
    proc = _limited("-m", "foidesk", "answer", request, "--out", out)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith(f"foidesk: error: {request}: source[1].path: "), proc.stderr
    assert expected in proc.stderr
    assert "not an extract file or a snapshot folder" in proc.stderr or kind == "folder"
    assert not out.exists()


def test_a_symlink_to_a_regular_file_is_a_source(folder: Path) -> None:
    (folder / "link.csv").symlink_to(folder / "a.csv")
    loaded = foidesk.load_request(write_request(folder, [("link.csv", "A")]))
    assert loaded.sources[0].path == folder / "link.csv"
    assert loaded.sources[0].format == "csv"


def test_a_dangling_symlink_or_a_loop_is_refused(folder: Path) -> None:
    (folder / "gone.csv").symlink_to(folder / "nowhere.csv")
    _load_refused(write_request(folder, [("gone.csv", "A")]), "source[1].path: ", "not found")
    (folder / "loop.csv").symlink_to(folder / "loop.csv")
    _load_refused(write_request(folder, [("loop.csv", "A")]), "source[1].path: ", "loop.csv")


def _snapshot(folder: Path, name: str = "snap", manifest: str = '{"system": "Snap"}') -> Path:
    snap = folder / name
    snap.mkdir()
    (snap / "manifest.json").write_text(manifest, encoding="utf-8")
    (snap / "crimes.parquet").write_bytes(b"")  # never read by load_request
    return snap


def test_a_snapshot_folder_and_a_symlink_to_one_are_sources(folder: Path) -> None:
    _snapshot(folder)
    (folder / "latest").symlink_to(folder / "snap")
    request = folder / "r.toml"
    request.write_text(
        'reference = "R"\nreceived = 2019-01-01\n[population]\nfrom = 2018-01-01\n'
        'to = 2018-12-31\noffences = ["drugs"]\n[[source]]\npath = "latest"\n'
    )
    source = foidesk.load_request(request).sources[0]
    assert (source.format, source.system) == ("snapshot", "Snap")


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("manifest-dev-zero", "manifest.json is a symlink to a character device (/dev/zero)"),
        ("manifest-fifo", "manifest.json is a FIFO (named pipe)"),
        ("manifest-folder", "manifest.json is a folder"),
        ("manifest-list", "manifest.json is not a snapshot manifest"),
        ("manifest-deep", "manifest.json is not valid JSON"),
        ("crimes-fifo", "crimes.parquet is a FIFO (named pipe)"),
        ("crimes-missing", "has no crimes.parquet"),
    ],
)
def test_a_snapshot_folder_with_a_part_that_is_not_a_file_is_refused(
    folder: Path, setup: str, expected: str
) -> None:
    snap = _snapshot(folder)
    manifest, crimes = snap / "manifest.json", snap / "crimes.parquet"
    if setup.startswith("manifest-"):
        manifest.unlink()
    else:
        crimes.unlink()
    if setup == "manifest-dev-zero":
        manifest.symlink_to("/dev/zero")
    elif setup == "manifest-fifo":
        os.mkfifo(manifest)
    elif setup == "manifest-folder":
        manifest.mkdir()
    elif setup == "manifest-list":
        manifest.write_text('["system", "Snap"]')
    elif setup == "manifest-deep":
        manifest.write_text("[" * 100_000 + "]" * 100_000)
    elif setup == "crimes-fifo":
        os.mkfifo(crimes)
    request = write_request(folder, [("snap", "Snap")])
    message = _load_limited(request)
    assert message.startswith(f"{request}: source[1].path: "), message
    assert expected in message, message
