"""One file a schema revision, in order (``0001_initial.py`` first)."""
