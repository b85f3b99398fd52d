"""What a refused field says, in a receptionist's words: the one place these sentences are made.

pydantic's own words ("Input should be a valid decimal") are for programmers; each kind of
error it reports gets a sentence that says what to type instead ("Type an amount, like
25.00"). A schema's own rule (a `ValueError` of a validator) already speaks to the desk and
is kept as written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any


def too_long(max_length: int, length: int) -> str:
    return f"Use at most {max_length:,} characters (this has {length:,})"


def _bound(ctx: Mapping[str, Any], key: str) -> str:
    value = ctx.get(key, "")
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return str(value)
    return f"{value:,}"


def _too_short(ctx: Mapping[str, Any], value: Any) -> str:
    least = ctx.get("min_length", 1)
    if least == 1 or not value:
        return "Fill this in"
    return f"Use at least {least} characters"


def _too_long(ctx: Mapping[str, Any], value: Any) -> str:
    size = len(value) if isinstance(value, str | list | tuple) else 0
    if isinstance(value, str):
        return too_long(ctx.get("max_length", 0), size)
    return f"Give at most {ctx.get('max_length', 0)} entries"


def _literal(ctx: Mapping[str, Any], _value: Any) -> str:
    expected = str(ctx.get("expected", "")).replace("'", "").replace("_", " ")
    return f"Choose one of: {expected}" if expected else "Choose one from the list"


_SENTENCES: dict[str, Callable[[Mapping[str, Any], Any], str]] = {
    "missing": lambda _c, _v: "Fill this in",
    "string_too_short": _too_short,
    "string_too_long": _too_long,
    "too_long": _too_long,
    "too_short": lambda c, _v: f"Give at least {c.get('min_length', 1)}",
    "string_type": lambda _c, _v: "Type some text here",
    "string_pattern_mismatch": lambda _c, _v: "This is not in the expected form",
    "decimal_parsing": lambda _c, _v: "Type an amount, like 25.00",
    "decimal_type": lambda _c, _v: "Type an amount, like 25.00",
    "finite_number": lambda _c, _v: "Type an amount, like 25.00",
    "decimal_max_places": lambda c, _v: (
        f"Use at most {c.get('decimal_places', 2)} digits after the point, like 25.00"
    ),
    "decimal_max_digits": lambda _c, _v: "This amount is too large",
    "decimal_whole_digits": lambda _c, _v: "This amount is too large",
    "int_parsing": lambda _c, _v: "Type a whole number, like 3",
    "int_type": lambda _c, _v: "Type a whole number, like 3",
    "int_from_float": lambda _c, _v: "Type a whole number, like 3",
    "float_parsing": lambda _c, _v: "Type a number, like 2.5",
    "float_type": lambda _c, _v: "Type a number, like 2.5",
    "greater_than_equal": lambda c, _v: f"Type {_bound(c, 'ge')} or more",
    "greater_than": lambda c, _v: f"Type more than {_bound(c, 'gt')}",
    "less_than_equal": lambda c, _v: f"Type at most {_bound(c, 'le')}",
    "less_than": lambda c, _v: f"Type less than {_bound(c, 'lt')}",
    "bool_parsing": lambda _c, _v: "Choose yes or no",
    "bool_type": lambda _c, _v: "Choose yes or no",
    "date_parsing": lambda _c, _v: "Type a date, like 2026-03-14",
    "date_from_datetime_parsing": lambda _c, _v: "Type a date, like 2026-03-14",
    "date_from_datetime_inexact": lambda _c, _v: "Type a date without a time",
    "date_type": lambda _c, _v: "Type a date, like 2026-03-14",
    "datetime_parsing": lambda _c, _v: "Type a date and time, like 2026-03-14 16:30",
    "datetime_from_date_parsing": lambda _c, _v: "Type a date and time, like 2026-03-14 16:30",
    "datetime_type": lambda _c, _v: "Type a date and time, like 2026-03-14 16:30",
    "timezone_aware": lambda _c, _v: "Type a date and time, like 2026-03-14 16:30",
    "time_parsing": lambda _c, _v: "Type a time, like 16:30",
    "time_type": lambda _c, _v: "Type a time, like 16:30",
    "uuid_parsing": lambda _c, _v: "Choose one from the list",
    "uuid_type": lambda _c, _v: "Choose one from the list",
    "literal_error": _literal,
    "enum": _literal,
    "list_type": lambda _c, _v: "Give a list, separated by commas",
    "tuple_type": lambda _c, _v: "Give a list, separated by commas",
    "dict_type": lambda _c, _v: "This is not in the expected form",
    "model_type": lambda _c, _v: "This is not in the expected form",
    "extra_forbidden": lambda _c, _v: "This form has no such field",
    "frozen_instance": lambda _c, _v: "This cannot be changed here",
}


def field_message(err: Mapping[str, Any]) -> str:
    """One pydantic error as the sentence shown next to its field."""
    kind = str(err.get("type", ""))
    sentence = _SENTENCES.get(kind)
    if sentence is not None:
        return sentence(err.get("ctx") or {}, err.get("input"))
    message = (
        str(err.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    )
    if kind == "value_error" and "email address" in message and ":" in message:
        return "Type an email address, like maya@example.com"
    return message[:1].upper() + message[1:]
