"""What one login's screens share: the services, the acting user, the task runner, the error
presenter and the one studio clock, built once after login and handed down."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.studio_clock import StudioClock

if TYPE_CHECKING:
    from collections.abc import Iterable

    from studiosync_desktop.schemas.common import Actor
    from studiosync_desktop.schemas.studio import StudioInfo
    from studiosync_desktop.ui.error_presenter import ErrorPresenter
    from studiosync_desktop.ui.task_runner import TaskRunner


class StudioContext:
    """One per login (and window). `actor` carries the studio's zone for the services; when
    another desk changes the zone, `learn_studio` gives the actor the new one before the clock
    tells the screens, so their next loads are in the new zone without logging in again."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        presenter: ErrorPresenter,
        clock: StudioClock | None = None,
    ) -> None:
        self.services = services
        self.runner = runner
        self.presenter = presenter
        self._actor = actor
        self.clock = clock if clock is not None else StudioClock(actor.timezone)

    @property
    def actor(self) -> Actor:
        """The acting user, with the studio's zone as last read."""
        return self._actor

    def learn_studio(self, info: StudioInfo) -> bool:
        """The studio as read again (at start, or after a change on any desk): whether its
        zone, hours or grid changed (the clock's `changed` has then been emitted)."""
        if self._actor.timezone is not None and self._actor.timezone != info.timezone:
            self._actor = self._actor.model_copy(update={"timezone": info.timezone})
        return self.clock.learn_studio(info)


class UsesContext:
    """For a screen part that lives as long as the window: reads the context's acting user
    at each call (so a new studio zone reaches its service calls)."""

    context: StudioContext

    @property
    def services(self) -> Services:
        return self.context.services

    @property
    def actor(self) -> Actor:
        return self.context.actor

    @property
    def runner(self) -> TaskRunner:
        return self.context.runner

    @property
    def presenter(self) -> ErrorPresenter:
        return self.context.presenter

    @property
    def clock(self) -> StudioClock:
        return self.context.clock


class ServiceView:
    """The services one screen declared it uses (a tab's `uses`), over the login's Services:
    any other name is the program's mistake, said plainly to the developer. Typed as Services
    where it is handed on (`narrow`), so callers keep the services' own types."""

    def __init__(self, services: Services, names: Iterable[str], owner: str) -> None:
        self._services = services
        self._names = frozenset(names)
        self._owner = owner

    def __getattr__(self, name: str) -> object:
        if name.startswith("_") or name not in self._names:
            declared = ", ".join(sorted(self._names)) or "none"
            raise AttributeError(
                f"{self._owner} does not declare the service {name!r} in its `uses` "
                f"(declared: {declared}); add it there if the screen needs it"
            )
        return getattr(self._services, name)

    def __repr__(self) -> str:
        return f"<services of {self._owner}: {', '.join(sorted(self._names))}>"


def narrow(services: Services, names: Iterable[str], owner: str) -> Services:
    """A `ServiceView` of `names` over `services`, for code that takes Services."""
    return cast(Services, ServiceView(services, names, owner))
