"""Reference data shipped with yuanqu (industry codes, divisions, chains, policies...)."""

from __future__ import annotations

from importlib import resources


def read_text(name: str) -> str:
    """A shipped data file's text, by its path under ``yuanqu/data`` (``"industry/x.csv"``)."""
    return resources.files("yuanqu.data").joinpath(*name.split("/")).read_text("utf-8")
