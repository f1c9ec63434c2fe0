"""Which analytics engine runs a definition: DuckDB in-process (default) or Spark over Parquet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from yuanqu.core.config import get_settings
from yuanqu.core.errors import ValidationError

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class EngineChoice:
    """``duckdb`` reads the system of record; ``spark`` reads the Parquet dataset ``source``
    written by ``yuanqu export parquet``, on ``master`` (None: ``local[2]``)."""

    name: Literal["duckdb", "spark"] = "duckdb"
    source: Path | None = None
    master: str | None = None

    @property
    def is_spark(self) -> bool:
        return self.name == "spark"

    @classmethod
    def resolve(
        cls, name: str | None = None, source: Path | None = None, master: str | None = None
    ) -> EngineChoice:
        """The CLI's options over the settings (``YUANQU_ENGINE``, ``YUANQU_SPARK_SOURCE``,
        ``YUANQU_SPARK_MASTER``); checked: Spark needs a source."""
        settings = get_settings()
        chosen = name or settings.engine
        if chosen not in ENGINES:
            raise ValidationError(
                f"未知的引擎 '{chosen}'（可用：{'、'.join(ENGINES)}）",
                f"unknown engine '{chosen}' (known: {', '.join(ENGINES)})",
                details={"field": "engine", "value": chosen},
            )
        if chosen == "duckdb":
            return cls()
        source = source or settings.spark_source
        if source is None:
            raise ValidationError(
                "Spark 引擎需要数据集目录：--source DIR（由 yuanqu export parquet 写出）",
                "the Spark engine needs a dataset: --source DIR (written by `yuanqu export "
                "parquet`)",
                details={"field": "source"},
            )
        return cls("spark", Path(source), master or settings.spark_master)


DUCKDB = EngineChoice()
