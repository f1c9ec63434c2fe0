"""steering: watch-list cases, plan definitions kept as YAML text, the fund register

Revision ID: 20261207_0015
Revises: 20261207_0014
Create Date: 2026-12-07 02:45:38
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_0015"
down_revision: str | None = "20261207_0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_sources",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "key", sa.String(length=60), nullable=False, comment="the plan's key in its file"
        ),
        sa.Column(
            "source", sa.Text(), nullable=False, comment="the YAML text, checked before it is saved"
        ),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_sources")),
        sa.UniqueConstraint("key", name=op.f("uq_plan_sources_key")),
    )
    op.create_table(
        "watch_cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "as_of", sa.String(length=7), nullable=False, comment="the watch list's period YYYY-MM"
        ),
        sa.Column(
            "signals",
            sa.String(length=400),
            nullable=False,
            comment="the rule ids the firm had, comma-separated",
        ),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column(
            "owner", sa.String(length=100), nullable=True, comment="adviser or task force code"
        ),
        sa.Column("follow_up", sa.String(length=10), nullable=False, comment="visit or request"),
        sa.Column("follow_up_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column(
            "opened_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "follow_up IN ('visit', 'request')", name=op.f("ck_watch_cases_follow_up_known")
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('resolved', 'false_alarm', 'lost')",
            name=op.f("ck_watch_cases_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_watch_cases_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_cases")),
    )
    with op.batch_alter_table("watch_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_watch_cases_enterprise_id"), ["enterprise_id"], unique=False
        )
    op.create_table(
        "funds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "size_fen", sa.BigInteger(), nullable=False, comment="the fund's size (认缴规模)"
        ),
        sa.Column(
            "zone_share_fen", sa.BigInteger(), nullable=False, comment="the zone's commitment"
        ),
        sa.Column("manager", sa.String(length=200), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("end_year", sa.Integer(), nullable=False),
        sa.Column(
            "track", sa.String(length=60), nullable=True, comment="the track (赛道) it serves"
        ),
        sa.CheckConstraint("end_year >= start_year", name=op.f("ck_funds_period_ordered")),
        sa.CheckConstraint("size_fen > 0", name=op.f("ck_funds_size_positive")),
        sa.CheckConstraint(
            "zone_share_fen >= 0 AND zone_share_fen <= size_fen", name=op.f("ck_funds_share_within")
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["funds.id"], name=op.f("fk_funds_parent_id_funds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds")),
        sa.UniqueConstraint("name", name=op.f("uq_funds_name")),
    )
    op.create_table(
        "fund_investments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("fund_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "enterprise_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
            comment="NULL: outside",
        ),
        sa.Column("investee_name", sa.String(length=200), nullable=False),
        sa.Column("invested_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("round", sa.String(length=40), nullable=False, comment="天使轮, A轮, Pre-IPO..."),
        sa.Column("stake_bp", sa.Integer(), nullable=False, comment="stake in basis points"),
        sa.Column("exited_on", sa.Date(), nullable=True),
        sa.Column("exit_amount_fen", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_fund_investments_amount_positive")),
        sa.CheckConstraint(
            "exited_on IS NULL OR exited_on >= invested_on",
            name=op.f("ck_fund_investments_exit_after_investment"),
        ),
        sa.CheckConstraint(
            "stake_bp > 0 AND stake_bp <= 10000", name=op.f("ck_fund_investments_stake_within")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_fund_investments_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["fund_id"],
            ["funds.id"],
            name=op.f("fk_fund_investments_fund_id_funds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_investments")),
    )
    op.create_index(
        op.f("ix_fund_investments_enterprise_id"),
        "fund_investments",
        ["enterprise_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_fund_investments_fund_id"), "fund_investments", ["fund_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_fund_investments_fund_id"), table_name="fund_investments")
    op.drop_index(op.f("ix_fund_investments_enterprise_id"), table_name="fund_investments")
    op.drop_table("fund_investments")
    op.drop_table("funds")
    with op.batch_alter_table("watch_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watch_cases_enterprise_id"))

    op.drop_table("watch_cases")
    op.drop_table("plan_sources")
