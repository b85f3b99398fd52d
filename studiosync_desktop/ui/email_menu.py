"""Tools > Email (administrators): the mail server, studio news, what is sent, the templates;
each opens over values read off the GUI thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMenu

from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.dialogs.email_settings import (
    email_policy_dialog,
    mail_server_dialog,
    news_dialog,
    templates_dialog,
)


def add_email_menu(menus: Any, tools: QMenu, services: Services) -> QMenu:
    """`menus`: the window's AccountMenus (its context, `_action` and `_load_then_open`)."""
    ctx = menus.ctx
    actor = ctx.actor
    email = tools.addMenu("&Email")
    email.setObjectName("email_menu")

    def opener(load: Any, make: Any, saved: str) -> Any:
        def open_it() -> None:
            menus._load_then_open(
                lambda: load(actor),
                lambda current: make(
                    services, actor, current, ctx.runner, ctx.presenter, menus.window
                ),
                saved,
            )

        return open_it

    setup = services.email_settings.setup
    for text, load, make, saved in (
        ("Mail &server…", setup, mail_server_dialog, "The studio's mail server is saved."),
        (
            "Send studio &news…",
            services.news.audience,
            news_dialog,
            "The news is queued: the Outbox shows each email as it goes.",
        ),
        ("&What is sent…", setup, email_policy_dialog, "Saved: what the studio sends by itself."),
        (
            "&Templates…",
            services.email_templates.templates,
            templates_dialog,
            "The template is saved: the next emails of that kind use it.",
        ),
    ):
        menus._action(email, text, "", opener(load, make, saved))
    menus.email_menu = email
    return email
