"""The Spark engine against the DuckDB engine on one small demo zone: the same bulletins and the
same chain coverage (exact counts, money to the yuan), through the services and through the CLI.

One SparkSession (local[2]) serves the whole test session; the demo is built and exported once,
from SQLite, and PostgreSQL is checked to export the same dataset."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests import conftest
from tests.factories.export import dataset_differences, exported_zone
from tests.factories.stats import add_price
from yuanqu.analytics import spark
from yuanqu.analytics.choice import EngineChoice
from yuanqu.analytics.parquet import MANIFEST
from yuanqu.analytics.spark import to_spark_sql
from yuanqu.chains import analysis
from yuanqu.chains.definitions import shipped_chains
from yuanqu.core.db import session_scope
from yuanqu.core.errors import ValidationError
from yuanqu.demo.service import build_demo
from yuanqu.policies import service as policies
from yuanqu.stats import service as stats

pytestmark = pytest.mark.xdist_group("spark")

pytest.importorskip("pyspark", reason="the Spark engine is the optional extra 'spark'")

FIRMS = 3000
AS_OF = date(2023, 12, 31)


def _build(session: Session) -> None:
    """The demo zone with price indices, so growth is at comparable prices."""
    build_demo(session, seed=11, firms=FIRMS)
    for month in range(1, 13):
        add_price(session, "39", f"2023-{month:02d}", 101.5 + month / 10)
        add_price(session, "27", f"2023-{month:02d}", 98.0)


@pytest.fixture(scope="module")
def zone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[conftest.TestDatabase, Path]]:
    """The zone committed on a SQLite file of its own and exported. Spark reads only the
    export, so its comparisons run once, not per backend: that PostgreSQL exports the very
    same dataset is :func:`test_postgresql_exports_the_same_dataset`."""
    with conftest.fresh_database("sqlite", tmp_path_factory) as database:
        root = tmp_path_factory.mktemp("spark")
        try:
            with exported_zone(database.url, root, _build) as dataset:
                yield database, dataset
        finally:
            spark.forget_snapshots()


def test_postgresql_exports_the_same_dataset(zone, tmp_path_factory) -> None:
    """The same zone built on PostgreSQL exports the same tables, types and rows as on SQLite,
    so what the Spark tests prove on the SQLite export holds for a PostgreSQL zone's (and
    DuckDB over each database gives the same figures: the golden tests run on both)."""
    _db, dataset = zone
    with conftest.fresh_database("postgresql", tmp_path_factory) as pg:
        root = tmp_path_factory.mktemp("spark_pg")
        with exported_zone(pg.url, root, _build) as pg_dataset:
            assert dataset_differences(dataset, pg_dataset) == []


@pytest.fixture(scope="module", autouse=True)
def _stop_spark() -> Iterator[None]:
    yield
    spark.stop_sessions()


def same(left: object, right: object, path: str = "") -> list[str]:
    """Differences between two JSON-like values: numbers to 1e-9 relative (growth rates and
    shares come from a division in each engine), everything else exactly."""
    if isinstance(left, dict) and isinstance(right, dict):
        if left.keys() != right.keys():
            return [f"{path}: keys {sorted(left)} != {sorted(right)}"]
        return [d for k in left for d in same(left[k], right[k], f"{path}.{k}")]
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return [f"{path}: {len(left)} rows != {len(right)}"]
        return [
            d
            for i, (a, b) in enumerate(zip(left, right, strict=True))
            for d in same(a, b, f"{path}[{i}]")
        ]
    if isinstance(left, float) or isinstance(right, float):
        if (
            left is None
            or right is None
            or not math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)
        ):
            return [f"{path}: {left!r} != {right!r}"]
        return []
    return [] if left == right else [f"{path}: {left!r} != {right!r}"]


class TestBulletin:
    @pytest.mark.parametrize(("period", "scope"), [("2023-12", "all"), ("2023-02", "above_scale")])
    def test_spark_bulletin_equals_duckdb(self, zone, period: str, scope: str) -> None:
        _db, dataset = zone
        with session_scope() as session:
            local = stats.bulletin(session, period=period, scope=scope)
            remote = stats.bulletin(
                session, period=period, scope=scope, engine=EngineChoice("spark", dataset)
            )
        assert local.price_basis == "comparable"
        assert local.firms_reporting > 100
        assert len(local.rows) > 100
        assert same(local.model_dump(), remote.model_dump()) == []
        # Money exactly: the sums are integers of fen in both engines.
        money = [(r.cumulative, s.cumulative) for r, s in zip(local.rows, remote.rows, strict=True)]
        assert all(a == b for a, b in money if isinstance(a, int))

    def test_only_the_bulletin_rows_come_back_to_the_driver(self, zone) -> None:
        """On Spark the per-firm table stays in the engine: every result collected into this
        process is at most one row per group of the bulletin, never one per firm."""
        _db, dataset = zone
        spark.forget_snapshots()  # a fresh snapshot: nothing memoised, every step runs
        spark.COLLECTED.clear()
        with session_scope() as session:
            remote = stats.bulletin(
                session, period="2023-09", engine=EngineChoice("spark", dataset)
            )
        collected = list(spark.COLLECTED)
        groups = len({(r.by, r.group) for r in remote.rows})
        assert remote.firms_reporting > groups  # so a per-firm result would show
        assert collected, "the bulletin's rows came back through to_arrow"
        assert groups in collected  # the bulletin's own result: one row per group
        assert max(collected) == groups
        assert sum(collected) < remote.firms_reporting

    def test_the_reports_follow_the_export_not_the_database(self, zone) -> None:
        """Spark reads the dataset: a report imported after the export is not in it."""
        _db, dataset = zone
        manifest = json.loads((dataset / MANIFEST).read_text())
        assert manifest["format_version"] == 1
        assert manifest["rows"]["monthly_reports"] > 1000
        assert sorted(p.name for p in (dataset / "monthly_reports").iterdir())[-1].startswith(
            "year="
        )


class TestCoverage:
    def test_spark_coverage_equals_duckdb_for_every_chain(self, zone) -> None:
        _db, dataset = zone
        with session_scope() as session:
            for chain in shipped_chains():
                local = analysis.chain_coverage(session, chain=chain.key, as_of=AS_OF)
                remote = analysis.chain_coverage(
                    session, chain=chain.key, as_of=AS_OF, engine=EngineChoice("spark", dataset)
                )
                assert same(local.model_dump(), remote.model_dump()) == [], chain.key
        assert sum(s.firms for s in local.segments) > 0


class TestPolicies:
    def test_spark_policy_results_equal_duckdb_on_the_demo(self, zone) -> None:
        """Every shipped policy for 2024 (the demo's 2023 statistics and policy facts)."""
        _db, dataset = zone
        shipped = list(policies.shipped_policies())
        with session_scope() as session:
            local = policies.report(policies.run(session, year=2024, policies=shipped))
            remote = policies.report(
                policies.run(
                    session, year=2024, policies=shipped, engine=EngineChoice("spark", dataset)
                )
            )
        assert sum(t["eligible"] for t in local["totals"]) > 0
        assert local["totals"] == remote["totals"]
        assert local["by_industry"] == remote["by_industry"]
        assert local["rows"] == remote["rows"]


class TestCli:
    def test_stats_report_prints_the_same_json(self, zone, cli, tmp_path) -> None:
        db, dataset = zone
        base = ("--db", db.url, "stats", "report", "--period", "2023-12", "--format", "json")
        local = cli(*base)
        remote = cli(*base, "--engine", "spark", "--source", str(dataset))
        assert local.exit_code == 0, local.stderr
        assert remote.exit_code == 0, remote.stderr
        assert same(json.loads(local.stdout), json.loads(remote.stdout)) == []

    def test_chains_coverage_prints_the_same_table(self, zone, cli) -> None:
        db, dataset = zone
        base = ("--db", db.url, "chains", "coverage", "ic", "--as-of", "2023-12-31")
        local = cli(*base)
        remote = cli(*base, "--engine", "spark", "--source", str(dataset))
        assert local.exit_code == 0, local.stderr
        assert remote.stdout == local.stdout

    def test_export_refuses_a_non_empty_directory(self, zone, cli, tmp_path) -> None:
        db, _dataset = zone
        (tmp_path / "notes.txt").write_text("mine")
        result = cli("--db", db.url, "export", "parquet", str(tmp_path))
        assert result.exit_code != 0
        assert "--overwrite" in result.stderr
        assert (tmp_path / "notes.txt").read_text() == "mine"

    def test_spark_without_a_source_names_the_option(self, zone, cli) -> None:
        db, _dataset = zone
        result = cli("--db", db.url, "stats", "report", "--period", "2023-12", "--engine", "spark")
        assert result.exit_code != 0
        assert "--source" in result.stderr

    def test_a_source_that_is_not_a_dataset_is_refused(self, zone, cli, tmp_path) -> None:
        db, _dataset = zone
        result = cli(
            "--db",
            db.url,
            "chains",
            "coverage",
            "ic",
            "--engine",
            "spark",
            "--source",
            str(tmp_path),
        )
        assert result.exit_code != 0
        assert MANIFEST in result.stderr


class TestTranspile:
    def test_the_bulletin_sql_keeps_grouping_sets_on_spark(self) -> None:
        from yuanqu.stats.frames import MEASURES
        from yuanqu.stats.windows import Window, grouped_sql

        sql = grouped_sql(
            MEASURES, Window(2023, 12, 12), prices=True, partitions=["section"], labels=True
        )
        assert "GROUPING SETS" in to_spark_sql(sql)

    def test_an_unknown_engine_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="engine"):
            EngineChoice.resolve("presto")
