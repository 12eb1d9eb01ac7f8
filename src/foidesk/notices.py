"""Notices: what an answer must say about its own data, beside the figures.

A problem in the input is either refused (a ``FoideskError``) or answered with the problem
said. A ``Notice`` is the second kind: one line for stderr (``foidesk: warning: ...``), kept
with its details in ``audit.json``; where a reader of the letter needs it, the method
statement says it too (from the release's own figures, never from a notice's details, which
may name record-level values and stay internal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Notice:
    """One thing the answer says about its data."""

    kind: str  # a stable key, e.g. "unknown-outcome-labels"
    message: str  # one line, for stderr
    details: dict[str, Any] = field(default_factory=dict)  # for the audit (internal)

    def as_audit(self) -> dict[str, Any]:
        """The notice as the audit records it."""
        return {"kind": self.kind, "message": self.message, **self.details}
