"""App start to the first painted window: a real process, offscreen.

Warm: the large studio on a running shared server, the owner's connection (maintenance mode).
Cold: the embedded server stopped, in a private data folder holding the large demo studio; the
new process starts the server, shows the login dialog with the desk's remembered password,
submits it at the dialog's first paint (as the desk presses Enter) and paints the window.
"""

from __future__ import annotations

import compileall
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import keyring

from bench.core import Context, Result, figure
from bench.file_keyring import FILE_ENV, FileKeyring
from studiosync_desktop import login
from studiosync_desktop.app import MEASURE_STARTUP_ENV
from studiosync_desktop.config import DATABASE_URL_ENV, HOME_ENV, AppDirs

CHECKOUT = Path(__file__).resolve().parent.parent
DESK = ("desk@demo.studiosync.example", "demo-desk-2026")  # the demo's desk login


def as_installed() -> None:
    """The package's bytecode written, as an installed app has it after its first start (or
    `pip install`): a process told not to write bytecode (PYTHONDONTWRITEBYTECODE, as on this
    project's machines) would otherwise compile every module again at each start."""
    compileall.compile_dir(CHECKOUT / "studiosync_desktop", quiet=1)


def start_once(args: Sequence[str], env: dict[str, str] | None = None, *, exit: bool) -> float:
    """Seconds from launching the app to its window's first paint. With `exit`, waits for the
    process to quit by itself (it stops the embedded server on the way out); otherwise stops it
    at once, not waiting for start-up work still running."""
    env = dict(env or os.environ, QT_QPA_PLATFORM="offscreen", **{MEASURE_STARTUP_ENV: "1"})
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "studiosync_desktop", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    stuck = threading.Timer(120, proc.kill)  # e.g. a login dialog nobody submits
    stuck.start()
    try:
        for line in proc.stdout:
            if line.strip() == "first-paint":
                elapsed = time.perf_counter() - started
                break
        else:
            raise RuntimeError("the app exited (or was stopped) without painting its window")
    finally:
        stuck.cancel()
    if not exit:
        proc.terminate()
    proc.wait(timeout=120)
    return elapsed


@figure("app_start_to_first_paint", "s", 1.0)
def app_start_to_first_paint(ctx: Context) -> float:
    db, _ = ctx.demo("large")
    env = {k: v for k, v in os.environ.items() if k != DATABASE_URL_ENV}
    args = ["--database", db.url]
    as_installed()
    start_once(args, env, exit=False)  # warm the OS file cache, as a second start of the day
    return statistics.median(start_once(args, env, exit=False) for _ in range(5))


def cold_home(home: Path, size: str) -> tuple[dict[str, str], float]:
    """A data folder with a demo studio and the desk's remembered login; the server stopped.
    Returns the app's environment and the time the embedded server itself takes to start."""
    from studiosync_desktop.embedded import EmbeddedServer

    env = {k: v for k, v in os.environ.items() if k != DATABASE_URL_ENV}
    env |= {
        HOME_ENV: str(home),
        FILE_ENV: str(home / "keyring.json"),
        "PYTHON_KEYRING_BACKEND": "bench.file_keyring.FileKeyring",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(CHECKOUT), env.get("PYTHONPATH")])),
    }
    built = subprocess.run(
        [sys.executable, "-m", "studiosync_desktop", "demo", "--size", size],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if built.returncode != 0:
        raise RuntimeError(f"the embedded demo was not built: {built.stderr.strip()[-300:]}")
    dirs = AppDirs(*(home / part for part in ("config", "data", "cache", "logs", "documents")))
    pgdata = dirs.embedded_pgdata
    started = time.perf_counter()
    server = EmbeddedServer(pgdata)
    url = server.ensure_database()
    server_start = time.perf_counter() - started
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring(home / "keyring.json"))
    try:
        if not login.remember(dirs, url, *DESK):
            raise RuntimeError("the desk's password could not be remembered")
    finally:
        keyring.set_keyring(previous)
    server.stop()
    return env, server_start


def _stopped(home: Path) -> None:
    if (home / "data" / "pgdata" / "postmaster.pid").exists():
        raise RuntimeError("the embedded server is still running: this start would not be cold")


def stop_left_server(home: Path) -> None:
    """After an app that was killed (it never stopped its server): the server's own stop."""
    pid_file = home / "data" / "pgdata" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text(encoding="utf-8").split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)  # PostgreSQL's smart shutdown


@figure("app_start_cold_embedded", "s", 2.5)
def app_start_cold_embedded(ctx: Context) -> Result:
    home = Path(tempfile.mkdtemp(prefix="ss-cold-"))
    try:
        # The large demo built in this folder (about 80 s at load 3): the kept one is not
        # embedded, and its copy by dump and restore would take longer.
        env, server_start = cold_home(home, "large")
        as_installed()
        samples = []
        for _ in range(4):  # the first only warms the OS file cache
            _stopped(home)
            samples.append(start_once([], env, exit=True))
        _stopped(home)
    finally:
        stop_left_server(home)
        if ctx.keep:
            print(f"# kept: the embedded data folder {home}", file=sys.stderr)
        else:
            shutil.rmtree(home, ignore_errors=True)
    return Result(
        statistics.median(samples[1:]),
        role="desk",
        floor=server_start,  # the embedded server's own start, from this process
        studio="large demo, embedded server stopped",
    )
