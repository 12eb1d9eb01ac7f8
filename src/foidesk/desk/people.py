"""People: users of the desk, their passwords (argon2) and what each role may do.

The role matrix ``CAN`` is the one statement of who may do what; the desk's pages and the
commands ask ``can(role, action)``. The roles divide the work (docs/desk.md): an officer
runs a case (creates it, moves its status, records the clock's events, writes the letter), an
analyst searches and reviews hits, an approver approves the release, an admin manages users.
No role holds another's actions, so that the person who approves a release is not the
person who made it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from foidesk.desk.store import NAME_LENGTH, ROLES, Event, User, now
from foidesk.errors import DeskError

if TYPE_CHECKING:
    from foidesk.desk.db import Store

OFFICER, ANALYST, APPROVER, ADMIN = ROLES
ACTIONS = (
    "create_case",
    "change_status",
    "clock_event",
    "write_letter",
    "run_search",
    "review",
    "approve_release",
    "manage_users",
)
CAN: dict[str, frozenset[str]] = {
    OFFICER: frozenset({"create_case", "change_status", "clock_event", "write_letter"}),
    ANALYST: frozenset({"run_search", "review"}),
    APPROVER: frozenset({"approve_release"}),
    ADMIN: frozenset({"manage_users"}),
}
PASSWORD_MIN = 12  # characters
PASSWORD_MAX = 1024  # characters: hashing a megabyte on every login attempt is a DoS
_NAME = re.compile(rf"[A-Za-z0-9._-]{{1,{NAME_LENGTH}}}")
# a hash to check a password against when the name is unknown, so that an unknown name takes
# as long to refuse as a wrong password (made on first use)
_dummy: list[str] = []


def can(role: str, action: str) -> bool:
    """Whether a user of ``role`` may do ``action`` (``ACTIONS``); an unknown role or action
    is refused (``ValueError``: a typo in the caller, not a person's mistake)."""
    if role not in CAN:
        raise ValueError(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    return action in CAN[role]


def check_name(name: str) -> str:
    """A user name: 1 to 64 characters, letters and digits of ASCII, ``.``, ``-``, ``_``."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        shown = repr(name) if len(repr(name)) <= 70 else repr(name)[:67] + "..."
        raise DeskError(
            f"user name {shown}: use 1 to {NAME_LENGTH} letters, digits, '.', '-' or '_'"
        )
    return name


def check_password(password: str) -> str:
    """A password: at least ``PASSWORD_MIN`` characters, at most ``PASSWORD_MAX``."""
    if len(password) < PASSWORD_MIN:
        raise DeskError(
            f"password: {len(password)} characters; use at least {PASSWORD_MIN} "
            "(a few words make a good one)"
        )
    if len(password) > PASSWORD_MAX:
        raise DeskError(f"password: longer than {PASSWORD_MAX} characters")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash of a password (with its own salt and parameters)."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's (False for a wrong one, never an exception)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return PasswordHasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _role(role: str) -> str:
    if role not in ROLES:
        raise DeskError(f"role {role!r}: one of {', '.join(ROLES)}")
    return role


def require(by: User | None, action: str) -> None:
    """Refuse an action by a user who is inactive or whose role does not allow it (None:
    the command line, whoever may write the data folder)."""
    if by is not None and not (by.active and can(by.role, action)):
        raise DeskError(f"{by.name} ({by.role}) may not {action.replace('_', ' ')}")


def add_user(store: Store, name: str, role: str, password: str, by: User | None = None) -> User:
    """Add a user with an argon2 hash of ``password``, and the event that says so (by
    ``by``, who must be an admin; None: the command line). A name already taken, in any
    letter case, is refused (``Alice`` beside ``alice`` would be two people who look like
    one)."""
    from sqlalchemy import func, select

    check_name(name)
    _role(role)
    check_password(password)
    require(by, "manage_users")
    with store.session() as session:
        taken = session.scalars(
            select(User.name).where(func.lower(User.name) == name.lower())
        ).first()
        if taken is not None:
            raise DeskError(f"user name {name!r}: already taken ({taken!r}); choose another")
        user = User(
            name=name,
            role=role,
            password_hash=hash_password(password),
            created=now(),
            active=True,
        )
        session.add(user)
        session.flush()
        session.add(
            Event(
                case_id=None,
                user_id=by.id if by is not None else None,
                at=user.created,
                action="user.add",
                before=None,
                after={"user_id": user.id, "name": name, "role": role, "active": True},
            )
        )
    return user


def get_user(store: Store, name: str) -> User | None:
    """The user of this name (exact), or None."""
    from sqlalchemy import select

    with store.session() as session:
        return session.scalars(select(User).where(User.name == name)).first()


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The active user of ``name`` when ``password`` is theirs, else None (an unknown name
    costs a hash check all the same). A hash made with older parameters is made again."""
    user = get_user(store, name)
    if user is None:
        if not _dummy:
            _dummy.append(hash_password("not anyone's password"))
        verify_password(User(password_hash=_dummy[0]), password)
        return None
    if not verify_password(user, password) or not user.active:
        return None
    from argon2 import PasswordHasher

    if PasswordHasher().check_needs_rehash(user.password_hash):
        with store.session() as session:
            stored = session.get(User, user.id)
            assert stored is not None
            stored.password_hash = hash_password(password)
            user.password_hash = stored.password_hash
    return user
