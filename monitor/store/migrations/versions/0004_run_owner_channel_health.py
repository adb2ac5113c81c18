"""Crawl runs name the process that owns them (a run whose owner died is `interrupted`), and
each alert channel's health: its failure streak, its back-off, whether the operator was told.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("owner", sa.String(200), nullable=True))
    op.create_table(
        "channel_health",
        sa.Column("subscriber", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failing_since", TIME, nullable=True),
        sa.Column("next_try_at", TIME, nullable=True),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("subscriber", "channel", name="pk_channel_health"),
    )


def downgrade() -> None:
    op.drop_table("channel_health")
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("owner")
