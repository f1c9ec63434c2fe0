"""holiday notices: the State Council arrangements an administrator loads for later years

Revision ID: 20261201_0009
Revises: 20261127_0008
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261201_0009"
down_revision: str | None = "20261127_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "holiday_notice_days",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False, comment="the notice's year"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False, comment="holiday or workday"),
        sa.Column("name", sa.String(length=40), nullable=True, comment="e.g. 春节"),
        sa.Column(
            "source", sa.String(length=200), nullable=False, comment="the notice's title or number"
        ),
        sa.Column("loaded_by", sa.String(length=100), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('holiday', 'workday')", name=op.f("ck_holiday_notice_days_kind_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday_notice_days")),
        sa.UniqueConstraint("day", name=op.f("uq_holiday_notice_days_day")),
    )
    op.create_index(
        op.f("ix_holiday_notice_days_year"), "holiday_notice_days", ["year"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_holiday_notice_days_year"), table_name="holiday_notice_days")
    op.drop_table("holiday_notice_days")
