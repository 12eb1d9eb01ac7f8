"""sha256 of files: read in large chunks (hashlib releases the GIL), optionally in a thread
beside a reader that parses the same file, so hashing never costs a second pass of wall time."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

CHUNK = 4 << 20


def sha256_file(path: Path, stop: threading.Event | None = None) -> str:
    """The file's sha256 (hex); "" when ``stop`` is set before the end (read no further)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            if stop is not None and stop.is_set():
                return ""
            h.update(chunk)
    return h.hexdigest()


class FileHasher(threading.Thread):
    """Hashes a file in a thread, started at once; ``result()`` waits for the digest,
    ``stop()`` ends the reading early (a run that failed does not need it)."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.digest = ""
        self.error: BaseException | None = None
        self._stopping = threading.Event()
        self.start()

    def run(self) -> None:
        try:
            self.digest = sha256_file(self.path, self._stopping)
        except BaseException as exc:  # raised by result(), in the caller's thread
            self.error = exc

    def stop(self) -> None:
        """Stop reading (at the next chunk); the digest is then never made."""
        self._stopping.set()

    def result(self) -> str:
        """The digest, once the thread is done; re-raises what reading raised."""
        self.join()
        if self.error is not None:
            raise self.error
        if self._stopping.is_set() or not self.digest:
            raise RuntimeError(f"{self.path}: the hash was stopped before it was made")
        return self.digest
