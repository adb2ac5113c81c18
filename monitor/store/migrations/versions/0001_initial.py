"""The store: sites, crawl runs, listings, articles, article versions, events.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")
CURRENT_VERSION_FK = "fk_articles_current_version_id_article_versions"


def upgrade() -> None:
    # SQLite cannot add a foreign key later but accepts one to a table still to come.
    sqlite = op.get_bind().dialect.name == "sqlite"
    _sites_and_runs()
    current_fk = (
        [
            sa.ForeignKeyConstraint(
                ["current_version_id"], ["article_versions.id"], name=CURRENT_VERSION_FK
            )
        ]
        if sqlite
        else []
    )
    _articles(current_fk)
    if not sqlite:
        op.create_foreign_key(
            CURRENT_VERSION_FK, "articles", "article_versions", ["current_version_id"], ["id"]
        )
    _events()


def _sites_and_runs() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("rules_hash", sa.String(64), nullable=True),
        sa.Column("normalizer_version", sa.String(32), nullable=True),
        sa.Column("baselined_at", TIME, nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("failing_alerted_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sites"),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(100), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stats", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("rules_hash", sa.String(64), nullable=True),
        sa.Column("normalizer_version", sa.String(32), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_crawl_runs_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_runs"),
    )
    op.create_index("ix_crawl_runs_site_id", "crawl_runs", ["site_id"])
    op.create_table(
        "listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=False),
        sa.Column("column_name", sa.String(200), nullable=True),
        sa.Column("seen", JSON, nullable=False),
        sa.Column("gone", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name="fk_listings_crawl_run_id_crawl_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_listings"),
    )
    op.create_index("ix_listings_crawl_run_id", "listings", ["crawl_run_id"])


def _articles(current_fk: list[sa.ForeignKeyConstraint]) -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(100), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_key", sa.String(64), nullable=False),
        sa.Column("column_name", sa.String(200), nullable=True),
        sa.Column("category", sa.String(200), nullable=True),
        sa.Column("first_seen", TIME, nullable=False),
        sa.Column("last_seen", TIME, nullable=False),
        sa.Column("last_checked", TIME, nullable=False),
        sa.Column("appeared_at", TIME, nullable=False),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("gone_count", sa.Integer(), nullable=False),
        sa.Column("last_gone_status", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("withdrawn_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_articles_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("url_key", name="uq_articles_url_key"),
        *current_fk,
    )
    op.create_index("ix_articles_site_appeared", "articles", ["site_id", "appeared_at"])
    op.create_index("ix_articles_site_column", "articles", ["site_id", "column_name"])
    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("previous_version_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("published_at", sa.String(40), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("document_number", sa.String(200), nullable=True),
        sa.Column("lead", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("paragraphs", JSON, nullable=False),
        sa.Column("attachments", JSON, nullable=False),
        sa.Column("images", JSON, nullable=False),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("normalizer_version", sa.String(32), nullable=False),
        sa.Column("rules_hash", sa.String(64), nullable=True),
        sa.Column("fetched_at", TIME, nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_article_versions_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["previous_version_id"],
            ["article_versions.id"],
            name="fk_article_versions_previous_version_id_article_versions",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name="fk_article_versions_crawl_run_id_crawl_runs",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_article_versions"),
        sa.UniqueConstraint(
            "article_id", "previous_version_id", name="uq_article_versions_article_id"
        ),
    )
    op.create_index("ix_article_versions_article_id", "article_versions", ["article_id"])


def _events() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("site_id", sa.String(100), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("old_version_id", sa.Integer(), nullable=True),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_events_site_id_sites", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_events_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["article_versions.id"],
            name="fk_events_version_id_article_versions",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["old_version_id"],
            ["article_versions.id"],
            name="fk_events_old_version_id_article_versions",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name="fk_events_crawl_run_id_crawl_runs",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.UniqueConstraint("dedupe_key", name="uq_events_dedupe_key"),
    )
    op.create_index("ix_events_site_id", "events", ["site_id"])
    op.create_index("ix_events_article_id", "events", ["article_id"])
    op.create_index("ix_events_created_at", "events", ["created_at"])


def downgrade() -> None:
    for table in ("events",):
        op.drop_table(table)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(CURRENT_VERSION_FK, "articles", type_="foreignkey")
    for table in ("article_versions", "articles", "listings", "crawl_runs", "sites"):
        op.drop_table(table)
