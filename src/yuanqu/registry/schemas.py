"""Pydantic v2 shapes of the registry at its edges (API, CLI JSON, pages)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CountBy = Literal["label", "section", "division", "sub_area", "task_force"]
SortKey = Literal["name", "uscc", "established", "registered_capital", "employees"]


class LabelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    label: str
    valid_from: date | None = None
    valid_to: date | None = None
    certificate: str | None = None
    exchange: str | None = None
    ticker: str | None = None


class EnterpriseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    uscc: str
    name: str
    industry_code: str
    industry_section: str
    established: date | None = None
    registered_capital_fen: int | None = Field(None, description="registered capital in fen")
    employees: int | None = None
    address: str | None = None
    sub_area: str | None = None
    task_force: str | None = None
    labels: list[LabelRead] = []
    active_labels: list[str] = Field(
        [], description="labels held on the listing's as-of date, each once (listings only)"
    )


class EnterpriseFilter(BaseModel):
    """Which firms: every given criterion must hold; labels are judged as of ``as_of``."""

    labels: list[str] = []
    industry: str | None = Field(None, description="GB/T 4754 code at any level, e.g. C, 39, 3973")
    sub_area: str | None = None
    task_force: str | None = None
    q: str | None = Field(None, description="name contains, or credit code starts with")
    as_of: date | None = Field(None, description="date the labels are judged at; default today")
    usccs: list[str] | None = Field(None, description="restrict to these firms (enterprise users)")
    task_forces: list[str] | None = Field(
        None, description="restrict to firms of these task forces (task-force users)"
    )


class EnterprisePage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[EnterpriseRead]


class CountRow(BaseModel):
    group: str
    count: int
