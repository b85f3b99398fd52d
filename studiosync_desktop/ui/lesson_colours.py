"""Colours of lessons by instrument: the same instrument the same colour on every view."""

from __future__ import annotations

import hashlib

from PySide6.QtGui import QColor

# The common instruments get colours far apart; others take one from the palette by name.
INSTRUMENT_COLOURS = {
    "piano": "#3b6ea5",
    "guitar": "#c05621",
    "violin": "#805ad5",
    "voice": "#b83280",
    "drums": "#4a5568",
    "cello": "#2c7a7b",
    "flute": "#2f855a",
    "saxophone": "#b7791f",
    "trumpet": "#c53030",
    "bass guitar": "#6b46c1",
    "clarinet": "#276749",
    "ukulele": "#d69e2e",
    "band": "#1a365d",
}
OTHER_COLOURS = ("#975a16", "#285e61", "#702459", "#2a4365", "#7b341e", "#22543d")
NO_INSTRUMENT = "#a0aec0"


def instrument_colour(instrument: str) -> QColor:
    name = instrument.strip().casefold()
    if not name:
        return QColor(NO_INSTRUMENT)
    known = INSTRUMENT_COLOURS.get(name)
    if known is not None:
        return QColor(known)
    digest = hashlib.blake2s(name.encode(), digest_size=1).digest()[0]
    return QColor(OTHER_COLOURS[digest % len(OTHER_COLOURS)])
