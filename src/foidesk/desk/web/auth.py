"""Who is using the browser desk: sessions, CSRF tokens and the login throttle
(docs/desk-web.md).

- **Sessions** are held on the server: the browser holds only a random token
  (``secrets.token_urlsafe``) in an HttpOnly, SameSite=Lax cookie (Secure when the request
  came over HTTPS); the server keeps the token's sha256, never the token, with the user, when
  the session began and when it was last used. A session unused for 12 hours is over.
  They are kept in the store (``Sessions``, the ``sessions`` table of migration 0002), so a
  restart of the desk logs nobody out and several processes may serve it. (The login
  throttle is kept in the process's memory.)
- **CSRF**: each session has its own token, written as a hidden ``csrf_token`` field in every
  form; a POST without it, or with another, is refused (403). The login form, before any
  session, carries a token that must equal a cookie's (``LOGIN_CSRF_COOKIE``).
- **The login throttle**: 5 failures for one name, or from one address, within 15 minutes,
  and the next attempt is refused (429, ``Retry-After``) without looking at the password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from foidesk.desk.db import Store
from foidesk.desk.store import WebSession as StoredSession

SESSION_COOKIE = "foidesk_session"
LOGIN_CSRF_COOKIE = "foidesk_login_csrf"
IDLE_SECONDS = 12 * 60 * 60  # a session unused this long is over
THROTTLE_FAILURES = 5  # failures for a name or an address ...
THROTTLE_SECONDS = 15 * 60  # ... within this long, and the next attempt waits


def token_hash(token: str) -> str:
    """What the server keeps of a session's token: its sha256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_token(given: str | None, expected: str | None) -> bool:
    """Whether a token sent matches the one expected (in constant time; none never does)."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@dataclass
class WebSession:
    """A logged-in browser: its user, its CSRF token, when it began and was last used (seconds
    since the epoch)."""

    user_id: int
    csrf_token: str
    created: float
    last_seen: float


class Sessions:
    """The desk's sessions, kept in the store (``store.WebSession``, by the sha256 of their
    tokens): they outlive a restart of the desk and are the same for every process serving
    it. ``idle_seconds`` unused and a session is over."""

    def __init__(self, store: Store, idle_seconds: float = IDLE_SECONDS) -> None:
        self.store = store
        self.idle_seconds = idle_seconds

    def start(self, user_id: int) -> tuple[str, WebSession]:
        """A new session for the user: the token for the cookie, and the session."""
        token = secrets.token_urlsafe(32)
        at = datetime.now(UTC)
        row = StoredSession(
            token_hash=token_hash(token),
            user_id=user_id,
            csrf_token=secrets.token_urlsafe(32),
            created=at,
            last_seen=at,
        )
        with self.store.session() as db:
            db.execute(delete(StoredSession).where(StoredSession.last_seen < self._oldest(at)))
            db.add(row)
            return token, _session(row)

    def find(self, token: str | None) -> WebSession | None:
        """The live session of a cookie's token (its last use now), or None."""
        if not token:
            return None
        at = datetime.now(UTC)
        with self.store.session() as db:
            row = db.get(StoredSession, token_hash(token))
            if row is None:
                return None
            if row.last_seen < self._oldest(at):
                db.delete(row)
                return None
            row.last_seen = at
            return _session(row)

    def end(self, token: str | None) -> None:
        """End the session of a token (none: nothing to do)."""
        if token:
            with self.store.session() as db:
                held = StoredSession.token_hash == token_hash(token)
                db.execute(delete(StoredSession).where(held))

    def end_user(self, user_id: int) -> None:
        """End every session of a user (made inactive)."""
        with self.store.session() as db:
            db.execute(delete(StoredSession).where(StoredSession.user_id == user_id))

    def _oldest(self, at: datetime) -> datetime:
        return at - timedelta(seconds=self.idle_seconds)


def _session(row: StoredSession) -> WebSession:
    return WebSession(
        row.user_id, row.csrf_token, row.created.timestamp(), row.last_seen.timestamp()
    )


class Throttle:
    """Failed logins by name (in lower case) and by address, for ``THROTTLE_SECONDS``."""

    def __init__(
        self, failures: int = THROTTLE_FAILURES, seconds: float = THROTTLE_SECONDS
    ) -> None:
        self.failures = failures
        self.seconds = seconds
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, at: float) -> deque[float]:
        times = self._seen.setdefault(key, deque())
        while times and at - times[0] > self.seconds:
            times.popleft()
        return times

    def wait(self, name: str, address: str) -> int:
        """Seconds before ``name`` may try again from ``address`` (0: now)."""
        at = time.time()
        longest = 0.0
        with self._lock:
            for key in (f"name:{name.lower()}", f"address:{address}"):
                times = self._recent(key, at)
                if len(times) >= self.failures:
                    longest = max(longest, times[-self.failures] + self.seconds - at)
        return max(1, int(longest) + 1) if longest > 0 else 0

    def failed(self, name: str, address: str) -> None:
        """Count a failed login."""
        at = time.time()
        with self._lock:
            for key in (f"name:{name.lower()}", f"address:{address}"):
                self._recent(key, at).append(at)

    def succeeded(self, name: str) -> None:
        """A right password: the name's failures are forgotten (the address's are not)."""
        with self._lock:
            self._seen.pop(f"name:{name.lower()}", None)
