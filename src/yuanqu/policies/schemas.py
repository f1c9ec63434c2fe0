"""Pydantic v2 shapes of the policies domain at its edges: the simulation's request and the JSON the
API returns (the catalogue, a policy's text and figures, a year's evaluation, a firm's
entitlements and explanation, a simulation).

Amounts are integer fen; dates are ``date`` (ISO 8601 in JSON). Parameter values and band bounds
are exact decimals written as text ("0.15", "50000000"), as the policy files write them; the
``*_text`` fields word them for the reader (15%, 5,000.00万元). The services build these shapes as
dicts (:mod:`yuanqu.policies.service`, :mod:`yuanqu.policies.views`,
:class:`yuanqu.policies.explain.Explanation`); the routes declare them as their response models.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

# --- request bodies ------------------------------------------------------------------------------


class SimulationRequest(BaseModel):
    year: int = Field(ge=2000, le=2100, description="award year")
    overrides: dict[Annotated[str, Field(max_length=63)], Annotated[str, Field(max_length=40)]] = (
        Field(max_length=20, description="scalar parameter (or budget) -> new value, e.g. 15%")
    )
    top: int = Field(default=20, ge=0, le=500, description="firms that gain or lose most")


# --- the catalogue -------------------------------------------------------------------------------


class ConditionText(BaseModel):
    id: str
    label: str = Field(description="the condition in the request's language")
    when: str = Field(description="the condition's expression as the policy file writes it")


class BandValue(BaseModel):
    range: str = Field(description="the band's bounds, e.g. [0, 100)")
    value: str = Field(description="exact decimal")


class ParameterVersionSummary(BaseModel):
    # "from" is a Python keyword: the field is from_, the JSON key "from".
    from_: date = Field(alias="from", description="in force from this date")
    value: str | None = Field(description="exact decimal (a scalar parameter)")
    bands: list[BandValue] = Field(description="the band table (a band parameter)")


class ParameterSummary(BaseModel):
    name: str
    label: str
    unit: str
    versions: list[ParameterVersionSummary]


class PolicySummary(BaseModel):
    """A shipped policy in the catalogue."""

    id: str
    title: str
    basis: str = Field(description="the document the policy implements")
    effective_from: date
    effective_to: date | None
    period: str = Field(description="which year's data an award year reads, e.g. previous_year")
    auto_entitlement: bool = Field(description="免申即享: paid without an application")
    evidence: list[str] = Field(description="the evidence an application must carry")
    conditions: list[ConditionText]
    amount: str | None = Field(description="the amount's expression")
    cap_per_firm: str | None = Field(description="the cap's expression")
    budget_fen: int | None
    allocation: str = Field(description="pro_rata, first_come or ranked")
    exclusive_group: str | None
    parameters: list[ParameterSummary]


# --- a policy's text -----------------------------------------------------------------------------


class BandRow(BaseModel):
    range: str
    lower: str | None = Field(description="exact decimal; None: unbounded")
    lower_inclusive: bool
    upper: str | None = Field(description="exact decimal; None: unbounded")
    upper_inclusive: bool
    lower_text: str
    upper_text: str
    value: str
    value_text: str


class ParameterVersionText(BaseModel):
    from_: date = Field(alias="from", description="in force from this date")
    value: str | None
    value_text: str | None
    bands: list[BandRow]


class ParameterText(BaseModel):
    name: str
    label: str
    kind: str = Field(description="scalar or band")
    unit: str
    mid_year: str = Field(description="how a change within the year applies")
    band_input: str | None = Field(description="the variable a band table is looked up with")
    band_input_label: str | None
    versions: list[ParameterVersionText]


class DerivedText(BaseModel):
    name: str
    expression: str


class AllocationText(BaseModel):
    method: str = Field(description="pro_rata, first_come or ranked")
    explained: str
    order_by: str | None = Field(description="the ranking expression (ranked)")


class PolicyRef(BaseModel):
    id: str
    title: str


class PolicyText(BaseModel):
    """Everything a policy file says (the policy page's twin)."""

    id: str
    title: str
    basis: str
    effective_from: date
    effective_to: date | None
    period: str
    auto_entitlement: bool
    evidence: list[str]
    conditions: list[ConditionText]
    amount: str | None
    cap_per_firm: str | None
    budget_fen: int | None
    allocation: AllocationText
    exclusive_group: str | None
    parameters: list[ParameterText]
    title_zh: str
    title_en: str
    description: str | None
    derived: list[DerivedText]
    budget_text: str | None
    cap_text: str | None = Field(description="a plain-amount cap worded as money")
    other_in_group: list[PolicyRef]


# --- figures -------------------------------------------------------------------------------------


class PolicyTotals(BaseModel):
    """A policy's firms by status and its money for an award year."""

    policy: str
    eligible: int
    missing: int = Field(description="firms the data cannot decide")
    excluded: int = Field(description="eligible, but a larger award of the group pays them")
    beneficiaries: int = Field(description="firms allocated more than nothing")
    claimed_fen: int = Field(description="the eligible firms' capped amounts")
    allocated_fen: int = Field(description="after the budget and the exclusive group")
    budget_fen: int | None


class GroupAllocation(BaseModel):
    policy: str
    group: str | None = Field(description="industry section or task force")
    firms: int
    allocated_fen: int


class NamedGroupAllocation(GroupAllocation):
    name: str = Field(description="the industry section's name")


class YearEvaluation(BaseModel):
    """A year's evaluation in aggregate (no per-firm amounts)."""

    year: int
    totals: list[PolicyTotals]
    by_industry: list[GroupAllocation]
    by_task_force: list[GroupAllocation]


class MissingInput(BaseModel):
    name: str
    label: str
    firms: int = Field(description="firms that lack it")
    year: int = Field(description="the data year it is read for")
    supply: str = Field(description="how an official supplies it")


class PolicyStatistics(BaseModel):
    policy: str
    year: int
    data_year: int
    in_effect: Literal[True]
    totals: PolicyTotals
    by_industry: list[NamedGroupAllocation]
    by_task_force: list[GroupAllocation]
    missing_inputs: list[MissingInput] = Field(
        default_factory=list, description="what the undecided firms lack, and how to supply it"
    )


class PolicyNotInEffect(BaseModel):
    policy: str
    year: int
    in_effect: Literal[False]
    totals: None


# --- explanations --------------------------------------------------------------------------------


class BandHit(BaseModel):
    input: str = Field(description="the value looked up, exact decimal")
    range: str | None = Field(description="the band it fell in")
    value: str | None = Field(description="that band's value")
    version: list[date] = Field(description="the parameter version(s) in force")


class ConditionVerdict(BaseModel):
    id: str
    label: str
    expression: str
    verdict: str = Field(description="pass, fail or missing")
    # The variables, parameters and derived values the condition read, by name: open maps (the
    # names are the policy's), each value an exact decimal as text, a boolean, text or None.
    inputs: dict[str, Any]
    parameters: dict[str, Any]
    bands: dict[str, BandHit]
    derived: dict[str, Any]
    message: str
    to_pass: str | None = Field(description="what it would take to pass (a failed comparison)")


class Explanation(BaseModel):
    """Why a firm is or is not entitled under a policy, condition by condition."""

    policy: str
    title: str
    uscc: str
    award_year: int
    data_year: int
    status: str = Field(description="eligible, missing, excluded or ineligible")
    failed: int | None = Field(description="index of the first condition failed (or missing)")
    conditions: list[ConditionVerdict]
    amount_fen: int | None
    capped_fen: int | None
    allocated_fen: int | None
    steps: list[str]
    missing: list[str] = Field(description="variables without data (status missing)")


class ParameterUsed(BaseModel):
    name: str
    label: str
    versions: list[date]
    how: str = Field(description="by_date, pro_rata or none")
    band: str | None
    value_text: str | None


class EntitlementCondition(ConditionVerdict):
    parameters_used: list[ParameterUsed]


class Entitlement(Explanation):
    conditions: list[EntitlementCondition]  # each with the parameters it read, worded
    basis: str
    auto_entitlement: bool
    evidence: list[str]
    exclusive_group: str | None


class FirmEntitlements(BaseModel):
    """Every policy in effect for the firm's year, explained; most entitled first."""

    uscc: str
    year: int
    entitled: int
    allocated_fen: int
    policies: list[Entitlement]
    not_in_effect: list[PolicyRef]


# --- simulation ----------------------------------------------------------------------------------


class SimulationSide(BaseModel):
    eligible: int
    excluded: int = Field(description="eligible, but a larger award of the group pays them")
    beneficiaries: int
    cost_fen: int


class DistributionRow(BaseModel):
    group: str | None
    firms: int
    allocated_fen: int
    before_firms: int
    before_fen: int


class Distribution(BaseModel):
    industry_section: list[DistributionRow]
    task_force: list[DistributionRow]
    size_class: list[DistributionRow]


class FirmChange(BaseModel):
    uscc: str
    name: str | None
    industry_section: str | None
    before_fen: int
    after_fen: int
    change_fen: int


class Simulation(BaseModel):
    """The policy as it stands (before) against the policy with the overrides (after)."""

    policy: str
    year: int
    overrides: dict[str, str]
    exclusive_group: str | None
    group_policies: list[str]
    before: SimulationSide
    after: SimulationSide
    distribution: Distribution
    gainers: int
    losers: int
    changes: list[FirmChange] = Field(description="the firms that gain or lose most")
