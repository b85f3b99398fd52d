"""The Resources tab: the library list, opening a stored file with the system viewer."""

from __future__ import annotations

from pathlib import Path

from studiosync_desktop.schemas.common import Actor
from studiosync_desktop.services.container import Services
from studiosync_desktop.ui.main_window import MainWindow
from studiosync_desktop.ui.tabs.resources import ResourcesTab


def test_opening_a_stored_file_hands_a_temp_copy_to_the_viewer(
    qtbot, window: MainWindow, services: Services, admin: Actor
) -> None:  # type: ignore[no-untyped-def]
    services.resources.create(
        admin, {"title": "Scales"}, file_name="scales.pdf", file_data=b"%PDF-1.4\n%%EOF\n"
    )
    services.resources.create(
        admin, {"title": "Suzuki Book 1", "resource_type": "physical", "quantity_total": 2}
    )
    tab = window.tabs["resources"]
    assert isinstance(tab, ResourcesTab)
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        window.select_tab("resources")
        window.show()
    assert [r.title for r in tab.model.rows] == ["Scales", "Suzuki Book 1"]
    opened: list[Path] = []
    tab.open_file = opened.append  # type: ignore[method-assign]
    tab.table.selectRow(0)
    tab.open_resource()
    qtbot.waitUntil(lambda: bool(opened), timeout=10000)
    assert opened[0].name == "scales.pdf"
    assert opened[0].read_bytes().startswith(b"%PDF")
