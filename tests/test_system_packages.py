"""`studiosync` names the system packages to install when Qt cannot open its window."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import PySide6
import pytest

from studiosync_desktop.system_packages import install_advice, platform_advice

PLUGINS = Path(PySide6.__file__).parent / "Qt" / "plugins"
DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n'
UBUNTU = "ID=ubuntu\nID_LIKE=debian\n"
FEDORA = "ID=fedora\nVERSION_ID=40\n"
ARCH = "ID=arch\n"
MISSING = ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-image.so.0"]


@pytest.mark.parametrize(
    ("os_release", "command"),
    [
        (DEBIAN, "sudo apt install libxcb-icccm4 libxcb-keysyms1 libxcb-image0"),
        (UBUNTU, "sudo apt install libxcb-icccm4 libxcb-keysyms1 libxcb-image0"),
        (FEDORA, "sudo dnf install xcb-util-wm xcb-util-keysyms xcb-util-image"),
        (ARCH, "sudo pacman -S xcb-util-wm xcb-util-keysyms xcb-util-image"),
    ],
)
def test_missing_libraries_become_this_systems_install_command(
    os_release: str, command: str
) -> None:
    assert install_advice(MISSING, os_release) == command


@pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("ldd"), reason="ldd")
def test_a_plugin_whose_library_is_missing_names_the_package(tmp_path: Path) -> None:
    """Qt's real xcb plugin, its need for libxcb-icccm renamed to a version no PC has."""
    plugin = (PLUGINS / "platforms" / "libqxcb.so").read_bytes()
    assert b"libxcb-icccm.so.4" in plugin
    (tmp_path / "platforms").mkdir()
    (tmp_path / "platforms" / "libqxcb.so").write_bytes(
        plugin.replace(b"libxcb-icccm.so.4", b"libxcb-icccm.so.9")
    )
    advice = platform_advice(tmp_path, "no Qt platform plugin could be initialized")
    assert "libxcb-icccm.so.9" in advice
    if Path("/etc/os-release").read_text().find("debian") >= 0:
        assert "    sudo apt install libxcb-icccm4\n" in advice


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 only")
def test_studiosync_without_a_display_says_so_instead_of_qts_advice(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env |= {"QT_QPA_PLATFORM": "xcb", "STUDIOSYNC_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "studiosync_desktop"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3
    assert "StudioSync cannot open its window: no desktop display was found." in done.stderr
