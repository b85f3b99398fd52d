"""What the demo studio is made of: its name, logins, sizes and the names it picks from."""

from __future__ import annotations

from dataclasses import dataclass

STUDIO_NAME = "Riverside Music School"
STUDIO_TZ = "America/Chicago"
STAFF_DOMAIN = "demo.studiosync.example"
# The demo's logins (email, role, password): in the README's "Demo logins" too.
DEMO_LOGINS: tuple[tuple[str, str, str], ...] = (
    (f"admin@{STAFF_DOMAIN}", "admin", "demo-admin-2026"),
    (f"desk@{STAFF_DOMAIN}", "desk", "demo-desk-2026"),
    (f"teacher1@{STAFF_DOMAIN}", "teacher", "demo-teacher-2026"),
    (f"teacher2@{STAFF_DOMAIN}", "teacher", "demo-teacher-2026"),
)
# Serialises two demo builds started on one database at the same moment.
DEMO_LOCK_KEY = 7_351_002
# Lesson time slots per teacher and week: 6 days (Mon-Sat) x 8 hours.
SLOTS_PER_WEEK = 48


@dataclass(frozen=True)
class DemoSize:
    teachers: int
    students: int
    families: int
    family_students: int  # students 1..family_students belong to a family
    bands: int
    rooms: int
    weeks_past: int
    weeks_future: int
    items: int
    threads: int
    reservation_percent: int  # share of free morning slots that hold a reservation


SIZES: dict[str, DemoSize] = {
    "small": DemoSize(8, 120, 70, 100, 3, 6, 10, 6, 40, 12, 30),
    "large": DemoSize(60, 2000, 1200, 1700, 40, 25, 156, 8, 5000, 300, 12),
}


def _words(words: str, sep: str | None = None) -> list[str]:
    return words.split(sep)


FIRST_NAMES = _words(
    "Maya Liam Olivia Noah Emma Ethan Ava Lucas Sophia Mason Isabella Logan Mia Elijah Amelia "
    "James Harper Benjamin Evelyn Jacob Abigail Michael Emily Daniel Ella Henry Elizabeth "
    "Jackson Camila Sebastian Luna Aiden Sofia Matthew Avery Samuel Mila David Aria Joseph "
    "Scarlett Carter Penelope Owen Layla Wyatt Chloe John Victoria Jack Madison Luke Eleanor "
    "Jayden Grace Dylan Nora Grayson Riley Levi Zoey Isaac Hannah Gabriel Hazel Julian Lily "
    "Mateo Ellie Anthony Violet Jaxon Lillian Lincoln Zoe Joshua Stella Christopher Aurora "
    "Andrew Natalie Theodore Emilia Caleb Everly Ryan Leah Asher Aubrey Nathan Willow Thomas "
    "Addison Leo Lucy Isaiah Audrey Charles Bella Josiah Nova Hudson Brooklyn Christian Paisley"
)
LAST_NAMES = _words(
    "Chen Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White "
    "Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres "
    "Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts "
    "Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales "
    "Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos "
    "Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes "
    "Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Okafor Novak Lindqvist"
)
INSTRUMENTS = [
    "Piano",
    "Guitar",
    "Violin",
    "Voice",
    "Drums",
    "Cello",
    "Flute",
    "Saxophone",
    "Trumpet",
    "Bass Guitar",
    "Clarinet",
    "Ukulele",
]
STREETS = _words(
    "Oak Maple Cedar Elm Pine Walnut Willow Birch Lakeview Riverside Prairie Sheridan Clark "
    "Lincoln Washington Jefferson Madison Harrison Halsted Addison Belmont Fullerton Division"
)
CITIES = ["Chicago", "Evanston", "Oak Park", "Skokie", "Berwyn", "Cicero", "Park Ridge"]
ZIPS = ["60614", "60201", "60302", "60076", "60402", "60804", "60068"]
BAND_NAMES = _words(
    "The Blue Notes|Riverside Rockers|Velvet Strings|Prairie Fire|The Downbeats|Brass Tacks|"
    "Midnight Groove|The Harmonics|Lakeshore Jazz Trio|Static Bloom|Paper Lanterns|Echo Park|"
    "The Offbeats|Copper Kettle|Northern Lights|Maple Street Band|The Treble Makers|Groove Theory|"
    "Second Chair|Silver Linings|Neon Owls|The Metronomes|Sunday Session|Crescendo|Indigo Hour",
    "|",
)
CANCEL_REASONS = [
    "Student sick",
    "Family vacation",
    "Teacher sick",
    "School event",
    "Snow day: studio closed",
    "Schedule conflict",
]
