"""A database holds one studio: a second setup is refused by the database, with a sentence."""

from __future__ import annotations

import psycopg
import pytest
from desks import failures, race, race_desks
from sqlalchemy import text

from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, ValidationFailed
from studiosync_desktop.services.demo import DemoService
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.testing import libpq_dsn


def setup_of(name: str) -> dict[str, str]:
    return {
        "studio_name": name,
        "timezone": "America/New_York",
        "currency": "USD",
        "tax_rate_percent": "0",
        "admin_email": f"owner@{name.split()[0].lower()}.example",
        "admin_first_name": "Olivia",
        "admin_last_name": name.split()[0],
    }


def _studios_and_admins(db: Database) -> tuple[list[str], int]:
    with db.engine.connect() as c:
        names = list(c.execute(text("SELECT name FROM studios ORDER BY name")).scalars())
        admins = c.execute(text("SELECT count(*) FROM users WHERE role = 'admin'")).scalar_one()
    return names, int(admins)


def test_four_desks_setting_up_at_once_make_one_studio_and_the_rest_are_told(
    database_url: str, db: Database
) -> None:
    names = ["Harmony Music", "Riverside Music", "Lakeside Music", "Hilltop Music"]
    results = race_desks(
        database_url, 4, lambda own, i: StudioService(own).set_up(setup_of(names[i]))
    )
    [made] = [r for r in results if not isinstance(r, BaseException)]
    studios, admins = _studios_and_admins(db)
    assert (len(studios), admins) == (1, 1)
    refused = failures(results)
    assert all(isinstance(e, Conflict) for e in refused), refused
    assert {str(e) for e in refused} == {
        f"This database already has a studio, {studios[0]}, set up from another desk."
    }
    assert made.name == f"Olivia {studios[0].split()[0]}"


def test_setting_up_a_second_studio_later_is_refused(db: Database) -> None:
    StudioService(db).set_up(setup_of("Harmony Music"))
    with pytest.raises(Conflict, match="already has a studio, Harmony Music"):
        StudioService(db).set_up(setup_of("Riverside Music"))
    with pytest.raises(Conflict, match="already holds a studio"):
        DemoService(db).build("small")
    assert _studios_and_admins(db) == (["Harmony Music"], 1)


def test_the_database_itself_refuses_a_second_studio(database_url: str, db: Database) -> None:
    """Two raw connections, no service: the unique index lets one studio in."""

    def insert(i: int) -> None:
        with psycopg.connect(libpq_dsn(database_url)) as conn:
            conn.execute("INSERT INTO studios (name, slug) VALUES (%s, %s)", (f"S{i}", f"s{i}"))

    results = race(2, insert)
    assert sum(isinstance(r, psycopg.errors.UniqueViolation) for r in results) == 1
    assert len(_studios_and_admins(db)[0]) == 1


def test_a_time_zone_the_server_does_not_know_is_refused_next_to_the_zone_field(
    db: Database,
) -> None:
    """Written past the settings form (0046): the database refuses it, the desk is told by the
    zone field, and the studio keeps its zone."""
    DemoService(db).build("small")
    with db.session() as s:
        zone = s.execute(text("SELECT timezone FROM studios")).scalar_one()
    with pytest.raises(ValidationFailed) as caught, db.session() as s:
        s.execute(text("UPDATE studios SET timezone = 'Mars/Olympus'"))
    assert set(caught.value.fields) == {"timezone"}
    with db.session() as s:
        assert s.execute(text("SELECT timezone FROM studios")).scalar_one() == zone
