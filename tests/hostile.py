"""Hostile values for property-based tests: what a person might type or paste into any field."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# CI runs a few examples per schema and service; STUDIOSYNC_HYPOTHESIS_EXAMPLES=500 runs more.
EXAMPLES = int(os.environ.get("STUDIOSYNC_HYPOTHESIS_EXAMPLES", "0"))


def examples(ci: int) -> Any:
    """Settings with `ci` examples (or the environment's count), no deadline."""
    return settings(
        max_examples=EXAMPLES or ci,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )


ODD_TEXT = [
    "",
    " ",
    "\x00",
    "Maya\x00Chen",
    "\x07\x1b[31mred",
    "line\nbreak",
    "\u202eevil\u202c",  # right-to-left override
    "مايا تشين",  # a right-to-left name
    "\u200f\u200e",
    "x" * 5000,
    "y" * 100_001,
    "'; DROP TABLE students; --",
    "😀" * 60,
    "\ud7ff",
]
ODD_NUMBERS = [
    -1,
    0,
    10**30,
    -(10**30),
    2**63,
    Decimal("NaN"),
    Decimal("Infinity"),
    Decimal("-0.001"),
    Decimal("1e-30"),
    Decimal("99999999999999.99"),
    float("nan"),
    float("inf"),
    1e308,
    "1,000.00",
    "25.00",
    "abc",
]
ODD_DATES = [
    date.min,
    date.max,
    date(1, 1, 1),
    date(9999, 12, 31),
    date(1899, 12, 31),
    date(2200, 1, 1),
    datetime.min.replace(tzinfo=UTC),
    datetime.max.replace(tzinfo=UTC),
    datetime(1, 1, 1, 16, tzinfo=UTC),
    datetime(9999, 12, 30, 16, tzinfo=UTC),
    datetime(2026, 3, 2, 16),  # no time zone
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "yesterday",
    time(25 % 24, 0),
]
ODD_OTHERS: list[Any] = [None, True, [], {}, ["a", "\x00"], ("x" * 200,) * 60, b"\x00", object]

hostile = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.sampled_from(ODD_NUMBERS),
    st.sampled_from(ODD_DATES),
    st.sampled_from(ODD_OTHERS),
    st.text(max_size=300),
    st.integers(),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.timedeltas(max_value=timedelta(days=10**5)),
)

# Text a person may well type that every text field should keep exactly (after trimming the
# ends): other scripts, right-to-left marks, emoji, quotes, accents, the words of SQL.
STORABLE_TEXT = [
    "مايا تشين",
    "\u202eevil\u202c",
    "\u200f\u05e9\u05dc\u05d5\u05dd\u200e",  # Hebrew, between direction marks
    "O'Brien; DROP TABLE students; --",
    "😀🎻" * 10,
    "  Zoë Ångström  ",
    "李小龍",
    "%_\\'\"",
]
storable_text = st.one_of(
    st.sampled_from(STORABLE_TEXT),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=60),
)
