"""Imports every domain's models so the metadata (and Alembic) knows every table."""

from __future__ import annotations


def import_all_models() -> None:
    import yuanqu.accounts.models
    import yuanqu.agreements.models
    import yuanqu.attraction.models
    import yuanqu.av.models
    import yuanqu.chains.models
    import yuanqu.core.audit
    import yuanqu.core.db
    import yuanqu.core.holidays
    import yuanqu.funds.models
    import yuanqu.grants.models
    import yuanqu.grants.recoveries
    import yuanqu.insurance.models
    import yuanqu.mu.models
    import yuanqu.plans.models
    import yuanqu.policies.models
    import yuanqu.projects.models
    import yuanqu.registry.models
    import yuanqu.service.models
    import yuanqu.space.models
    import yuanqu.stats.models
    import yuanqu.watch.models  # noqa: F401
