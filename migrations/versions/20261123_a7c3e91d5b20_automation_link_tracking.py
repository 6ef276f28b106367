"""automation link tracking: tracked links, their clicks, when a flow run was delivered, and
an index for the inbox's contact-tag filter

Revision ID: a7c3e91d5b20
Revises: 4b7e2c91d0a6
Create Date: 2026-11-23 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "a7c3e91d5b20"
down_revision: str | None = "4b7e2c91d0a6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_inbox_thread_account_customer", "inbox_thread", ["account_id", "customer_id"]
    )
    op.add_column(
        "automation_flow_run",
        sa.Column("delivered_at", app.models.base.UTCDateTime(), nullable=True),
    )
    op.create_table(
        "automation_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_hash", sa.String(length=64), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=True),
        sa.Column("step_position", sa.Integer(), nullable=True),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_automation_link_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"],
            ["automation_flow.id"],
            name=op.f("fk_automation_link_flow_id_automation_flow"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["automation_rule.id"],
            name=op.f("fk_automation_link_rule_id_automation_rule"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_automation_link_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automation_link")),
        sa.UniqueConstraint("token", name=op.f("uq_automation_link_token")),
    )
    op.create_index(
        "ix_automation_link_lookup", "automation_link", ["contact_id", "url_hash"], unique=False
    )
    op.create_index(op.f("ix_automation_link_flow_id"), "automation_link", ["flow_id"])
    op.create_index(op.f("ix_automation_link_rule_id"), "automation_link", ["rule_id"])
    op.create_index(op.f("ix_automation_link_workspace_id"), "automation_link", ["workspace_id"])
    op.create_table(
        "automation_link_click",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("flow_id", sa.Integer(), nullable=True),
        sa.Column("step_position", sa.Integer(), nullable=True),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("at", app.models.base.UTCDateTime(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_automation_link_click_contact_id_contact"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"],
            ["automation_flow.id"],
            name=op.f("fk_automation_link_click_flow_id_automation_flow"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["automation_link.id"],
            name=op.f("fk_automation_link_click_link_id_automation_link"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["automation_rule.id"],
            name=op.f("fk_automation_link_click_rule_id_automation_rule"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_automation_link_click_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automation_link_click")),
    )
    for column in ("contact_id", "flow_id", "link_id", "rule_id", "workspace_id"):
        op.create_index(
            op.f(f"ix_automation_link_click_{column}"), "automation_link_click", [column]
        )


def downgrade() -> None:
    op.drop_index("ix_inbox_thread_account_customer", table_name="inbox_thread")
    op.drop_table("automation_link_click")
    op.drop_table("automation_link")
    with op.batch_alter_table("automation_flow_run") as batch_op:
        batch_op.drop_column("delivered_at")
