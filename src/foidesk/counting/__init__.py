"""Counting: record-level results in, aggregates out.

``table.build_table`` counts distinct crimes per cell from an engine's crime hits;
``coverage`` turns its coverage rows and source reports into the public ``Coverage`` and
``SourceSummary``. It is the bridge from the internal side (``engines``) to the public side
(``release``), and the place where a reviewer's decisions will change what is counted.
"""
