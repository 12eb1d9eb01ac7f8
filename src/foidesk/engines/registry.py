"""Finding engines: the Python entry-point group ``foidesk.engines``.

An engine is a class (see ``engines.base.Engine``) registered under a name in that group, as
pytest and datasette find their plugins; foidesk registers its own two the same way in its
``pyproject.toml``::

    [project.entry-points."foidesk.engines"]
    duckdb = "foidesk.engines.duckdb:DuckDBEngine"
    spark = "foidesk.engines.spark:SparkEngine"

so a third engine is one installable package with such an entry, and no edit to foidesk.
"""

from __future__ import annotations

import inspect
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from foidesk.engines.base import Engine
from foidesk.errors import EngineError, FoideskError

GROUP = "foidesk.engines"
DEFAULT = "duckdb"

# foidesk's own engines, for a source tree used without being installed (no entry points)
_BUILT_IN = {
    "duckdb": "foidesk.engines.duckdb:DuckDBEngine",
    "spark": "foidesk.engines.spark:SparkEngine",
}


def _entry_points() -> dict[str, EntryPoint]:
    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    for name, value in _BUILT_IN.items():
        found.setdefault(name, EntryPoint(name, value, GROUP))
    return found


def engine_names() -> list[str]:
    """The names of the engines installed, the default first."""
    names = sorted(_entry_points())
    return sorted(names, key=lambda n: n != DEFAULT)


def engine_class(name: str) -> type[Engine]:
    """The class registered as ``name``."""
    found = _entry_points()
    if name not in found:
        raise EngineError(
            f"--engine: unknown engine {name!r} (installed: {', '.join(engine_names())})"
        )
    try:
        cls = found[name].load()
    except ImportError as exc:
        raise EngineError(f"--engine {name}: cannot be loaded ({exc})") from exc
    return cls


def make_engine(name: str, **options: Any) -> Engine:
    """An engine ``name`` built with ``options`` (its own keyword arguments); an option it does
    not take is one line naming the options it does."""
    cls = engine_class(name)
    params = inspect.signature(cls).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    known = [n for n, p in params.items() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    for key in options:
        if key not in params and not takes_any:
            raise EngineError(
                f"--engine-option {key}: engine {name} has no such option "
                f"(its options: {', '.join(known) or 'none'})"
            )
    for key, value in list(options.items()):
        default = params[key].default if key in params else None
        if isinstance(value, str) and isinstance(default, bool | int | float):
            options[key] = _coerce(name, key, value, type(default))
    try:
        return cls(**options)
    except FoideskError:
        raise
    except (TypeError, ValueError) as exc:
        raise EngineError(f"--engine {name}: {exc}") from exc


def _coerce(engine: str, key: str, value: str, kind: type) -> Any:
    """A command-line option's text as the type of the option's default."""
    if kind is bool:
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
    else:
        try:
            return kind(value)
        except ValueError:
            pass
    raise EngineError(
        f"--engine-option {key}={value}: engine {engine} wants {kind.__name__} for {key}"
    )
