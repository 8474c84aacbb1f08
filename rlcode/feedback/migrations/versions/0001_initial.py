"""The first schema: raters, items (scored rows to review), append-only events.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("token", sa.String(100), nullable=False, unique=True),
        sa.Column("created", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.String(500), nullable=False),
        sa.Column("candidate_id", sa.String(500), nullable=False),
        sa.Column("language", sa.String(50), nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("verdict", sa.String(50), nullable=False),
        sa.Column("tests_passed", sa.Integer, nullable=False),
        sa.Column("tests_total", sa.Integer, nullable=False),
        sa.Column("reward", sa.Float, nullable=True),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("components", sa.JSON, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.UniqueConstraint("task_id", "candidate_id", name="uq_items_task_candidate"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.String(500), nullable=False),
        sa.Column("candidate_id", sa.String(500), nullable=True),
        sa.Column("candidate_a", sa.String(500), nullable=True),
        sa.Column("candidate_b", sa.String(500), nullable=True),
        sa.Column("rater", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.String(20), nullable=True),
        sa.Column("dimension", sa.String(100), nullable=True),
        sa.Column("lines", sa.JSON, nullable=True),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("code", sa.Text, nullable=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("time", sa.String(40), nullable=False),
        sa.Column("gold", sa.Boolean, nullable=False),
        sa.Column("written", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    op.create_index("ix_events_task_id", "events", ["task_id"])
    op.create_index("ix_events_rater", "events", ["rater"])
    op.create_index("ix_events_kind", "events", ["kind"])


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("items")
    op.drop_table("raters")
