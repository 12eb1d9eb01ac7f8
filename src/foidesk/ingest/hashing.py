"""sha256 of files: read in large chunks (hashlib releases the GIL), optionally in a thread
beside a reader that parses the same file, so hashing never costs a second pass of wall time."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

CHUNK = 4 << 20


def sha256_file(path: Path) -> str:
    """The file's sha256 (hex)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


class FileHasher(threading.Thread):
    """Hashes a file in a thread, started at once; ``result()`` waits for the digest."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.digest = ""
        self.error: OSError | None = None
        self.start()

    def run(self) -> None:
        try:
            self.digest = sha256_file(self.path)
        except OSError as exc:  # raised by result(), in the caller's thread
            self.error = exc

    def result(self) -> str:
        """The digest, once the thread is done; re-raises a read error."""
        self.join()
        if self.error is not None:
            raise self.error
        return self.digest
