"""Conditional re-checks and baseline URLs: each article keeps the ETag and Last-Modified of its
last answer with content; ``baseline_urls`` keeps what baseline runs listed (monitor.ingest).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("etag", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_modified", sa.String(100), nullable=True))
    op.create_table(
        "baseline_urls",
        sa.Column("site_id", sa.String(100), nullable=False),
        sa.Column("url_key", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_baseline_urls_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", "url_key", name="pk_baseline_urls"),
    )


def downgrade() -> None:
    op.drop_table("baseline_urls")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("last_modified")
        batch.drop_column("etag")
