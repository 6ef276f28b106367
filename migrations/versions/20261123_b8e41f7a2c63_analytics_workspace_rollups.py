"""analytics workspace rollups

Revision ID: b8e41f7a2c63
Revises: a7c3e91d5b20
Create Date: 2026-11-23 05:04:24

The workspace's daily roll-ups of followers and of account insights, backfilled with the same
rule the app uses (app.services.analytics_rollup.rebuild): per workspace and day, the sums of
the taken snapshots that have a follower count and how many accounts are in the sums; and each
insight metric summed over the accounts' rows (NULL when none has it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8e41f7a2c63"
down_revision: str | None = "a7c3e91d5b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# app.models.analytics.ACCOUNT_METRIC_COLUMNS as of this revision.
METRICS = (
    "reach",
    "views",
    "accounts_engaged",
    "total_interactions",
    "likes",
    "comments",
    "saves",
    "shares",
    "replies",
    "reposts",
    "profile_links_taps",
    "follows",
    "unfollows",
)


def upgrade() -> None:
    op.create_table(
        "workspace_follower_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("followers_count", sa.BigInteger(), nullable=False),
        sa.Column("follows_count", sa.BigInteger(), nullable=True),
        sa.Column("media_count", sa.BigInteger(), nullable=True),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_workspace_follower_day_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace_follower_day")),
        sa.UniqueConstraint(
            "workspace_id", "day", name=op.f("uq_workspace_follower_day_workspace_id_day")
        ),
    )
    with op.batch_alter_table("workspace_follower_day", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workspace_follower_day_workspace_id"), ["workspace_id"], unique=False
        )

    op.execute(
        "INSERT INTO workspace_follower_day"
        " (workspace_id, day, followers_count, follows_count, media_count, accounts)"
        " SELECT workspace_id, day, SUM(followers_count), SUM(follows_count), SUM(media_count),"
        " COUNT(*) FROM follower_snapshot"
        " WHERE status = 'taken' AND followers_count IS NOT NULL"
        " GROUP BY workspace_id, day"
    )

    op.create_table(
        "workspace_insight_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reach", sa.BigInteger(), nullable=True),
        sa.Column("views", sa.BigInteger(), nullable=True),
        sa.Column("accounts_engaged", sa.BigInteger(), nullable=True),
        sa.Column("total_interactions", sa.BigInteger(), nullable=True),
        sa.Column("likes", sa.BigInteger(), nullable=True),
        sa.Column("comments", sa.BigInteger(), nullable=True),
        sa.Column("saves", sa.BigInteger(), nullable=True),
        sa.Column("shares", sa.BigInteger(), nullable=True),
        sa.Column("replies", sa.BigInteger(), nullable=True),
        sa.Column("reposts", sa.BigInteger(), nullable=True),
        sa.Column("profile_links_taps", sa.BigInteger(), nullable=True),
        sa.Column("follows", sa.BigInteger(), nullable=True),
        sa.Column("unfollows", sa.BigInteger(), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_workspace_insight_day_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace_insight_day")),
        sa.UniqueConstraint(
            "workspace_id", "day", name=op.f("uq_workspace_insight_day_workspace_id_day")
        ),
    )
    with op.batch_alter_table("workspace_insight_day", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workspace_insight_day_workspace_id"), ["workspace_id"], unique=False
        )

    metrics = ", ".join(METRICS)
    sums = ", ".join(f"SUM({m})" for m in METRICS)
    op.execute(
        f"INSERT INTO workspace_insight_day (workspace_id, day, {metrics})"
        f" SELECT workspace_id, day, {sums} FROM account_insight_day GROUP BY workspace_id, day"
    )


def downgrade() -> None:
    with op.batch_alter_table("workspace_insight_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workspace_insight_day_workspace_id"))

    op.drop_table("workspace_insight_day")
    with op.batch_alter_table("workspace_follower_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workspace_follower_day_workspace_id"))

    op.drop_table("workspace_follower_day")
