"""Placement rules on Arrow (no database): codes at any level, keywords, excludes, overrides."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from yuanqu.chains.definitions import parse_chain, shipped_chains
from yuanqu.chains.placement import (
    FIRM_SCHEMA,
    OVERRIDE_SCHEMA,
    place,
    place_naively,
    unplaced,
)
from yuanqu.core.industry import industry_catalog

CHAIN = """\
key: toy
name: {zh: 玩具链, en: Toy chain}
industries: ["39"]
segments:
  - key: section
    position: upstream
    name: {zh: 门类, en: Section}
    rules: [{codes: ["M"], keywords: [检测]}]
  - key: chips
    position: midstream
    name: {zh: 芯片, en: Chips}
    rules:
      - codes: ["397"]
      - keywords: [EDA, CAR-T, "a.b(c"]
    exclude: [封装]
  - key: pack
    position: downstream
    name: {zh: 封装, en: Packaging}
    rules: [{codes: ["3973"], keywords: [封装]}]
edges: [[section, chips], [chips, pack]]
"""


@pytest.fixture(scope="module")
def toy():
    chain, issues = parse_chain(CHAIN)
    assert not issues
    return [chain]


def firms(*rows: tuple[int, str, str, str | None]) -> pa.Table:
    catalog = industry_catalog()
    return pa.table(
        {
            "id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "industry_code": [r[2] for r in rows],
            "industry_section": [catalog.section_of(r[2]) for r in rows],
            "business_scope": [r[3] for r in rows],
        },
        schema=FIRM_SCHEMA,
    )


def placed(table: pa.Table) -> set[tuple[int, str]]:
    return {(r["enterprise_id"], r["segment"]) for r in table.to_pylist()}


def overrides(*rows: tuple[int, int, str, str]) -> pa.Table:
    return pa.table(
        {
            "id": [r[0] for r in rows],
            "enterprise_id": [r[1] for r in rows],
            "chain_key": ["toy"] * len(rows),
            "segment_key": [r[2] for r in rows],
            "action": [r[3] for r in rows],
        },
        schema=OVERRIDE_SCHEMA,
    )


class TestRules:
    def test_code_at_group_level_places_every_class_under_it(self, toy):
        result = place(firms((1, "甲公司", "3973", None), (2, "乙公司", "3976", None)), toy)
        assert placed(result) == {(1, "chips"), (2, "chips")}

    def test_section_code_needs_its_keyword_too(self, toy):
        table = firms((1, "检测公司", "7452", None), (2, "咨询公司", "7452", "技术咨询"))
        assert placed(place(table, toy)) == {(1, "section")}

    def test_keyword_in_business_scope_is_case_insensitive(self, toy):
        table = firms((1, "软件公司", "6513", "eda工具软件开发"), (2, "软件公司", "6513", None))
        assert placed(place(table, toy)) == {(1, "chips")}

    def test_keywords_are_literal_text_not_regex(self, toy):
        table = firms(
            (1, "生物", "2761", "CAR-T细胞"), (2, "某", "2761", "aXb(c"), (3, "某", "2761", "a.b(c")
        )
        assert placed(place(table, toy)) == {(1, "chips"), (3, "chips")}

    def test_exclude_vetoes_and_firm_may_sit_on_another_segment(self, toy):
        table = firms((1, "封装测试公司", "3973", "集成电路封装"))
        result = place(table, toy)
        assert placed(result) == {(1, "pack")}
        assert result.column("matched").to_pylist() == ["code 3973; keyword 封装"]

    def test_a_firm_may_sit_on_several_segments(self, toy):
        table = firms((1, "芯片检测公司", "7452", "EDA 检测"))
        assert placed(place(table, toy)) == {(1, "section"), (1, "chips")}

    def test_unplaced_lists_firms_of_the_chain_industries_only(self, toy):
        table = firms((1, "甲", "3911", None), (2, "乙", "3973", None), (3, "丙", "5111", None))
        result = place(table, toy)
        left = unplaced(table, result, toy)
        assert left.to_pylist() == [{"enterprise_id": 1, "chain": "toy"}]

    def test_vectorised_placement_equals_the_naive_loop(self):
        catalog = industry_catalog()
        classes = [i.code for i in catalog if i.level == 4]
        rng = random.Random(7)
        words = ["晶圆", "封装", "氢能", "加氢站", "卫星", "医疗器械", "伺服", "车路协同", "软件"]
        rows = [
            (
                i,
                f"北京{rng.choice(words)}公司",
                rng.choice(classes),
                "、".join(rng.sample(words, 3)),
            )
            for i in range(1, 3001)
        ]
        table = firms(*rows)
        chains = shipped_chains()
        fast = {
            (r["enterprise_id"], r["chain"], r["segment"]) for r in place(table, chains).to_pylist()
        }
        assert fast == set(place_naively(table, chains))
        assert len(fast) > 100


class TestOverrides:
    def test_exclude_wins_over_the_rules(self, toy):
        table = firms((1, "甲", "3973", None))
        assert placed(place(table, toy, overrides=overrides((1, 1, "chips", "exclude")))) == set()

    def test_include_places_where_no_rule_does_and_says_so(self, toy):
        table = firms((1, "甲", "5111", None))
        result = place(table, toy, overrides=overrides((1, 1, "pack", "include")))
        assert result.to_pylist() == [
            {
                "enterprise_id": 1,
                "chain": "toy",
                "segment": "pack",
                "source": "override",
                "matched": "manual",
            }
        ]

    def test_the_latest_override_is_in_force(self, toy):
        table = firms((1, "甲", "3973", None))
        history = overrides((1, 1, "chips", "exclude"), (2, 1, "chips", "include"))
        assert place(table, toy, overrides=history).column("source").to_pylist() == ["override"]
        history = overrides((1, 1, "chips", "include"), (2, 1, "chips", "exclude"))
        assert placed(place(table, toy, overrides=history)) == set()

    def test_clear_hands_back_to_the_rules(self, toy):
        table = firms((1, "甲", "3973", None))
        history = overrides((1, 1, "chips", "exclude"), (2, 1, "chips", "clear"))
        assert place(table, toy, overrides=history).column("source").to_pylist() == ["rule"]

    def test_overrides_of_unknown_segments_or_firms_are_ignored(self, toy):
        table = firms((1, "甲", "5111", None))
        history = overrides((1, 1, "retired", "include"), (2, 99, "pack", "include"))
        assert place(table, toy, overrides=history).num_rows == 0
