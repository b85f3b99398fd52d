"""The command line: version, and the schema commands against a shared server."""

from __future__ import annotations

from pathlib import Path

import pytest

from studiosync_desktop import __version__, migrate
from studiosync_desktop.cli import main
from studiosync_desktop.config import AppDirs, resolve_database_target
from studiosync_desktop.testing import create_scratch_database, drop_database


def test_version_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_db_upgrade_and_current_on_a_shared_server(
    server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = create_scratch_database(server_url, prefix="ss_cli")
    try:
        assert main(["db", "current", "--database", url]) == 0
        assert "empty (no schema)" in capsys.readouterr().out
        assert main(["--database", url, "db", "upgrade"]) == 0
        assert f"-> {migrate.head_revision()}" in capsys.readouterr().out
        assert main(["db", "current", "--database", url]) == 0
        out = capsys.readouterr().out
        assert "up to date" in out
        assert "***" in out or "@" not in url.split("//")[1].split("@")[0]
    finally:
        drop_database(server_url, url)


def test_db_connect_remembers_the_server_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDIOSYNC_HOME", str(tmp_path))
    monkeypatch.delenv("STUDIOSYNC_DATABASE_URL", raising=False)
    assert main(["db", "connect", "postgresql://desk:s3cret@studio-server/riverside"]) == 0
    saved = (tmp_path / "config" / "connection.json").read_text()
    assert "studio-server" in saved and "s3cret" not in saved
    target = resolve_database_target(None, AppDirs.default())
    assert target.url is not None and "studio-server" in target.url
    assert main(["db", "disconnect"]) == 0
    assert resolve_database_target(None, AppDirs.default()).is_embedded


def test_commands_on_a_database_behind_or_without_a_studio_say_what_to_do(
    server_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = create_scratch_database(server_url, prefix="ss_cli")
    ics = ["schedule", "ics", "--teacher", "t@x.org", "-o", str(tmp_path / "t.ics")]
    try:
        assert main([*ics, "--database", url]) == 2  # no schema at all
        assert "studiosync db upgrade --database" in capsys.readouterr().err
        migrate.upgrade(url)
        assert main([*ics, "--database", url]) == 2  # a schema, but no studio
        assert "no studio yet" in capsys.readouterr().err
        assert not (tmp_path / "t.ics").exists()
    finally:
        drop_database(server_url, url)
