"""The service boundary: a writing service call is one unit of work, rerun when it loses a race.

Every writing service method carries `@unit_of_work` (a test checks it). Two kinds of loss are
rerun, from the start, in a new transaction:

- The server broke a deadlock or a serialization failure (40P01, 40001; `db.translate_errors`
  turns both into `Busy`): up to `ATTEMPTS` times, after a short random pause so the desks
  that collided do not collide again. When the attempts run out the desk gets the `Busy`
  sentence, never a database error.
- A unique or exclusion constraint refused the write (23505, 23P01) because another desk's
  transaction committed the same thing a moment earlier: once, so that the service's own check,
  which looks before it writes, now sees the winner and says who has the room or the slot
  ("Room B is already booked 16:00-17:00 by Maya Chen") instead of the constraint's words.

A method called from inside another unit of work runs as part of it: only the outermost call
reruns. The method must not do anything outside the database that a rerun would repeat (a
Stripe call, a mail): such methods keep their database steps in methods of their own.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from studiosync_desktop.errors import Busy, Conflict

P = ParamSpec("P")
R = TypeVar("R")

# Tries in all when the server breaks a deadlock or a serialization failure.
ATTEMPTS = 5
# The pause before the n-th rerun is random, up to PAUSE * 2**n seconds.
PAUSE = 0.02
# Refused by a constraint: the state that names what another desk just committed.
RACE_LOST_STATES = ("23505", "23P01")

log = logging.getLogger(__name__)
_inside = contextvars.ContextVar("studiosync_unit_of_work", default=False)


def unit_of_work(method: Callable[P, R]) -> Callable[P, R]:
    """Marks a writing service method: the whole call is rerun when it loses a race."""

    @functools.wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if _inside.get():
            return method(*args, **kwargs)
        token = _inside.set(True)
        try:
            return _rerun_on_race(method.__qualname__, lambda: method(*args, **kwargs))
        finally:
            _inside.reset(token)

    run.__dict__["unit_of_work"] = True
    return run


def is_unit_of_work(method: object) -> bool:
    return bool(getattr(method, "unit_of_work", False))


def _rerun_on_race(name: str, call: Callable[[], R]) -> R:
    attempt = 1
    lost_to_constraint = False
    while True:
        try:
            return call()
        except Busy:
            if attempt >= ATTEMPTS:
                log.warning("%s: still losing after %d attempts; the desk is told", name, attempt)
                raise
            log.info("%s lost a deadlock or serialization race: rerun %d", name, attempt)
            time.sleep(random.uniform(0, PAUSE * 2**attempt))
            attempt += 1
        except Conflict as exc:
            if lost_to_constraint or _sqlstate_behind(exc) not in RACE_LOST_STATES:
                raise
            log.info("%s was refused by a constraint another desk just met: rerun", name)
            lost_to_constraint = True


def _sqlstate_behind(exc: BaseException) -> str | None:
    """The SQLSTATE of the database error `db.translate_errors` turned into `exc`, if any."""
    cause = exc.__cause__
    return getattr(getattr(cause, "orig", None), "sqlstate", None)
