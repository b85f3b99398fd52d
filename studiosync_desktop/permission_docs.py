"""docs/permissions.md and the README's "Logins and roles" table, rendered from the matrix.

`python -m studiosync_desktop.permission_docs` writes both; a test fails while they differ
from what the matrix renders.
"""

from __future__ import annotations

import sys
from pathlib import Path

from studiosync_desktop import permission_matrix as pm
from studiosync_desktop.vocabulary import TEACHER_NOTICES

ROLE_NAMES = {"admin": "Admin", "desk": "Front desk", "teacher": "Teacher"}
VERBS = {"select": "read", "insert": "add", "update": "change", "delete": "delete"}
# The areas of the matrix as a person names them, in the order the docs list them.
AREAS = {
    "studio": "studio details and settings",
    "roster": "the roster",
    "schedule": "the schedule",
    "availability": "working hours and outside calendars",
    "teaching": "lesson notes, goals and plans",
    "rooms": "practice rooms",
    "lending": "lending",
    "resources": "the resource library",
    "messages": "messages and notifications",
    "billing": "billing",
    "pay": "teacher pay (rules, pay runs, statements)",
    "email": "email (the outbox, the mail server, templates)",
    "privacy": "privacy (data requests, consents, retention)",
    "audit": "the audit trail",
    "system": "the database's own bookkeeping",
}
README_START = (
    "<!-- permissions-table:start (generated: python -m studiosync_desktop.permission_docs) -->"
)
README_END = "<!-- permissions-table:end -->"
WHOLE_STUDIO = ("all", "studio")

INTRO = """# Who may do what

<!-- Generated from studiosync_desktop/permission_matrix.py by
     `python -m studiosync_desktop.permission_docs`: edit the matrix, not this file. -->

Everyone who uses the app logs in as their own PostgreSQL login, a member of one group role
(`studiosync_admin`, `studiosync_desk` or `studiosync_teacher`). The database itself says
what each login may do, with the same answer in psql as in the app: table and column
privileges (granted from the permission matrix by the migrations) say which operations, and
row-level security says which rows. The services check the same rules first, to say no in
words. `tests/test_permission_matrix.py` tries every cell below on a real server as an admin,
the front desk, a teacher, a teacher of another studio and a deactivated login, and fails on
any difference.
"""

ALWAYS = """## What nobody does

- **TRUNCATE** is granted to no login.
- **Issued money records are never deleted**, by any login (nor by the database owner, for
  invoices): an issued invoice is voided or corrected by a credit note, a payment is refunded.
  Payments, invoice history and the credit ledger have no DELETE for anyone; only draft
  invoices (and their lines) may be deleted, and a line is added to a draft only. A
  payment's amount, method, invoice and day are never changed: only the refund columns are.
  The day close is computed from the payments, so a closed day cannot change under it.
- **An issued invoice holds** (migration 0056): it never goes back to draft, and its payer,
  number, dates, discount, tax rate, notes and lines stay as issued; it is voided only with
  nothing paid on it, and takes a late fee once, the studio's, when overdue by the studio's
  days. Numbers come from the year's counter only, which never moves back or skips. Account
  credit comes from a credit note, an overpayment or a refund to credit, up to its amount, and
  is spent only by the payment it makes. (The database owner, loading the demo or restoring,
  is let through.)
- **The audit trail** is written by the database's triggers, read by admins, and updated or
  deleted by nobody.
- **Tables the database keeps itself** (`room_occupancy`, `lesson_attendance`,
  `invoice_shares`) are read, never written, by the logins.
"""

TEACHER_RULES = """## A teacher's own lessons

A teacher changes on their own lessons only what a teacher does: the status, within the
status rules, the actual start and end, and the lesson plan. Never the rate, student, band,
teacher, studio, times, room or series (column privileges). A trigger keeps the status rules
for the teacher's login: scheduled -> in progress, completed or a no-show; in progress ->
completed; only once the lesson has started (a quarter of an hour early at most: an early
start, a clock a little ahead); never back (reopening and cancelling are for the front
desk); actual times only on a lesson that has started. Notes go on their own lessons only.
"""

LIVE = """## Live updates are hints

Each committed change sends `NOTIFY studiosync_changes` with the table and ids. PostgreSQL
lets any login NOTIFY any channel, so a payload is never trusted: the app reads only the
table name from it, and a tab that watches that table re-reads through the login's own
privileges and row security. A forged payload (a teacher naming an invoice or another
teacher's lesson) at most makes a tab reload what that login may already see; a malformed
one is ignored (`tests/ui/test_forged_live_updates.py`).
"""

LOGINS = """## Deactivated logins

Deactivating a login (Users tab) makes it NOLOGIN and takes it out of its group role, so a
session it still has open can read and write nothing; reactivating puts it back in the
group of its role.
"""


def cell(allow: pm.Grants) -> str:
    """What a role may do to a table, e.g. "read: their own studio's; change (status): …"."""
    if not allow:
        return "—"
    by_rule: dict[tuple[str, tuple[str, ...] | None], list[str]] = {}
    for operation in pm.OPERATIONS:
        if operation in allow:
            a = allow[operation]
            by_rule.setdefault((a.rows, a.columns), []).append(VERBS[operation])
    parts = []
    for (rows, columns), verbs in by_rule.items():
        what = ", ".join(verbs)
        if columns is not None:
            what += f" ({', '.join(columns)})"
        parts.append(f"{what}: {pm.ROWS[rows]}")
    return "; ".join(parts)


def matrix_tables() -> str:
    out = []
    for area, title in AREAS.items():
        tables = sorted(t for t, spec in pm.MATRIX.items() if spec.area == area)
        out.append(f"### {title[:1].upper() + title[1:]}\n")
        out.append("| Table | A row is | " + " | ".join(ROLE_NAMES.values()) + " |")
        out.append("|---|---|---|---|---|")
        for table in tables:
            spec = pm.MATRIX[table]
            cells = " | ".join(cell(spec.grants(role)) for role in pm.ROLES)
            out.append(f"| `{table}` | {spec.holds} | {cells} |")
        out.append("")
    return "\n".join(out)


def functions() -> str:
    out = ["## Doors: database functions a role may call\n", "| Function | Who | For |"]
    out.append("|---|---|---|")
    for signature, (roles, why) in pm.FUNCTIONS.items():
        who = ", ".join(ROLE_NAMES[r] for r in roles) or "the database owner only"
        out.append(f"| `{signature}` | {who} | {why} |")
    kinds = "; ".join(f"`{k}` ({title})" for k, title in TEACHER_NOTICES.items())
    out.append(
        f"\nA teacher tells the desk in one of these kinds, nothing else: {kinds}. The "
        "database writes the title, the text (the lesson's student, teacher and time) and "
        "the link; pressing again sends nothing more.\n"
    )
    return "\n".join(out)


def permissions_md() -> str:
    return "\n".join(
        [
            INTRO,
            "## The matrix\n",
            "Each cell says what the role may do and to which rows; a column list narrows a "
            "change to those columns; — means nothing at all.\n",
            matrix_tables(),
            ALWAYS,
            TEACHER_RULES,
            functions(),
            LIVE,
            LOGINS,
        ]
    )


def role_summary(role: str) -> tuple[str, str, str]:
    """(changes, only reads, cannot read) of a role, by area, for the README."""
    changes, reads, hidden = [], [], []
    for area, title in AREAS.items():
        if area == "system":
            continue  # the schema revision: no one's work, only in docs/permissions.md
        specs = [s.grants(role) for s in pm.MATRIX.values() if s.area == area]
        writes = [a for g in specs for op, a in g.items() if op != "select"]
        selects = [g["select"] for g in specs if "select" in g]
        whole = len(selects) == len(specs) and all(a.rows in WHOLE_STUDIO for a in selects)
        if writes:
            own = all(a.rows not in WHOLE_STUDIO for a in writes)
            changes.append(f"{title} (their own)" if own else title)
        elif selects:
            reads.append(title if whole else f"{title} (in part)")
        else:
            hidden.append(title)
    return ", ".join(changes) or "—", ", ".join(reads) or "—", ", ".join(hidden) or "—"


def readme_table() -> str:
    rows = ["| Role | Changes | Only reads | Cannot read |", "|---|---|---|---|"]
    for role in pm.ROLES:
        changes, reads, hidden = role_summary(role)
        rows.append(f"| {ROLE_NAMES[role]} | {changes} | {reads} | {hidden} |")
    return "\n".join([README_START, *rows, README_END])


def with_readme_table(readme: str) -> str:
    """The README with its generated table replaced by the matrix's."""
    start, end = readme.index(README_START), readme.index(README_END) + len(README_END)
    return readme[:start] + readme_table() + readme[end:]


def write(root: Path) -> list[Path]:
    """Writes both files under `root` (a checkout); returns the ones that changed."""
    changed = []
    docs = root / "docs" / "permissions.md"
    readme = root / "README.md"
    for path, text in (
        (docs, permissions_md()),
        (readme, with_readme_table(readme.read_text(encoding="utf-8"))),
    ):
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    for path in write(root):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
