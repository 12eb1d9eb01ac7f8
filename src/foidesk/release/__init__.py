"""Release: what may leave the building, and the only code that writes ``public/``.

The aggregate types (``table.FoiTable``, ``coverage.Coverage``), the structured letter and
method (``document``, ``letter``), the gate that makes a ``PublicRelease`` from final figures
(``gate``; disclosure control goes there), the renderers (``render/``) and the writer of
``public/`` (``publish``). It may import only ``casework`` and ``errors``: never an engine,
the evidence, a source, the matcher or Arrow (checked by import-linter).
"""
