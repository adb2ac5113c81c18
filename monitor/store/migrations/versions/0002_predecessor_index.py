"""The predecessor index: each article's sketch (title key, MinHash signature) and band keys.

Filled as articles are ingested; articles stored before this revision are indexed by
``monitor.linking.refresh_index`` (run at the start of each crawl of their site).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "article_sketches",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(40), nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("appeared_at", TIME, nullable=False),
        sa.Column("title_key", sa.BigInteger(), nullable=True),
        sa.Column("shingle_count", sa.Integer(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_article_sketches_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["article_versions.id"],
            name="fk_article_sketches_version_id_article_versions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name="pk_article_sketches"),
    )
    op.create_index(
        "ix_article_sketches_title_key", "article_sketches", ["title_key", "appeared_at"]
    )
    # Looked up by band key only: on SQLite a WITHOUT ROWID table is its own covering index.
    op.create_table(
        "article_band_keys",
        sa.Column("band_key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article_sketches.article_id"],
            name="fk_article_band_keys_article_id_article_sketches",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("band_key", "article_id", name="pk_article_band_keys"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_article_band_keys_article_id", "article_band_keys", ["article_id"])


def downgrade() -> None:
    op.drop_table("article_band_keys")
    op.drop_table("article_sketches")
