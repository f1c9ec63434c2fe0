"""The watch list's shapes at the boundary (API, CLI JSON, pages)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class Signal(BaseModel):
    rule: str = Field(description="the rule id, e.g. output_decline")
    name: str = Field(description="the rule's name in the reader's language")
    weight: int
    evidence: list[str] = Field(default_factory=list, description="what a request said")


class WatchEntry(BaseModel):
    """One firm on the watch list."""

    uscc: str
    name: str
    signals: list[str] = Field(description="the ids of the rules that flag the firm")
    signal_details: list[Signal]
    score: int = Field(description="the sum of the weights of its signals")
    owner: str | None = Field(description="its adviser, else its task force's code")
    task_force: str | None = Field(default=None, description="the code of the firm's task force")
    owner_name: str | None = Field(description="the owner as a person reads it")
    case_id: int | None = Field(default=None, description="the open case on it, if any")


class RuleStatus(BaseModel):
    rule: str
    name: str
    weight: int
    flagged: int = Field(description="firms this rule flags in the reader's scope")
    source: bool = Field(description="False: the rule has nothing to read yet (no service desk)")


class WatchList(BaseModel):
    as_of: str
    total: int = Field(description="every firm flagged in the reader's scope")
    offset: int
    items: list[WatchEntry]
    rules: list[RuleStatus]


class CaseOpen(BaseModel):
    uscc: str
    as_of: str = Field(pattern=r"^\d{4}-\d{2}$")
    follow_up: str = Field(pattern="^(visit|request)$")
    follow_up_on: date
    note: str | None = Field(default=None, max_length=2000)


class CaseOutcome(BaseModel):
    outcome: str = Field(pattern="^(resolved|false_alarm|lost)$")
    note: str | None = Field(default=None, max_length=2000)


class CaseRead(BaseModel):
    id: int
    uscc: str
    name: str
    as_of: str
    signals: list[str]
    score: int
    owner: str | None
    follow_up: str
    follow_up_name: str
    follow_up_on: date
    note: str | None
    opened_by: str
    outcome: str | None
    outcome_name: str | None
    outcome_note: str | None
    decided_by: str | None
    decided_at: datetime | None


class CasePage(BaseModel):
    total: int
    offset: int
    items: list[CaseRead]


class Precision(BaseModel):
    """How often a signal was right: of the decided cases, the share that were not false alarms."""

    rule: str | None = Field(description="None: every case")
    name: str
    decided: int
    resolved: int
    lost: int
    false_alarms: int
    precision: float | None = Field(description="(resolved + lost) / decided, as a fraction")
