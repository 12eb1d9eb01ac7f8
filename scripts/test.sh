#!/usr/bin/env bash
# The project's test command (README): installs what it needs into .venv, then runs the
# linters (ruff check, ruff format --check), the type checker (mypy) and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
echo "== ruff check"
.venv/bin/ruff check src tests scripts
echo "== ruff format --check"
.venv/bin/ruff format --check src tests scripts
echo "== mypy"
.venv/bin/mypy src
echo "== lint-imports (the rooms' import rules, docs/architecture.md)"
.venv/bin/lint-imports
echo "== pytest"
.venv/bin/pytest -q "$@"
