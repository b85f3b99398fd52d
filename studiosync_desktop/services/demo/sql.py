"""The demo's SQL helpers: pseudo-random numbers from a row's ordinal, scripts run in order."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

_STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")


def rand(expr: str, salt: int, mod: int) -> str:
    """SQL for a deterministic pseudo-random integer in [0, mod) from an integer expression."""
    return f"((hashint4(({expr}) + {salt * 1_000_003}) & 2147483647) % {mod})"


def run_script(s: Session, sql: str, params: dict[str, Any]) -> None:
    """Runs a script of statements (each ends with ';' at the end of a line) in order."""
    for statement in _STATEMENT_END.split(sql):
        if statement.strip():
            s.execute(text(statement), params)
