"""What the desk's HTTP tests share: a data folder as a team starts one (``seed_data``: one
user of each role, named as the role, and the seed's extracts in ``sources/seed/``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from foidesk.desk.db import open_store
from foidesk.desk.people import add_user
from foidesk.desk.store import ROLES
from tests.conftest import SEED

PASSWORD = "correct horse battery"


def seed_data(data: Path, also: tuple[tuple[str, str], ...] = ()) -> Path:
    """The data folder ``data``: its store with a user of each role named as the role (all
    with ``PASSWORD``) and the users ``also`` names as (name, role); the seed's extracts in
    ``sources/seed/``."""
    with open_store(data) as store:
        for name, role in (*((r, r) for r in ROLES), *also):
            add_user(store, name, role, PASSWORD)
    folder = data / "sources" / "seed"
    folder.mkdir(parents=True)
    for name in ("legacy.csv", "athena.csv"):
        shutil.copy(SEED / name, folder / name)
    return data
