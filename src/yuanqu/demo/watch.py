"""Firms in trouble for the demo's watch list: a few small reporting firms whose output falls
below 60% of a year before in October to December 2023 (and, for some, their headcount), and a
few high-tech firms whose certificate ends in February 2024 with no renewal. Small firms are
chosen so the zone's calibrated totals move by a hair."""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from yuanqu.core.db import bump_data_version
from yuanqu.registry.models import EnterpriseLabel
from yuanqu.stats.models import MonthlyReport

DECLINE_MONTHS = ("2023-10", "2023-11", "2023-12")
CERTIFICATE_END = date(2024, 2, 15)


def add_firms_in_trouble(session: Session, *, seed: int, firms: int = 40) -> dict[str, int]:
    """Write the demo's signals; returns how many firms got each."""
    rng = np.random.default_rng(seed + 23)
    base = {
        (firm, period): (output, staff)
        for firm, period, output, staff in session.execute(
            select(
                MonthlyReport.enterprise_id,
                MonthlyReport.period,
                MonthlyReport.gross_output_fen,
                MonthlyReport.employees,
            ).where(MonthlyReport.period.in_(("2022-10", "2022-11", "2022-12", *DECLINE_MONTHS)))
        )
    }
    complete = sorted(
        {
            firm
            for firm, _p in base
            if all(
                (base.get((firm, f"2022-{m}"), (None, None))[0] or 0) > 0
                and (firm, f"2023-{m}") in base
                for m in ("10", "11", "12")
            )
        },
        key=lambda f: base[(f, "2022-12")][0],
    )
    small = complete[: max(firms * 5, 1)]  # the smallest fifth-or-so of the candidates
    chosen = sorted(rng.choice(small, size=min(firms, len(small)), replace=False).tolist())
    staff_cut = 0
    for index, firm in enumerate(chosen):
        for month in ("10", "11", "12"):
            before_output, before_staff = base[(firm, f"2022-{month}")]
            values = {"gross_output_fen": before_output * 6 // 10}
            if index % 2 == 0 and month == "12" and (before_staff or 0) >= 20:
                values["employees"] = before_staff * 6 // 10
                staff_cut += 1
            session.execute(
                update(MonthlyReport)
                .where(MonthlyReport.enterprise_id == firm, MonthlyReport.period == f"2023-{month}")
                .values(
                    **values,
                    # value added stays within output (a constraint of the table)
                    value_added_fen=MonthlyReport.value_added_fen * 6 // 10,
                )
            )
    labels = session.scalars(
        select(EnterpriseLabel)
        .where(
            EnterpriseLabel.label == "high_tech",
            EnterpriseLabel.valid_from <= date(2023, 12, 31),
            (EnterpriseLabel.valid_to.is_(None)) | (EnterpriseLabel.valid_to > CERTIFICATE_END),
        )
        .order_by(EnterpriseLabel.id)
    ).all()
    starts: dict[int, list[date]] = {}
    for firm, start in session.execute(
        select(EnterpriseLabel.enterprise_id, EnterpriseLabel.valid_from).where(
            EnterpriseLabel.label == "high_tech"
        )
    ):
        starts.setdefault(firm, []).append(start or date.min)
    expiring = 0
    if labels:
        picks = rng.choice(len(labels), size=min(25, len(labels)), replace=False)
        for pick in sorted(picks.tolist()):
            label = labels[pick]
            later = any(
                start > (label.valid_from or date.min) for start in starts[label.enterprise_id]
            )
            if not later:
                label.valid_to = CERTIFICATE_END
                expiring += 1
    bump_data_version(session, "stats")
    bump_data_version(session, "registry")
    return {"output_decline": len(chosen), "staff_decline": staff_cut, "certificate": expiring}
