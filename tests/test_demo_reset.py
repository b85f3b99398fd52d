"""`studiosync demo --reset`: the database wiped and the demo built again, never a real
studio on a shared server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from studiosync_desktop import login, migrate
from studiosync_desktop.cli import main
from studiosync_desktop.db import Database
from studiosync_desktop.services.demo import DEMO_LOGINS
from studiosync_desktop.services.studio import StudioService
from studiosync_desktop.testing import create_scratch_database, drop_database


@pytest.fixture
def scratch_url(server_url: str) -> Iterator[str]:
    url = create_scratch_database(server_url, prefix="ss_rst")
    yield url
    drop_database(server_url, url)


def count(url: str, sql: str) -> int:
    db = Database(url)
    try:
        with db.session() as s:
            return int(s.scalar(text(sql)) or 0)
    finally:
        db.dispose()


def test_reset_wipes_the_demo_and_builds_it_again_with_working_logins(
    scratch_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--database", scratch_url]) == 0
    db = Database(scratch_url)
    with db.session() as s:  # a change the reset must take away
        s.execute(text("DELETE FROM notifications"))
        s.execute(text("UPDATE studios SET name = 'Changed by a test'"))
    db.dispose()

    assert main(["demo", "--reset", "--yes", "--database", scratch_url]) == 0

    assert count(scratch_url, "SELECT count(*) FROM studios WHERE name = 'Changed by a test'") == 0
    assert count(scratch_url, "SELECT count(*) FROM notifications") > 0
    email, _role, password = DEMO_LOGINS[1]
    person = login.log_in(scratch_url, email, password)
    person.db.dispose()
    assert "demo" in capsys.readouterr().out.lower()


def test_reset_without_yes_in_a_script_changes_nothing(scratch_url: str) -> None:
    assert main(["demo", "--database", scratch_url]) == 0
    before = count(scratch_url, "SELECT count(*) FROM lessons")
    assert main(["demo", "--reset", "--database", scratch_url]) == 1  # stdin is no terminal
    assert count(scratch_url, "SELECT count(*) FROM lessons") == before


def test_a_real_studio_on_a_shared_server_is_never_wiped(
    scratch_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    migrate.upgrade(scratch_url)
    db = Database(scratch_url)
    StudioService(db).set_up(
        {
            "studio_name": "Harmony Music School",
            "admin_email": "owner@harmony.example",
            "admin_first_name": "Olivia",
        }
    )
    db.dispose()

    assert main(["demo", "--reset", "--yes", "--database", scratch_url]) != 0

    assert "Harmony Music School" in capsys.readouterr().err
    assert (
        count(scratch_url, "SELECT count(*) FROM studios WHERE name = 'Harmony Music School'") == 1
    )
