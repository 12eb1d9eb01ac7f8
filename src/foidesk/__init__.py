"""foidesk: answer Freedom of Information data requests over police crime records' free text.

The Python API. The command line (``foidesk ...``) and the desk's page are thin layers over
these functions, as sqlite-utils' CLI is over its ``Database``::

    import foidesk

    request = foidesk.load_request("request.toml")
    answer = foidesk.answer(request)              # reads the sources, writes nothing
    print(answer.table.grand_total.total)         # the released table's grand total
    foidesk.write_case("case/FOI2019-02832", answer)   # public/ and internal/

Requests and the clock: ``load_request``, ``Request``, ``due_date``, ``Deadline``.
Searching: ``load_lexicon``, ``Lexicon``, ``Matcher`` (a compiled lexicon, shared by every
engine), ``match_file``.
Sources: ``ingest`` (any export into a validated snapshot), ``load_mapping``.
Answering: ``answer`` -> ``Answer`` (its ``release`` is a ``PublicRelease``: the table,
coverage, letter and method, aggregates only; its ``evidence`` and ``audit`` are internal),
``write_case``.
Engines: ``engine_names``, ``make_engine``, ``Engine``, ``EngineResult``, ``Progress``;
engines are plugins in the entry-point group ``foidesk.engines`` (docs/engines.md).
Errors: every problem a user can fix is a ``FoideskError``: ``RequestError``,
``SourceError``, ``LexiconError``, ``EngineError``, ``CaseError``.

The names are loaded on first use, so ``import foidesk`` costs nothing until one is used.
docs/api.md has a worked example; docs/architecture.md shows where each part lives.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from foidesk.version import __version__

# public name -> the module that defines it
_WHERE = {
    "load_request": "foidesk.casework.request",
    "Request": "foidesk.casework.request",
    "due_date": "foidesk.casework.deadline",
    "Deadline": "foidesk.casework.deadline",
    "load_lexicon": "foidesk.search.lexicon",
    "Lexicon": "foidesk.search.lexicon",
    "Matcher": "foidesk.search.matcher",
    "match_file": "foidesk.search.matchfile",
    "ingest": "foidesk.ingest.snapshot",
    "load_mapping": "foidesk.ingest.mapping",
    "answer": "foidesk.answering",
    "Answer": "foidesk.answering",
    "write_case": "foidesk.case_folder",
    "case_decisions": "foidesk.case_folder",
    "PublicRelease": "foidesk.release.gate",
    "FoiTable": "foidesk.release.table",
    "Coverage": "foidesk.release.coverage",
    "engine_names": "foidesk.engines.registry",
    "make_engine": "foidesk.engines.registry",
    "Engine": "foidesk.engines.base",
    "EngineResult": "foidesk.engines.base",
    "Progress": "foidesk.engines.base",
    "FoideskError": "foidesk.errors",
    "RequestError": "foidesk.errors",
    "SourceError": "foidesk.errors",
    "LexiconError": "foidesk.errors",
    "EngineError": "foidesk.errors",
    "CaseError": "foidesk.errors",
}

__all__ = [
    "Answer",
    "CaseError",
    "Coverage",
    "Deadline",
    "Engine",
    "EngineError",
    "EngineResult",
    "FoiTable",
    "FoideskError",
    "Lexicon",
    "LexiconError",
    "Matcher",
    "Progress",
    "PublicRelease",
    "Request",
    "RequestError",
    "SourceError",
    "__version__",
    "answer",
    "case_decisions",
    "due_date",
    "engine_names",
    "ingest",
    "load_lexicon",
    "load_mapping",
    "load_request",
    "make_engine",
    "match_file",
    "write_case",
]

if TYPE_CHECKING:  # for type checkers and editors; at run time the names load on first use
    from foidesk.answering import Answer, answer
    from foidesk.case_folder import case_decisions, write_case
    from foidesk.casework.deadline import Deadline, due_date
    from foidesk.casework.request import Request, load_request
    from foidesk.engines.base import Engine, EngineResult, Progress
    from foidesk.engines.registry import engine_names, make_engine
    from foidesk.errors import (
        CaseError,
        EngineError,
        FoideskError,
        LexiconError,
        RequestError,
        SourceError,
    )
    from foidesk.ingest.mapping import load_mapping
    from foidesk.ingest.snapshot import ingest
    from foidesk.release.coverage import Coverage
    from foidesk.release.gate import PublicRelease
    from foidesk.release.table import FoiTable
    from foidesk.search.lexicon import Lexicon, load_lexicon
    from foidesk.search.matcher import Matcher
    from foidesk.search.matchfile import match_file


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'foidesk' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
