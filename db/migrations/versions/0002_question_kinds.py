"""Two more question kinds: `category` (a category card answered) and `offtopic`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

The check constraint is replaced; SQLite rebuilds the table in batch mode.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "kind IN ('answer', 'suggestions', 'fallback', 'smalltalk', 'empty')"
NEW = "kind IN ('answer', 'suggestions', 'fallback', 'smalltalk', 'empty', 'category', 'offtopic')"


def upgrade() -> None:
    """Allow the new kinds."""
    with op.batch_alter_table("questions") as batch:
        batch.drop_constraint(op.f("ck_questions_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_questions_kind"), NEW)


def downgrade() -> None:
    """Back to the five kinds (rows of the new kinds must be gone first)."""
    with op.batch_alter_table("questions") as batch:
        batch.drop_constraint(op.f("ck_questions_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_questions_kind"), OLD)
