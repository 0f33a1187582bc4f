"""Initial schema: users, questions, feedback, reminders.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Hand-written; constraint names follow db.models.NAMING_CONVENTION and the
test suite checks that autogenerate finds no difference to the models.
Timestamps are `timestamptz` on PostgreSQL; SQLite stores UTC text.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the four tables and the indexes curators and admins query by."""
    op.create_table(
        "users",
        sa.Column("user_key", sa.String(64), nullable=False),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.PrimaryKeyConstraint("user_key", name=op.f("pk_users")),
    )
    op.create_index(op.f("ix_users_last_seen"), "users", ["last_seen"])

    op.create_table(
        "questions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_key", sa.String(64), nullable=False),
        sa.Column("chat_type", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("entry_id", sa.String(128), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("kb_version", sa.String(64), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint(
            "kind IN ('answer', 'suggestions', 'fallback', 'smalltalk', 'empty')",
            name=op.f("ck_questions_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_index(op.f("ix_questions_created_at"), "questions", ["created_at"])
    op.create_index(op.f("ix_questions_kind_created_at"), "questions", ["kind", "created_at"])
    op.create_index(op.f("ix_questions_entry_id"), "questions", ["entry_id"])
    op.create_index(op.f("ix_questions_user_key"), "questions", ["user_key"])

    op.create_table(
        "feedback",
        sa.Column("question_id", sa.String(32), nullable=False),
        sa.Column("user_key", sa.String(64), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_feedback_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("question_id", name=op.f("pk_feedback")),
    )
    op.create_index(op.f("ix_feedback_created_at"), "feedback", ["created_at"])
    op.create_index(op.f("ix_feedback_user_key"), "feedback", ["user_key"])

    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_key", sa.String(64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("entry_id", sa.String(128), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("claimed_at", TS, nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'sending', 'sent', 'cancelled')",
            name=op.f("ck_reminders_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    op.create_index(op.f("ix_reminders_state_due_at"), "reminders", ["state", "due_at"])
    op.create_index(op.f("ix_reminders_user_key"), "reminders", ["user_key"])


def downgrade() -> None:
    """Drop everything (children first)."""
    op.drop_table("reminders")
    op.drop_table("feedback")
    op.drop_table("questions")
    op.drop_table("users")
