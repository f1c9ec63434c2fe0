"""av: the autonomous-driving test zone's vehicles, permits, records, incidents and roads

Revision ID: 20261207_0014
Revises: 20261207_0013
Create Date: 2026-12-07 02:27:23.672118
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261207_0014"
down_revision: str | None = "20261207_0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "av_roads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("road_type", sa.String(length=12), nullable=False, comment="a RoadType"),
        sa.Column("km", sa.Float(), nullable=False, comment="里程（公里）"),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("scenarios", sa.JSON(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("km > 0", name=op.f("ck_av_roads_km_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_av_roads")),
        sa.UniqueConstraint("code", name=op.f("uq_av_roads_code")),
    )
    op.create_table(
        "av_vehicles",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "enterprise_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="测试主体",
        ),
        sa.Column("vin", sa.String(length=17), nullable=False, comment="车辆识别代号"),
        sa.Column("plate", sa.String(length=20), nullable=False, comment="号牌或临时号牌"),
        sa.Column("temporary_plate", sa.Boolean(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False, comment="车型"),
        sa.Column("notice_no", sa.String(length=40), nullable=True, comment="公告号"),
        sa.Column("automation_level", sa.String(length=4), nullable=False, comment="L3, L4 or L5"),
        sa.Column("scenarios", sa.JSON(), nullable=False, comment="Scenario keys it may run"),
        sa.Column("supervision", sa.String(length=20), nullable=False, comment="a Supervision"),
        sa.Column("insurer", sa.String(length=100), nullable=True),
        sa.Column("insurance_policy_no", sa.String(length=60), nullable=True, comment="保单号"),
        sa.Column("cover_fen", sa.BigInteger(), nullable=False, comment="保险金额 in fen"),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "automation_level IN ('L3', 'L4', 'L5')", name=op.f("ck_av_vehicles_level_known")
        ),
        sa.CheckConstraint("cover_fen >= 0", name=op.f("ck_av_vehicles_cover_not_negative")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_av_vehicles_enterprise_id_enterprises"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_av_vehicles")),
        sa.UniqueConstraint("vin", name=op.f("uq_av_vehicles_vin")),
    )
    with op.batch_alter_table("av_vehicles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_av_vehicles_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "av_incidents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "vehicle_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, comment="an IncidentStatus"),
        sa.Column(
            "responsible",
            sa.Boolean(),
            nullable=True,
            comment="the finding: the vehicle was responsible (None until closed)",
        ),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["av_vehicles.id"],
            name=op.f("fk_av_incidents_vehicle_id_av_vehicles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_av_incidents")),
    )
    with op.batch_alter_table("av_incidents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_av_incidents_vehicle_id"), ["vehicle_id"], unique=False
        )

    op.create_table(
        "av_permits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("permit_no", sa.String(length=40), nullable=False, comment="牌照编号"),
        sa.Column(
            "vehicle_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("stage", sa.String(length=24), nullable=False, comment="a PermitStage"),
        sa.Column(
            "scenario", sa.String(length=24), nullable=True, comment="the Scenario it licenses"
        ),
        sa.Column("status", sa.String(length=12), nullable=False, comment="a PermitStatus"),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False, comment="inclusive"),
        sa.Column("renewals", sa.Integer(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True, comment="the day it was revoked"),
        sa.Column("reason", sa.Text(), nullable=True, comment="the last suspension/revocation"),
        sa.CheckConstraint(
            "status IN ('active', 'suspended', 'revoked')", name=op.f("ck_av_permits_status_known")
        ),
        sa.CheckConstraint(
            "valid_until >= valid_from", name=op.f("ck_av_permits_validity_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["av_vehicles.id"],
            name=op.f("fk_av_permits_vehicle_id_av_vehicles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_av_permits")),
        sa.UniqueConstraint("permit_no", name=op.f("uq_av_permits_permit_no")),
    )
    with op.batch_alter_table("av_permits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_av_permits_valid_until"), ["valid_until"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_av_permits_vehicle_id"), ["vehicle_id"], unique=False)

    op.create_table(
        "av_disengagements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "vehicle_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("permit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("initiated_by", sa.String(length=12), nullable=False, comment="an Initiator"),
        sa.Column("road_type", sa.String(length=12), nullable=False, comment="a RoadType"),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["permit_id"],
            ["av_permits.id"],
            name=op.f("fk_av_disengagements_permit_id_av_permits"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["av_vehicles.id"],
            name=op.f("fk_av_disengagements_vehicle_id_av_vehicles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_av_disengagements")),
    )
    with op.batch_alter_table("av_disengagements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_av_disengagements_occurred_on"), ["occurred_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_av_disengagements_vehicle_id"), ["vehicle_id"], unique=False
        )

    op.create_table(
        "av_mileage",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "vehicle_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("permit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=False, comment="YYYY-MM"),
        sa.Column("mode", sa.String(length=16), nullable=False, comment="a Mode"),
        sa.Column("km", sa.Float(), nullable=False, comment="公里"),
        sa.Column("hours", sa.Float(), nullable=True, comment="测试时长（小时）"),
        sa.CheckConstraint("km >= 0", name=op.f("ck_av_mileage_km_not_negative")),
        sa.ForeignKeyConstraint(
            ["permit_id"],
            ["av_permits.id"],
            name=op.f("fk_av_mileage_permit_id_av_permits"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["av_vehicles.id"],
            name=op.f("fk_av_mileage_vehicle_id_av_vehicles"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_av_mileage")),
        sa.UniqueConstraint(
            "vehicle_id", "month", "mode", name=op.f("uq_av_mileage_vehicle_id_month_mode")
        ),
    )
    with op.batch_alter_table("av_mileage", schema=None) as batch_op:
        batch_op.create_index("ix_av_mileage_month", ["month"], unique=False)
        batch_op.create_index(batch_op.f("ix_av_mileage_vehicle_id"), ["vehicle_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("av_mileage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_av_mileage_vehicle_id"))
        batch_op.drop_index("ix_av_mileage_month")

    op.drop_table("av_mileage")
    with op.batch_alter_table("av_disengagements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_av_disengagements_vehicle_id"))
        batch_op.drop_index(batch_op.f("ix_av_disengagements_occurred_on"))

    op.drop_table("av_disengagements")
    with op.batch_alter_table("av_permits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_av_permits_vehicle_id"))
        batch_op.drop_index(batch_op.f("ix_av_permits_valid_until"))

    op.drop_table("av_permits")
    with op.batch_alter_table("av_incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_av_incidents_vehicle_id"))

    op.drop_table("av_incidents")
    with op.batch_alter_table("av_vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_av_vehicles_enterprise_id"))

    op.drop_table("av_vehicles")
    op.drop_table("av_roads")
