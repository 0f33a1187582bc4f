"""Feedback per person: one 👍/👎 per question and user, so nobody overwrites another's click.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

The primary key of `feedback` becomes (question_id, user_key); SQLite rebuilds the table in batch
mode. Existing rows are kept (each was one person's click).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Key feedback by question and user."""
    with op.batch_alter_table("feedback", recreate="always") as batch:
        batch.drop_constraint(op.f("pk_feedback"), type_="primary")
        batch.create_primary_key(op.f("pk_feedback"), ["question_id", "user_key"])


def downgrade() -> None:
    """Back to one click per question: the latest click of each question is kept."""
    op.execute(
        "DELETE FROM feedback WHERE EXISTS (SELECT 1 FROM feedback AS newer "
        "WHERE newer.question_id = feedback.question_id AND "
        "(newer.created_at > feedback.created_at OR "
        "(newer.created_at = feedback.created_at AND newer.user_key > feedback.user_key)))"
    )
    with op.batch_alter_table("feedback", recreate="always") as batch:
        batch.drop_constraint(op.f("pk_feedback"), type_="primary")
        batch.create_primary_key(op.f("pk_feedback"), ["question_id"])
