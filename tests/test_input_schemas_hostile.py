"""Every input schema, given hostile values (Hypothesis): it keeps what was typed or names the
refused field in a sentence; never another exception. What it accepts the database can store
and every screen can compute with (text within its limit, no NUL, dates within the range)."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hostile import examples, hostile
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

import studiosync_desktop.schemas as schemas_package
from studiosync_desktop import limits
from studiosync_desktop.errors import ValidationFailed
from studiosync_desktop.schemas.common import Input, parse_input


def _all_inputs() -> list[type[Input]]:
    for module in pkgutil.iter_modules(schemas_package.__path__):
        importlib.import_module(f"{schemas_package.__name__}.{module.name}")
    found: list[type[Input]] = []
    todo = list(Input.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__name__)


INPUTS = _all_inputs()


def test_the_forms_schemas_are_all_inputs() -> None:
    names = {c.__name__ for c in INPUTS}
    assert {"StudentInput", "LessonInput", "PaymentCreate", "ItemForm", "ReservationForm"} <= names
    assert {"ClosureInput", "SeriesInput", "StudioSettings", "ExtraLineInput"} <= names


def _typed(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """A believable form (every field a value a person might type) with up to two fields
    given something hostile or random of their type, and now and then an unknown name."""
    names = list(model.model_fields)
    believable = st.fixed_dictionaries(
        {name: _plausible(f.annotation) for name, f in model.model_fields.items()}
    )
    odd = st.dictionaries(
        st.sampled_from([*names, "no_such_field"]),
        st.one_of(hostile, *(_of_type(f.annotation) for f in model.model_fields.values())),
        max_size=2,
    )
    return st.builds(lambda base, changes: {**base, **changes}, believable, odd)


def _plausible(annotation: Any) -> st.SearchStrategy[Any]:
    today = date.today()
    kinds = _kinds(annotation)
    if str in kinds:
        return st.sampled_from(["", "Maya Chen", "Room B", "مايا تشين", "Bring\nthe music"])
    if datetime in kinds:
        return st.datetimes(
            datetime(today.year - 3, 1, 1), datetime(today.year + 3, 1, 1), timezones=st.just(UTC)
        )
    if date in kinds:
        return st.dates(date(today.year - 3, 1, 1), date(today.year + 3, 1, 1))
    if Decimal in kinds:
        return st.decimals(Decimal(0), Decimal(1000), places=2)
    if int in kinds and bool not in kinds:
        return st.integers(1, 10)
    return _of_type(annotation)


def _kinds(annotation: Any) -> set[Any]:
    args = getattr(annotation, "__args__", None)
    if not args or getattr(annotation, "__origin__", None) in (tuple, list):
        return {annotation}
    return set().union(*(_kinds(a) for a in args))


def _of_type(annotation: Any) -> st.SearchStrategy[Any]:
    """Values of the field's own type; a nested model (which Hypothesis would build by calling
    it, with its own rules) gets hostile values only."""
    if _holds_a_model(annotation):
        return hostile
    return st.from_type(annotation)


def _holds_a_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_a_model(a) for a in getattr(annotation, "__args__", ()))


def _normalised(model: type[BaseModel]) -> set[str]:
    """Fields a schema's own validator puts in a standard form (a phone number, an email)."""
    out: set[str] = set()
    for decorator in model.__pydantic_decorators__.field_validators.values():
        fields = decorator.info.fields
        out |= (
            set(model.model_fields)
            if "*" in fields and decorator.cls_var_name != "_within_limits"
            else set(fields) - {"*"}
        )
    return out


def _safe(value: Any) -> None:
    """A value a schema accepted: storable, and safe for date arithmetic on any screen."""
    if isinstance(value, str):
        assert "\x00" not in value
        assert len(value) <= limits.DOCUMENT
    elif isinstance(value, datetime):
        assert limits.FIRST_DAY <= value.date() <= limits.LAST_DAY
    elif isinstance(value, date):
        assert limits.FIRST_DAY <= value <= limits.LAST_DAY
    elif isinstance(value, Decimal):
        assert value.is_finite()
        assert abs(value) < Decimal("10000000000")
    elif isinstance(value, list | tuple):
        for item in value:
            _safe(item)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _safe(getattr(value, name))


@pytest.mark.parametrize("model", INPUTS, ids=lambda c: c.__name__)
def test_an_input_keeps_what_was_typed_or_names_the_field(model: type[Input]) -> None:
    @examples(10)
    @given(data=_typed(model))
    def check(data: dict[str, Any]) -> None:
        try:
            parsed = parse_input(model, data)
        except ValidationFailed as refused:
            assert refused.fields
            for name, message in refused.fields.items():
                assert name == "" or name in model.model_fields or name in data, name
                assert message and message[0].isupper(), (name, message)
                assert "Input should" not in message, message
            return
        for name, typed in data.items():
            kept = getattr(parsed, name, None)
            if isinstance(typed, str) and isinstance(kept, str) and name not in _normalised(model):
                assert kept == typed.strip()
        _safe(parsed)

    check()
