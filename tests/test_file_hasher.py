"""``FileHasher``: a file's sha256 in a thread, which a run that failed can stop."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from foidesk.ingest.hashing import FileHasher


def test_the_digest_is_the_files_sha256(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"foidesk " * 1_000_000)
    assert FileHasher(path).result() == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_stopped_hash_ends_early_and_gives_no_digest(tmp_path: Path) -> None:
    path = tmp_path / "large.bin"
    with path.open("wb") as f:
        f.truncate(8 << 30)  # 8 GB of zeros, sparse: seconds to read, no disk used
    hasher = FileHasher(path)
    hasher.stop()
    started = time.perf_counter()
    hasher.join(timeout=2)  # reading it all takes several seconds; one chunk, milliseconds
    assert not hasher.is_alive()
    assert time.perf_counter() - started < 2
    with pytest.raises(RuntimeError, match="stopped before it was made"):
        hasher.result()


def test_a_file_that_cannot_be_read_is_raised_in_the_callers_thread(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        FileHasher(tmp_path / "missing.bin").result()
