"""A PC without a keyring backend is an ordinary situation: every secret the app reads or keeps
goes through one place (config), which turns a missing keyring into a sentence or "ask each
time", never a traceback."""

from __future__ import annotations

import ast
from pathlib import Path

from studiosync_desktop import config, login
from studiosync_desktop.config import AppDirs

PACKAGE = Path(__file__).resolve().parents[1] / "studiosync_desktop"


def test_only_config_talks_to_the_keyring() -> None:
    """A module that called keyring itself could let NoKeyringError through (as Pay by link
    did): all of them go through config.read_secret / set_secret / delete_secret."""
    talking = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n == "keyring" or n.startswith("keyring.") for n in names):
                talking.add(path.relative_to(PACKAGE).as_posix())
    assert talking == {"config.py"}


def test_without_a_keyring_saved_passwords_are_asked_for_each_time(
    no_keyring: None, tmp_path: Path
) -> None:
    dirs = AppDirs(
        tmp_path / "config",
        tmp_path / "data",
        tmp_path / "cache",
        tmp_path / "logs",
        tmp_path / "docs",
    )
    server = "postgresql://db.studio.example/studio"
    assert login.remember(dirs, server, "dana@studio.example", "a-password") is False
    assert login.remembered_email(dirs, server) == "dana@studio.example"
    assert login.remembered_password(server, "dana@studio.example") is None
    assert config.save_connection(dirs, "postgresql://dana:pw@db.studio.example/studio") is False
    assert config.load_saved_connection(dirs) == "postgresql://dana@db.studio.example/studio"
    config.forget_connection(dirs)
    assert config.load_saved_connection(dirs) is None
