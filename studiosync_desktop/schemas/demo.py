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
    # (email, role, password) of the demo's staff logins; empty when no roles could be made.
    logins: tuple[tuple[str, str, str], ...] = ()

    def describe(self) -> str:
        """One line per table, for the command line."""
        lines = [f"{self.studio_name} ({self.size}) built in {self.seconds:.1f} s:"]
        lines += [f"  {table:<22} {count:>9,}" for table, count in self.counts.items()]
        if self.logins:
            lines.append("Demo logins (email / password, role):")
            lines += [f"  {email}  /  {pw}  ({role})" for email, role, pw in self.logins]
        return "\n".join(lines)
