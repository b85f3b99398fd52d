"""The system packages the window needs on Linux, named per distribution when Qt cannot start.

Qt's own message ("no Qt platform plugin could be initialized. Reinstalling the application
may fix this problem") sends people the wrong way: on a fresh Debian desktop the window needs
a few X11 libraries the pip wheel does not carry. `ldd` on Qt's xcb plugin names the missing
ones; this module turns them into the packages to install, with the command for this system.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

# Missing library (its name without .so.N) -> its package on (Debian and Ubuntu, Fedora, Arch).
PACKAGES: dict[str, tuple[str, str, str]] = {
    "libxcb-cursor": ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    "libxcb-icccm": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    "libxcb-image": ("libxcb-image0", "xcb-util-image", "xcb-util-image"),
    "libxcb-keysyms": ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    "libxcb-render-util": (
        "libxcb-render-util0",
        "xcb-util-renderutil",
        "xcb-util-renderutil",
    ),
    "libxcb-util": ("libxcb-util1", "xcb-util", "xcb-util"),
    "libxcb-randr": ("libxcb-randr0", "libxcb", "libxcb"),
    "libxcb-shape": ("libxcb-shape0", "libxcb", "libxcb"),
    "libxcb-shm": ("libxcb-shm0", "libxcb", "libxcb"),
    "libxcb-sync": ("libxcb-sync1", "libxcb", "libxcb"),
    "libxcb-xfixes": ("libxcb-xfixes0", "libxcb", "libxcb"),
    "libxcb-render": ("libxcb-render0", "libxcb", "libxcb"),
    "libxcb-xkb": ("libxcb-xkb1", "libxcb", "libxcb"),
    "libxcb": ("libxcb1", "libxcb", "libxcb"),
    "libxkbcommon": ("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libxkbcommon-x11": ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    "libX11-xcb": ("libx11-xcb1", "libX11-xcb", "libx11"),
    "libX11": ("libx11-6", "libX11", "libx11"),
    "libGL": ("libgl1", "libglvnd-glx", "libglvnd"),
    "libEGL": ("libegl1", "libglvnd-egl", "libglvnd"),
    "libOpenGL": ("libopengl0", "libglvnd-opengl", "libglvnd"),
    "libfontconfig": ("libfontconfig1", "fontconfig", "fontconfig"),
    "libdbus-1": ("libdbus-1-3", "dbus-libs", "dbus"),
    "libglib-2.0": ("libglib2.0-0", "glib2", "glib2"),
}
FAMILIES = (  # how each family installs, in PACKAGES' order
    ("debian", "sudo apt install"),
    ("fedora", "sudo dnf install"),
    ("arch", "sudo pacman -S"),
)
NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries `ldd` could not find, in its order."""
    return NOT_FOUND.findall(ldd_output)


def family(os_release: str) -> int:
    """0 Debian/Ubuntu, 1 Fedora/RHEL, 2 Arch, from /etc/os-release (Debian when unknown)."""
    ids = " ".join(
        line.split("=", 1)[1].strip().strip('"').lower()
        for line in os_release.splitlines()
        if line.startswith(("ID=", "ID_LIKE="))
    ).split()
    for i, (name, _command) in enumerate(FAMILIES):
        if name in ids or (name == "fedora" and {"rhel", "centos"} & set(ids)):
            return i
    return 0


def install_advice(missing: list[str], os_release: str) -> str:
    """What to install, as a command for this system; "" when none of `missing` is known."""
    which = family(os_release)
    names = [lib.split(".so")[0] for lib in missing]
    packages = list(dict.fromkeys(PACKAGES[n][which] for n in names if n in PACKAGES))
    if not packages:
        return ""
    return f"{FAMILIES[which][1]} {' '.join(packages)}"


def platform_advice(qt_plugins: Path, message: str) -> str:
    """The sentence `studiosync` prints when Qt cannot open a window (Qt's `message`)."""
    plugin = qt_plugins / "platforms" / "libqxcb.so"
    try:
        ldd = subprocess.run(
            ["ldd", str(plugin)], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        ldd = ""
    try:
        os_release = Path("/etc/os-release").read_text(encoding="utf-8")
    except OSError:
        os_release = ""
    missing = missing_libraries(ldd)
    command = install_advice(missing, os_release)
    if command:
        return (
            "StudioSync cannot open its window: this PC lacks system libraries the window "
            f"needs ({', '.join(missing)}). Install them, then start StudioSync again:\n"
            f"    {command}\n(The README lists the packages for each system.)"
        )
    if "connect to display" in message or "display" in message.lower():
        return (
            "StudioSync cannot open its window: no desktop display was found. Start it from "
            "the desktop session (DISPLAY or WAYLAND_DISPLAY is not set or not reachable), or "
            "use the commands that need no window (studiosync --help)."
        )
    return (
        "StudioSync cannot open its window: Qt could not start its platform plugin. "
        f"Qt said: {message.strip()}"
    )
