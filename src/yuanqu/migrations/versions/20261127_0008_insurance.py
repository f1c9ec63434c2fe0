"""insurance: tech-insurance policies and claims

Revision ID: 20261127_0008
Revises: 20261127_0007
Create Date: 2026-11-27 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261127_0008"
down_revision: str | None = "20261127_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "insurance_policies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("insurer", sa.String(length=100), nullable=False, comment="保险公司"),
        sa.Column(
            "policy_no", sa.String(length=60), nullable=False, comment="保单号, unique per insurer"
        ),
        sa.Column("product", sa.String(length=32), nullable=False, comment="a Product key (险种)"),
        sa.Column(
            "enterprise_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="投保企业",
        ),
        sa.Column("sum_insured_fen", sa.BigInteger(), nullable=False, comment="保险金额 in fen"),
        sa.Column("premium_fen", sa.BigInteger(), nullable=False, comment="保费 in fen"),
        sa.Column("start_date", sa.Date(), nullable=False, comment="保险起期"),
        sa.Column("end_date", sa.Date(), nullable=False, comment="保险止期 (inclusive)"),
        sa.Column("status", sa.String(length=16), nullable=False, comment="a PolicyStatus"),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "end_date >= start_date", name=op.f("ck_insurance_policies_period_ordered")
        ),
        sa.CheckConstraint(
            "premium_fen >= 0", name=op.f("ck_insurance_policies_premium_not_negative")
        ),
        sa.CheckConstraint(
            "sum_insured_fen > 0", name=op.f("ck_insurance_policies_sum_insured_positive")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_insurance_policies_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_policies")),
        sa.UniqueConstraint(
            "insurer", "policy_no", name=op.f("uq_insurance_policies_insurer_policy_no")
        ),
    )
    with op.batch_alter_table("insurance_policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_insurance_policies_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_insurance_policies_insurer"), ["insurer"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_insurance_policies_product"), ["product"], unique=False
        )
        batch_op.create_index("ix_insurance_policies_start_date", ["start_date"], unique=False)

    op.create_table(
        "insurance_claims",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "policy_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "claim_no", sa.String(length=60), nullable=False, comment="赔案号, unique per policy"
        ),
        sa.Column("status", sa.String(length=16), nullable=False, comment="a ClaimStatus"),
        sa.Column("reported_on", sa.Date(), nullable=False, comment="报案日期"),
        sa.Column("assessed_on", sa.Date(), nullable=True, comment="定损日期"),
        sa.Column("closed_on", sa.Date(), nullable=True, comment="结案日期: settled or declined"),
        sa.Column("claimed_fen", sa.BigInteger(), nullable=True, comment="报损金额 in fen"),
        sa.Column("assessed_fen", sa.BigInteger(), nullable=True, comment="定损金额 in fen"),
        sa.Column("paid_fen", sa.BigInteger(), nullable=True, comment="赔付金额 in fen"),
        sa.CheckConstraint(
            "assessed_on IS NULL OR assessed_on >= reported_on",
            name=op.f("ck_insurance_claims_assessed_after"),
        ),
        sa.CheckConstraint(
            "claimed_fen >= 0 AND assessed_fen >= 0 AND paid_fen >= 0",
            name=op.f("ck_insurance_claims_amounts_not_negative"),
        ),
        sa.CheckConstraint(
            "closed_on IS NULL OR closed_on >= reported_on",
            name=op.f("ck_insurance_claims_closed_after"),
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["insurance_policies.id"],
            name=op.f("fk_insurance_claims_policy_id_insurance_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_claims")),
        sa.UniqueConstraint(
            "policy_id", "claim_no", name=op.f("uq_insurance_claims_policy_id_claim_no")
        ),
    )
    with op.batch_alter_table("insurance_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_insurance_claims_policy_id"), ["policy_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("insurance_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insurance_claims_policy_id"))

    op.drop_table("insurance_claims")
    with op.batch_alter_table("insurance_policies", schema=None) as batch_op:
        batch_op.drop_index("ix_insurance_policies_start_date")
        batch_op.drop_index(batch_op.f("ix_insurance_policies_product"))
        batch_op.drop_index(batch_op.f("ix_insurance_policies_insurer"))
        batch_op.drop_index(batch_op.f("ix_insurance_policies_enterprise_id"))

    op.drop_table("insurance_policies")
