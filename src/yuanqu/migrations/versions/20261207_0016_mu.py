"""mu: the yearly resource inputs, evaluations, results and objections of 亩均效益评价

Revision ID: 20261207_0016
Revises: 20261207_0015
Create Date: 2026-12-07 02:45:16.744594
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_0016"
down_revision: str | None = "20261207_0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "mu_evaluations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("method_id", sa.String(length=40), nullable=False),
        sa.Column(
            "method_from", sa.Integer(), nullable=False, comment="effective_from of the method used"
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("graded", sa.Integer(), nullable=False, comment="firms given a grade"),
        sa.Column("exempt", sa.Integer(), nullable=False, comment="firms not graded"),
        sa.Column(
            "benchmarks",
            sa.Text(),
            nullable=False,
            comment="canonical JSON: group -> indicator -> benchmark (base unit)",
        ),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("computed_by", sa.String(length=100), nullable=False),
        sa.Column("notice_from", sa.Date(), nullable=True),
        sa.Column("notice_to", sa.Date(), nullable=True, comment="last working day of the notice"),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'notice', 'final')", name=op.f("ck_mu_evaluations_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mu_evaluations")),
        sa.UniqueConstraint("year", "method_id", name="year_method"),
    )
    op.create_table(
        "mu_objections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "evaluation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(length=100), nullable=False),
        sa.Column(
            "filed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'upheld', 'dismissed')", name=op.f("ck_mu_objections_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_mu_objections_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["mu_evaluations.id"],
            name=op.f("fk_mu_objections_evaluation_id_mu_evaluations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mu_objections")),
    )
    with op.batch_alter_table("mu_objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mu_objections_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mu_objections_evaluation_id"), ["evaluation_id"], unique=False
        )

    op.create_table(
        "mu_resources",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "energy_kgce",
            sa.BigInteger(),
            nullable=True,
            comment="综合能耗, kg of standard coal (equivalent value)",
        ),
        sa.Column("emissions_kg", sa.BigInteger(), nullable=True, comment="主要污染物排放 (kg)"),
        sa.Column("electricity_kwh", sa.BigInteger(), nullable=True, comment="用电量 (kWh)"),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_mu_resources_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mu_resources")),
        sa.UniqueConstraint("enterprise_id", "year", name="firm_year"),
    )
    with op.batch_alter_table("mu_resources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mu_resources_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "mu_results",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "evaluation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("group_id", sa.String(length=40), nullable=True),
        sa.Column(
            "total_micro",
            sa.BigInteger(),
            nullable=True,
            comment="total score x 10^6, rounded half up (ties are judged on it)",
        ),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("of", sa.Integer(), nullable=True, comment="firms graded in the group"),
        sa.Column("grade", sa.String(length=2), nullable=True),
        sa.Column("exempt_reason", sa.String(length=200), nullable=True),
        sa.Column(
            "indicators", sa.Text(), nullable=False, comment="canonical JSON: id -> value, score"
        ),
        sa.Column("inputs", sa.Text(), nullable=False, comment="canonical JSON of the inputs read"),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_mu_results_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["mu_evaluations.id"],
            name=op.f("fk_mu_results_evaluation_id_mu_evaluations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mu_results")),
        sa.UniqueConstraint("evaluation_id", "enterprise_id", name="one_per_firm"),
    )
    with op.batch_alter_table("mu_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mu_results_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mu_results_evaluation_id"), ["evaluation_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("mu_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mu_results_evaluation_id"))
        batch_op.drop_index(batch_op.f("ix_mu_results_enterprise_id"))

    op.drop_table("mu_results")
    with op.batch_alter_table("mu_resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mu_resources_enterprise_id"))

    op.drop_table("mu_resources")
    with op.batch_alter_table("mu_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mu_objections_evaluation_id"))
        batch_op.drop_index(batch_op.f("ix_mu_objections_enterprise_id"))

    op.drop_table("mu_objections")
    op.drop_table("mu_evaluations")
