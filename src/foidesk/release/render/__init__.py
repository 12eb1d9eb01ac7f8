"""Renderers: an ``FoiTable`` (aggregates only) to text, CSV grid, Markdown, HTML and XLSX.

Each renderer is a pure function of the table, so output is byte-identical across runs and
never depends on the terminal. ``RENDERERS`` maps the ``--format`` names to them.
"""

from __future__ import annotations

from collections.abc import Callable

from foidesk.release.render.csv_grid import render_csv
from foidesk.release.render.html import render_html
from foidesk.release.render.markdown import render_markdown
from foidesk.release.render.text import render_text
from foidesk.release.table import FoiTable

RENDERERS: dict[str, Callable[[FoiTable], str]] = {
    "text": render_text,
    "csv": render_csv,
    "markdown": render_markdown,
    "html": render_html,
}
EXTENSIONS = {"text": "txt", "csv": "csv", "markdown": "md", "html": "html"}

__all__ = ["EXTENSIONS", "RENDERERS"]
