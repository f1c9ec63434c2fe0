"""policies: annual firm facts

Revision ID: 20261127_0006
Revises: 20261127_0005
Create Date: 2026-11-27 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261127_0006"
down_revision: str | None = "20261127_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_facts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("year", sa.Integer(), nullable=False, comment="calendar year the fact is about"),
        sa.Column(
            "fact", sa.String(length=40), nullable=False, comment="a name from the facts catalogue"
        ),
        sa.Column(
            "value", sa.BigInteger(), nullable=False, comment="fen for amounts, else a count"
        ),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint("value >= 0", name=op.f("ck_policy_facts_value_not_negative")),
        sa.CheckConstraint(
            "year BETWEEN 1900 AND 2200", name=op.f("ck_policy_facts_year_plausible")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_policy_facts_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_facts")),
        sa.UniqueConstraint(
            "enterprise_id", "year", "fact", name=op.f("uq_policy_facts_enterprise_id_year_fact")
        ),
    )


def downgrade() -> None:
    op.drop_table("policy_facts")
