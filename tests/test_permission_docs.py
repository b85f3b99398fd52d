"""docs/permissions.md and the README's roles table are what the permission matrix renders."""

from __future__ import annotations

from pathlib import Path

from studiosync_desktop import permission_docs

ROOT = Path(__file__).resolve().parent.parent
AGAIN = "run `python -m studiosync_desktop.permission_docs` and commit what it writes"


def test_docs_permissions_is_rendered_from_the_matrix() -> None:
    on_disk = (ROOT / "docs" / "permissions.md").read_text(encoding="utf-8")
    assert on_disk == permission_docs.permissions_md(), AGAIN


def test_the_readmes_roles_table_is_rendered_from_the_matrix() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == permission_docs.with_readme_table(readme), AGAIN


def test_the_teachers_row_says_what_a_teacher_may_not_read() -> None:
    changes, _reads, hidden = permission_docs.role_summary("teacher")
    assert "billing" in hidden and "lending" in hidden
    assert "the schedule (their own)" in changes


def test_every_table_of_the_matrix_is_in_the_docs() -> None:
    """A table whose area the docs do not list would silently be left out."""
    rendered = permission_docs.permissions_md()
    missing = [t for t in permission_docs.pm.MATRIX if f"| `{t}` |" not in rendered]
    assert missing == []
