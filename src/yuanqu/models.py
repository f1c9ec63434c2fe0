"""Imports every domain's models so the metadata (and Alembic) knows every table."""

from __future__ import annotations


def import_all_models() -> None:
    import yuanqu.core.db
    import yuanqu.policies.models
    import yuanqu.registry.models
    import yuanqu.stats.models  # noqa: F401
