"""What a real start imports before its window's first paint: a new process on the test
database (the owner's connection, as the warm start-up figure opens it), offscreen, quitting
at the first paint; `-X importtime` says every module it imported, and when."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from studiosync_desktop.app import MEASURE_STARTUP_ENV
from studiosync_desktop.config import DATABASE_URL_ENV, HOME_ENV
from studiosync_desktop.schemas.common import Actor

CHECKOUT = Path(__file__).resolve().parent.parent

# Modules the first paint does not need: each costs tens to hundreds of milliseconds.
NOT_BEFORE_THE_FIRST_PAINT = (
    "studiosync_desktop.models",  # the ORM models: the tabs' services
    "studiosync_desktop.services.accounts",
    "studiosync_desktop.services.studio",
    "studiosync_desktop.services.today",
    "studiosync_desktop.schemas.roster",
    "phonenumbers",
    "email_validator",
    "PIL",
    "stripe",
    "reportlab",
    "openpyxl",
    "alembic",
    "PySide6.QtCharts",
)


def imported_before_first_paint(url: str, home: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != DATABASE_URL_ENV}
    env |= {
        "QT_QPA_PLATFORM": "offscreen",
        MEASURE_STARTUP_ENV: "1",
        HOME_ENV: str(home),
        "PYTHONUNBUFFERED": "1",
    }
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "studiosync_desktop", "--database", url],
        cwd=CHECKOUT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream: the import lines in order with "first-paint"
        text=True,
        timeout=120,
    )
    lines = done.stdout.splitlines()
    assert "first-paint" in lines, done.stdout[-2000:]
    before = lines[: lines.index("first-paint")]
    return [line.rsplit("|", 1)[1].strip() for line in before if line.startswith("import time:")]


def test_the_window_paints_before_the_models_and_the_heavy_libraries_are_imported(
    database_url: str, admin: Actor, tmp_path: Path
) -> None:
    imported = imported_before_first_paint(database_url, tmp_path)
    assert "studiosync_desktop.ui.main_window" in imported  # the window itself is there
    assert "PySide6.QtWidgets" in imported
    early = sorted(
        name
        for name in imported
        if any(name == top or name.startswith(f"{top}.") for top in NOT_BEFORE_THE_FIRST_PAINT)
    )
    assert early == []
