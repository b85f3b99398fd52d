"""Each tab's first load on the large studio: service time of the call that fills it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bench.core import Context, Skip, figure, service_time
from studiosync_desktop.services.studio import StudioService

TARGET_MS = 150.0


def _service(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(f"studiosync_desktop.services.{module}"), name)
    except (ImportError, AttributeError) as exc:
        raise Skip(f"{module}.{name} is not available yet ({exc})") from exc


def _tab(tab: str, module: str, service: str, call: Callable[[Any, Any, Context], Any]) -> None:
    def measure(ctx: Context) -> float:
        cls = _service(module, service)
        db, _ = ctx.demo("large")
        actor = StudioService(db).default_actor()
        instance = cls(db)
        return service_time(lambda: call(instance, actor, ctx))

    figure(f"tab_first_load_{tab}", "ms", TARGET_MS)(measure)


def _monday(ctx: Context) -> Any:
    return ctx.today - timedelta(days=ctx.today.weekday())


_tab("calendar", "scheduling", "SchedulingService", lambda s, a, c: s.week(a, _monday(c)))
_tab("roster", "roster", "RosterService", lambda s, a, _c: s.students(a))
_tab("invoices", "billing", "BillingService", lambda s, a, _c: s.invoices(a))
_tab("inventory", "inventory", "InventoryService", lambda s, a, _c: s.items(a))
_tab("rooms", "rooms", "RoomService", lambda s, a, c: s.day(a, c.today))
