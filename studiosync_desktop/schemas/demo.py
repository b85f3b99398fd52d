"""What building the demo studio reports: rows per table and how long it took."""

from __future__ import annotations

import uuid

from studiosync_desktop.schemas.common import Frozen


class DemoSummary(Frozen):
    size: str
    studio_id: uuid.UUID
    studio_name: str
    counts: dict[str, int]
    seconds: float

    def describe(self) -> str:
        """One line per table, for the command line."""
        lines = [f"{self.studio_name} ({self.size}) built in {self.seconds:.1f} s:"]
        lines += [f"  {table:<22} {count:>9,}" for table, count in self.counts.items()]
        return "\n".join(lines)
