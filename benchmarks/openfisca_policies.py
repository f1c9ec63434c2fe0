"""The benchmark's 200 policy variants written for OpenFisca (optional: ``pip install
'yuanqu[bench-openfisca]'``; openfisca-core is AGPL and never a runtime dependency of yuanqu).

One entity (the firm), the base inputs as input variables, and per variant an ``eligible_<k>``
and an ``award_<k>`` variable with numpy formulas, the same rules as ``hand_written``. OpenFisca
stores ``int`` as int32 and ``float`` as float32 (openfisca_core.variables.config.VALUE_TYPES):
fen overflow int32 beyond 21.47 million yuan, so money goes in as float32 yuan, as an OpenFisca
country package would hold it, and the awards are counted against yuanqu's exact fen.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from openfisca_core.entities import build_entity
from openfisca_core.periods import DateUnit
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

Firm = build_entity(key="firm", plural="firms", label="firm", is_person=True)
PERIOD = "2023"
INPUTS = {
    "revenue": float,
    "rd_expense": float,
    "rd_expense_prev": float,
    "high_tech_product_revenue": float,
    "employees": int,
    "tech_staff": int,
    "ip_count": int,
    "registered_one_year": bool,
}


def _variable(name: str, value_type, formula=None) -> type:
    attrs = {"value_type": value_type, "entity": Firm, "definition_period": DateUnit.YEAR}
    if formula is not None:
        attrs["formula"] = formula
    return type(name, (Variable,), attrs)


def system(variants: int, floor_yuan: float, cap_yuan: float) -> TaxBenefitSystem:
    tbs = TaxBenefitSystem([Firm])
    for name, value_type in INPUTS.items():
        tbs.add_variable(_variable(name, value_type))
    for k in range(variants):
        if k % 2 == 0:
            share = np.float32(0.60 - k / 10000)

            def high_tech(firm, period, _parameters, share=share):
                revenue = firm("revenue", period)
                with np.errstate(divide="ignore", invalid="ignore"):
                    rd_min = np.select([revenue <= 5e7, revenue <= 2e8], [0.05, 0.04], default=0.03)
                    return (
                        (revenue > 0)
                        * (firm("employees", period) > 0)
                        * firm("registered_one_year", period)
                        * (firm("ip_count", period) >= 1)
                        * (firm("rd_expense", period) / revenue >= rd_min)
                        * (firm("high_tech_product_revenue", period) / revenue >= share)
                        * (firm("tech_staff", period) / firm("employees", period) >= 0.10)
                    )

            tbs.add_variable(_variable(f"eligible_{k}", bool, high_tech))
        else:
            rate = np.float32(0.10 + k / 10000)

            def reward(firm, period, _parameters, rate=rate):
                rd, prev = firm("rd_expense", period), firm("rd_expense_prev", period)
                ok = (rd >= floor_yuan) * (rd > prev)
                return np.where(ok, np.minimum(np.round((rd - prev) * rate, 2), cap_yuan), 0)

            tbs.add_variable(_variable(f"award_{k}", float, reward))
    return tbs


def evaluate(
    base: pa.Table, variants: int, *, floor_yuan: float, cap_yuan: float
) -> dict[int, np.ndarray]:
    """Every variant for every firm: eligibility (even k) or award in yuan (odd k)."""
    tbs = system(variants, floor_yuan, cap_yuan)
    sim = SimulationBuilder().build_default_simulation(tbs, count=base.num_rows)

    def col(name: str) -> np.ndarray:
        return base.column(name).to_numpy(zero_copy_only=False)

    fen = lambda name: np.nan_to_num(col(name).astype(np.float64)) / 100  # noqa: E731
    sim.set_input("revenue", PERIOD, fen("revenue_fen"))
    sim.set_input("rd_expense", PERIOD, fen("rd_expense_fen"))
    sim.set_input("rd_expense_prev", PERIOD, fen("rd_expense_prev_fen"))
    sim.set_input("high_tech_product_revenue", PERIOD, fen("fact_high_tech_product_revenue"))
    sim.set_input("employees", PERIOD, col("employees_stats").astype(np.int32))
    sim.set_input("tech_staff", PERIOD, col("fact_tech_staff").astype(np.int32))
    sim.set_input(
        "ip_count", PERIOD, (col("fact_invention_patents") + col("fact_class2_ip")).astype(np.int32)
    )
    established = col("established").astype("datetime64[D]")
    sim.set_input("registered_one_year", PERIOD, established <= np.datetime64("2022-12-31"))
    out = {}
    for k in range(variants):
        name = f"eligible_{k}" if k % 2 == 0 else f"award_{k}"
        out[k] = sim.calculate(name, PERIOD)
    return out
