"""The Qt layer: windows, tabs and table models over the services (PySide6 only here)."""
