"""Home Office reference data: drug offence codes and groups, offence names, outcome types.

Loaded from ``data/home_office.toml`` (editable data, not code). Used by the request parser
(offence groups), the engine (population filter) and the table (offence labels, outcome order).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# The notation of a Home Office offence code after the engines' normalising (upper case, no
# spaces): one to three digits and up to two letters, e.g. 92D, 8N, 105A. A value in another
# form (a class/subclass pair such as 092/39, a force's own code) is not one. The same pattern
# is used in Python (re.fullmatch) and in SQL (DuckDB's regexp_full_match).
OFFENCE_CODE_PATTERN = "[0-9]{1,3}[A-Z]{0,2}"


# A Home Office offence code is written in upper case without spaces, and zeros padding its
# number are dropped ("092e" is 92E). The pattern and replacement read the same in Python's
# re.sub (ingest) and in DuckDB's regexp_replace (the embedded engine), so both read a code alike
HO_CODE_PADDING = ("^0+([0-9]{1,3}[A-Z]{0,2})$", r"\1")


def ho_code(value: str) -> str:
    """A Home Office offence code as every path writes it: upper case, no spaces, no zeros
    padding its number."""
    code = value.strip(" \t\n\r\x0b\x0c").upper().replace(" ", "")
    return re.sub(HO_CODE_PADDING[0], HO_CODE_PADDING[1], code)


class UnknownOffence(ValueError):
    """An offence that is neither a group of ``home_office.toml`` nor a Home Office code."""


@dataclass(frozen=True)
class HomeOffice:
    """Reference tables from the Home Office counting rules and outcomes framework."""

    offence_groups: dict[str, tuple[str, ...]]
    offence_group_labels: dict[str, str]
    offence_names: dict[str, str]
    outcome_types: dict[str, str]
    outcome_labels: dict[str, str]

    def offence_codes(self, items: Iterable[str]) -> tuple[str, ...]:
        """The Home Office codes that offence groups and codes stand for, in order, each
        once (a group expanded; a code as the sources' codes are read: 092e is 92E). The
        one reading of a list of offences: a request's population and a lexicon's record
        conditions. ``UnknownOffence`` names the first item that is neither."""
        codes: dict[str, None] = {}
        for item in items:
            group = item.strip().lower()
            if group in self.offence_groups:
                codes.update(dict.fromkeys(self.offence_groups[group]))
            elif re.fullmatch(OFFENCE_CODE_PATTERN, ho_code(item)):
                codes[ho_code(item)] = None
            else:
                raise UnknownOffence(item)
        return tuple(codes)

    def offence_name(self, code: str) -> str:
        """The Home Office name of an offence code, e.g. '92E Possession of cannabis'."""
        name = self.offence_names.get(code.upper())
        return f"{code.upper()} {name}" if name else code.upper()

    def outcome_rank(self, label: str, ho_outcome: str | None) -> tuple[int, int, str]:
        """A sort key putting outcomes in Home Office outcome-number order.

        Uses the extract's own ``ho_outcome`` when present, else the built-in label map;
        outcomes with no known outcome type (no number, or one the framework does not have,
        such as 99 or 19B) sort after, alphabetically.
        """
        code = (ho_outcome or "").strip().upper() or self.outcome_labels.get(
            label.strip().upper(), ""
        )
        match = re.fullmatch(r"(\d+)(?:\.0+)?([A-Z]?)", code)  # "7.0" from a float column
        if not match or f"{int(match.group(1))}{match.group(2)}" not in self.outcome_types:
            return (1, 0, label.upper())  # no outcome type of the framework: after, by label
        number = int(match.group(1)) * 10 + (ord(match.group(2)) - 64 if match.group(2) else 0)
        return (0, number, label.upper())


@lru_cache(maxsize=1)
def home_office() -> HomeOffice:
    """The built-in reference tables."""
    text = resources.files("foidesk.casework").joinpath("data/home_office.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    return HomeOffice(
        offence_groups={k: tuple(v) for k, v in raw["offence_groups"].items()},
        offence_group_labels=dict(raw.get("offence_group_labels", {})),
        offence_names=dict(raw["offence_names"]),
        outcome_types=dict(raw["outcome_types"]),
        outcome_labels={k.upper(): v for k, v in raw["outcome_labels"].items()},
    )
