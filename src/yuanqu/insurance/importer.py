"""Importing insurers' files (xlsx or CSV): policies, then claims. All rows or none.

Every row is validated before anything is written and every bad cell is named (row, column,
value, reason), as in every yuanqu import. The jobs live beside this entry point: the cells
(:mod:`yuanqu.insurance.cells`), policies (:mod:`yuanqu.insurance.policy_import`) and claims
(:mod:`yuanqu.insurance.claim_import`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy.orm import Session

from yuanqu.core.tabular import read_table
from yuanqu.insurance.cells import CLAIM_COLUMNS, POLICY_COLUMNS
from yuanqu.insurance.claim_import import validate_claims, write_claims
from yuanqu.insurance.policy_import import validate_policies, write_policies

__all__ = [
    "CLAIM_COLUMNS",
    "POLICY_COLUMNS",
    "ImportKind",
    "InsuranceImportResult",
    "import_insurance",
    "validate_claims",
    "validate_policies",
    "write_claims",
    "write_policies",
]


class ImportKind(StrEnum):
    policies = "policies"
    claims = "claims"


@dataclass(frozen=True)
class InsuranceImportResult:
    kind: str
    rows: int
    created: int
    replaced: int
    source: str = ""


def import_insurance(
    session: Session,
    *,
    source: Path | str | bytes,
    kind: ImportKind = ImportKind.policies,
    filename: str | None = None,
    replace: bool = False,
) -> InsuranceImportResult:
    """Read, validate and write an insurer's file; any bad row rejects the whole file."""
    table = read_table(source, filename=filename)
    if kind == ImportKind.policies:
        rows = validate_policies(session, table)
        created, replaced = write_policies(session, rows, replace=replace)
    else:
        rows = validate_claims(session, table)
        created, replaced = write_claims(session, rows, replace=replace)
    return InsuranceImportResult(kind.value, len(rows), created, replaced, table.source)
