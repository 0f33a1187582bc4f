"""Curators and the bot's effect: "not what I meant" clicks and the 30-day rule's outcome.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

* `questions.not_meant_at`: the first "Not what I meant" click on an answer.
* `reminders.outcome` (`still_want` | `passed`, checked) and `reminders.answered_at`: the
  answer to a due reminder.

Existing rows keep their values; the new columns start empty. On SQLite the tables are
rebuilt in batch mode (the questions' kind constraint of 0002 is carried over).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
OUTCOMES = "outcome IN ('still_want', 'passed')"


def upgrade() -> None:
    """Add the click and the outcome columns."""
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("not_meant_at", TS, nullable=True))
    with op.batch_alter_table("reminders") as batch:
        batch.add_column(sa.Column("outcome", sa.String(16), nullable=True))
        batch.add_column(sa.Column("answered_at", TS, nullable=True))
        batch.create_check_constraint(op.f("ck_reminders_outcome"), sa.text(OUTCOMES))


def downgrade() -> None:
    """Back to 0002: the clicks and outcomes are dropped."""
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint(op.f("ck_reminders_outcome"), type_="check")
        batch.drop_column("answered_at")
        batch.drop_column("outcome")
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("not_meant_at")
