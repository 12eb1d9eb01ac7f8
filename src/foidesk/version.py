"""The package version (one place; ``foidesk.__version__`` and the audit read it)."""

__version__ = "0.1.0"
