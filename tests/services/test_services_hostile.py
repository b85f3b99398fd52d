"""Every writing service call that takes what a person typed, given hostile values (Hypothesis)
in an otherwise valid form: the call stores exactly what was typed, or raises ValidationFailed
naming a field (a clash or a rule of the studio may be a Conflict) and writes nothing; never
another exception, never half a record. The calls are data (tests/hostile_calls.py)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hostile import examples, hostile, storable_text
from hostile_calls import CASES, NO_TYPED_VALUES
from hostile_world import Case, World, build_world
from hypothesis import given, seed
from hypothesis import strategies as st
from sqlalchemy import text
from stripe_server import FakeStripe

import studiosync_desktop.services as services_package
from studiosync_desktop.db import Database
from studiosync_desktop.errors import Conflict, NotFound, ValidationFailed
from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.unit_of_work import is_unit_of_work


def _writing_methods() -> Iterator[str]:
    """Public methods of the service classes that write: units of work, and those that open a
    writing session or hand the database to a module that does (the Stripe calls)."""
    prefix = f"{services_package.__name__}."
    for info in pkgutil.walk_packages(services_package.__path__, prefix):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            for name, fn in vars(cls).items():
                if name.startswith("_") or not inspect.isfunction(fn):
                    continue
                written = inspect.unwrap(fn)
                if written.__code__.co_filename != module.__file__:
                    continue
                source = inspect.getsource(written)
                if (
                    is_unit_of_work(fn)
                    or "self._db.session()" in source
                    or _hands_the_database_to_a_writer(module, source)
                ):
                    yield f"{cls.__name__}.{name}"


HANDED = re.compile(r"([\w.]+)\(self\._db\b")


def _hands_the_database_to_a_writer(module: object, source: str) -> bool:
    """`fn(self._db, ...)` where `fn` (a function of the module's, or of a module it imported)
    opens a writing session or hands the database on again (`who_acts.studio_info` reads)."""
    for path in HANDED.findall(source):
        callee: object = module
        for part in path.split("."):
            callee = getattr(callee, part, None)
        if not inspect.isfunction(callee):
            return True  # not a plain function: counted as writing, to be safe
        code = inspect.getsource(callee)
        if ".session()" in code or "(db," in code or "(db)" in code:
            return True
    return False


def test_every_writing_service_method_is_driven_or_takes_nothing_typed() -> None:
    found = set(_writing_methods())
    assert {"InvoicingService.void", "PaymentService.refund", "LessonNotes.save_lesson_note"} <= (
        found
    )
    driven = {m for case in CASES for m in case.methods}
    assert not driven & set(NO_TYPED_VALUES), driven & set(NO_TYPED_VALUES)
    missing = sorted(found - driven - set(NO_TYPED_VALUES))
    assert missing == [], f"add these to tests/hostile_calls.py: {missing}"
    gone = sorted((driven | set(NO_TYPED_VALUES)) - found)
    assert gone == [], f"no longer writing service methods: {gone}"


def _counts(db: Database, tables: tuple[str, ...]) -> dict[str, int]:
    with db.session() as s:
        return {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


@pytest.fixture
def world(db: Database, admin: Actor, fake_stripe: FakeStripe) -> World:
    return build_world(db, admin, fake_stripe)


def test_every_writing_service_stores_what_was_typed_or_names_the_field(world: World) -> None:
    """One studio for all the calls (the CI budget is the set-up, not the examples)."""
    failed = []
    for case in CASES:
        try:
            _try_hostile_values(world, case)
        except Exception as exc:  # noqa: BLE001 - every call is tried; all failures are said at once
            failed.append(f"{case.name}: {_said(exc)}")
    assert not failed, "\n\n".join(failed)


def _said(exc: BaseException) -> str:
    """The failure and Hypothesis' falsifying example (each one, for a group)."""
    if isinstance(exc, BaseExceptionGroup):
        return "\n  ".join(_said(e) for e in exc.exceptions)
    notes = " ".join(n for n in getattr(exc, "__notes__", ()) if "changes=" in n)
    return f"{type(exc).__name__}: {str(exc)[:300]} {notes}"


def _changes(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Up to two fields given hostile values, or a text a person may well type (which a text
    field keeps exactly as typed)."""
    return st.dictionaries(
        st.sampled_from(sorted(base)), st.one_of(hostile, storable_text), max_size=2
    )


def _try_hostile_values(world: World, case: Case) -> None:
    # The believable form is stored (or refused as the case says): the driver reaches the write.
    target = case.prepare(world) if case.prepare else None
    if case.base_refused is None:
        base = case.base(world)
        result = case.call(world, target, base)
        if case.read is not None:
            _kept(case, case.read(world, target, result), base)
    else:
        with pytest.raises(case.base_refused):
            case.call(world, target, case.base(world))

    @seed(13)
    @examples(8)
    @given(changes=_changes(case.base(world)))
    def check(changes: dict[str, Any]) -> None:
        _one_call(world, case, changes)

    check()
    # And every field once given a value of no form's type (a list holding a NUL).
    for name in sorted(case.base(world)):
        _one_call(world, case, {name: ["a", "\x00"]})


def _one_call(world: World, case: Case, changes: dict[str, Any]) -> None:
    target = case.prepare(world) if case.prepare else None
    data = {**case.base(world), **changes}
    before = _counts(world.db, case.tables)
    try:
        result = case.call(world, target, data)
    except ValidationFailed as refused:
        assert refused.fields and all(refused.fields.values()), case.name
        # Fields of the form are named (or the form itself, ""), the spoilt one among them
        # (a rule across fields names its partner too).
        named = {n for n in refused.fields if not (case.fields and case.fields(n))}
        assert named <= {*data, ""}, (case.name, changes, refused.fields)
        assert named & {*changes, ""} or named != set(refused.fields), (
            case.name,
            changes,
            refused.fields,
        )
        assert _counts(world.db, case.tables) == before, case.name
        return
    except (Conflict, NotFound) as refused:
        assert case.may_clash, (case.name, changes, refused)
        assert _counts(world.db, case.tables) == before, case.name
        return
    except case.also:
        assert _counts(world.db, case.tables) == before, case.name
        return
    if case.read is not None:
        _kept(case, case.read(world, target, result), changes)


def _kept(case: Case, stored: Any, changes: dict[str, Any]) -> None:
    for name, typed in changes.items():
        kept = stored.get(name) if isinstance(stored, dict) else getattr(stored, name, None)
        # Emails and phone numbers are kept in their standard form.
        normalised = "email" in name or "phone" in name
        if isinstance(typed, str) and isinstance(kept, str) and not normalised:
            expected = typed.strip() or case.empty_is.get(name, "")
            assert kept == expected, (case.name, name, typed, kept)
