"""Grants (政策兑现): award cases, review workflow, public notice, the budget-safe ledger."""
