"""service desk: units, requests with deadlines, assists, attachments, visits, advisers

Revision ID: 20261207_0011
Revises: 20261207_0010
Create Date: 2026-12-07 02:13:27.109050
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_0011"
down_revision: str | None = "20261207_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "service_units",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "head",
            sa.String(length=100),
            nullable=True,
            comment="who an overdue request is escalated to (a title or a username)",
        ),
        sa.Column("position", sa.Integer(), nullable=False, comment="order in lists"),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('department', 'task_force', 'sub_area', 'service_port')",
            name=op.f("ck_service_units_kind_known"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_service_units")),
        comment="units of the service desk (承办单位), a configurable list",
    )
    op.create_table(
        "service_advisers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"],
            ["service_units.code"],
            name=op.f("fk_service_advisers_unit_code_service_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_advisers")),
        sa.UniqueConstraint("uscc", "username", name=op.f("uq_service_advisers_uscc_username")),
    )
    with op.batch_alter_table("service_advisers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_advisers_unit_code"), ["unit_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_advisers_uscc"), ["uscc"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_service_advisers_username"), ["username"], unique=False
        )

    op.create_table(
        "service_unit_members",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("is_head", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"],
            ["service_units.code"],
            name=op.f("fk_service_unit_members_unit_code_service_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_unit_members")),
        sa.UniqueConstraint(
            "unit_code", "username", name=op.f("uq_service_unit_members_unit_code_username")
        ),
    )
    with op.batch_alter_table("service_unit_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_unit_members_unit_code"), ["unit_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_unit_members_username"), ["username"], unique=False
        )

    op.create_table(
        "service_visits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("firm_name", sa.String(length=200), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.Column(
            "visitor", sa.String(length=100), nullable=False, comment="the staff member who went"
        ),
        sa.Column("people_met", sa.String(length=300), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("issues", sa.Text(), nullable=True, comment="issues found, one a line"),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"],
            ["service_units.code"],
            name=op.f("fk_service_visits_unit_code_service_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_visits")),
        comment="visits to firms (走访)",
    )
    with op.batch_alter_table("service_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_visits_unit_code"), ["unit_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_visits_uscc"), ["uscc"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_service_visits_visited_on"), ["visited_on"], unique=False
        )

    op.create_table(
        "service_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ticket_no", sa.String(length=40), nullable=False, comment="工单编号"),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column(
            "uscc",
            sa.String(length=18),
            nullable=True,
            comment="the firm; empty for a person or an unregistered firm",
        ),
        sa.Column("firm_name", sa.String(length=200), nullable=True),
        sa.Column("task_force", sa.String(length=40), nullable=True, comment="the firm's"),
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("urgency", sa.String(length=20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "owner_unit", sa.String(length=40), nullable=True, comment="首接负责: the owning unit"
        ),
        sa.Column(
            "origin", sa.String(length=20), nullable=False, comment="desk, portal, visit or import"
        ),
        sa.Column("visit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False, comment="local time"),
        sa.Column("dispatched_at", sa.DateTime(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("first_contact_at", sa.DateTime(), nullable=True),
        sa.Column("interim_reply_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("followed_up_at", sa.DateTime(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=False, comment="the answer's deadline"),
        sa.Column("sign_due_at", sa.DateTime(), nullable=True, comment="sign for by"),
        sa.Column("contact_due_at", sa.DateTime(), nullable=True, comment="first contact by"),
        sa.Column("result", sa.Text(), nullable=True, comment="the answer given on closing"),
        sa.Column("solved", sa.Boolean(), nullable=True, comment="from the follow-up"),
        sa.Column(
            "satisfaction", sa.String(length=20), nullable=True, comment="from the follow-up"
        ),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
        sa.Column("escalated_to", sa.String(length=100), nullable=True),
        sa.Column("returns", sa.Integer(), nullable=False, comment="times sent back"),
        sa.Column("reopens", sa.Integer(), nullable=False, comment="times reopened (复查)"),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "channel IN ('hotline', 'service_port', 'visit', 'portal', 'letter')",
            name=op.f("ck_service_requests_channel_known"),
        ),
        sa.CheckConstraint(
            "satisfaction IS NULL OR satisfaction IN ('satisfied', 'basically', 'unsatisfied')",
            name=op.f("ck_service_requests_satisfaction_known"),
        ),
        sa.CheckConstraint(
            "status IN ('received', 'dispatched', 'in_progress', 'returned', 'closed', "
            "'followed_up')",
            name=op.f("ck_service_requests_status_known"),
        ),
        sa.CheckConstraint(
            "type IN ('policy', 'permits', 'land_space', 'finance', 'talent_housing', "
            "'infrastructure', 'market_supervision', 'complaint', 'other')",
            name=op.f("ck_service_requests_type_known"),
        ),
        sa.CheckConstraint(
            "urgency IN ('urgent', 'time_critical', 'general', 'complex')",
            name=op.f("ck_service_requests_urgency_known"),
        ),
        sa.CheckConstraint(
            "due_at >= received_at", name=op.f("ck_service_requests_due_after_receipt")
        ),
        sa.CheckConstraint(
            "returns >= 0 AND reopens >= 0", name=op.f("ck_service_requests_counts_positive")
        ),
        sa.ForeignKeyConstraint(
            ["owner_unit"],
            ["service_units.code"],
            name=op.f("fk_service_requests_owner_unit_service_units"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["service_visits.id"],
            name=op.f("fk_service_requests_visit_id_service_visits"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
        sa.UniqueConstraint("ticket_no", name=op.f("uq_service_requests_ticket_no")),
        comment="enterprise requests (诉求工单, 接诉即办)",
    )
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_requests_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_service_requests_owner_unit"), ["owner_unit"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_requests_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_requests_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_service_requests_task_force"), ["task_force"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_requests_type"), ["type"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_requests_uscc"), ["uscc"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_service_requests_visit_id"), ["visit_id"], unique=False
        )

    op.create_table(
        "service_assists",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("unit_code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_service_assists_request_id_service_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"],
            ["service_units.code"],
            name=op.f("fk_service_assists_unit_code_service_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_assists")),
        sa.UniqueConstraint(
            "request_id", "unit_code", name=op.f("uq_service_assists_request_id_unit_code")
        ),
    )
    with op.batch_alter_table("service_assists", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_assists_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_assists_unit_code"), ["unit_code"], unique=False
        )

    op.create_table(
        "service_attachments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column(
            "uploaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_service_attachments_not_empty")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_service_attachments_request_id_service_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_attachments")),
    )
    with op.batch_alter_table("service_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_attachments_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("service_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_attachments_request_id"))

    op.drop_table("service_attachments")
    with op.batch_alter_table("service_assists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_assists_unit_code"))
        batch_op.drop_index(batch_op.f("ix_service_assists_request_id"))

    op.drop_table("service_assists")
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_requests_visit_id"))
        batch_op.drop_index(batch_op.f("ix_service_requests_uscc"))
        batch_op.drop_index(batch_op.f("ix_service_requests_type"))
        batch_op.drop_index(batch_op.f("ix_service_requests_task_force"))
        batch_op.drop_index(batch_op.f("ix_service_requests_status"))
        batch_op.drop_index(batch_op.f("ix_service_requests_received_at"))
        batch_op.drop_index(batch_op.f("ix_service_requests_owner_unit"))
        batch_op.drop_index(batch_op.f("ix_service_requests_due_at"))

    op.drop_table("service_requests")
    with op.batch_alter_table("service_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_visits_visited_on"))
        batch_op.drop_index(batch_op.f("ix_service_visits_uscc"))
        batch_op.drop_index(batch_op.f("ix_service_visits_unit_code"))

    op.drop_table("service_visits")
    with op.batch_alter_table("service_unit_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_unit_members_username"))
        batch_op.drop_index(batch_op.f("ix_service_unit_members_unit_code"))

    op.drop_table("service_unit_members")
    with op.batch_alter_table("service_advisers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_advisers_username"))
        batch_op.drop_index(batch_op.f("ix_service_advisers_uscc"))
        batch_op.drop_index(batch_op.f("ix_service_advisers_unit_code"))

    op.drop_table("service_advisers")
    op.drop_table("service_units")
