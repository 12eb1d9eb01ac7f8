"""Arrow arrays built from buffers, for the answer path (the matcher and the engines).

``pa.array``, ``pa.scalar`` and ``Array.to_numpy`` import pandas, when it is installed, the
first time they run: 0.2 to 0.46 s of every answer's start-up (measured, docs/performance.md).
Arrow's string builder and arrays laid on numpy buffers do not, so the code every answer runs
builds its arrays here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa


def from_list(values: list[Any], kind: pa.DataType) -> pa.Array:
    """An array of ``kind`` (a string or integer type) from a list; None is null."""
    if pa.types.is_string(kind):
        builder = pa.lib.StringBuilder()
        builder.append_values(values)
        return builder.finish()
    if not pa.types.is_integer(kind):
        return pa.array(values, type=kind)  # not on the answer path
    valid = np.array([v is not None for v in values], dtype=bool)
    numbers = np.array([v if v is not None else 0 for v in values], dtype=kind.to_pandas_dtype())
    return integers(numbers, kind, None if valid.all() else valid)


INT64 = pa.int64()


def integers(
    numbers: np.ndarray, kind: pa.DataType = INT64, valid: np.ndarray | None = None
) -> pa.Array:
    """A numpy integer array as an Arrow array of ``kind``; ``valid`` marks non-null rows."""
    numbers = np.ascontiguousarray(numbers, dtype=kind.to_pandas_dtype())
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    null_count = 0 if valid is None else int(len(valid) - valid.sum())
    return pa.Array.from_buffers(
        kind, len(numbers), [bitmap, pa.py_buffer(numbers)], null_count=null_count
    )


def validity(array: pa.Array) -> np.ndarray:
    """Which rows of ``array`` are not null, read from its validity bitmap."""
    bitmap = array.buffers()[0]
    n = len(array)
    if bitmap is None:
        return np.ones(n, dtype=bool)
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little")
    return bits[array.offset : array.offset + n].astype(bool)
