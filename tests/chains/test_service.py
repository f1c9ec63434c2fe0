"""Placement, overrides, coverage and gaps on a hand-made zone, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from tests.factories.chains import AS_OF, make_ic_zone
from tests.factories.registry import make_firm
from yuanqu.chains import service
from yuanqu.chains.analysis import chain_coverage, chain_gaps, strength_score
from yuanqu.chains.definitions import get_chain, shipped_chains
from yuanqu.core.errors import NotFound, ValidationError


def segments_of(session, uscc: str) -> set[tuple[str, str]]:
    return {(s.chain, s.segment) for s in service.firm_segments(session, uscc=uscc)}


class TestPlacement:
    def test_firms_land_on_their_segments(self, session):
        zone = make_ic_zone(session)
        run = service.compute_placements(session)
        summary = service.placement_summary(run, shipped_chains())
        ic = {row.segment: row.firms for row in summary.segments if row.chain == "ic"}
        assert ic == {
            "eda_ip": 0,
            "materials": 1,
            "equipment": 0,
            "design": 3,
            "manufacturing": 1,
            "packaging_test": 1,
        }
        assert summary.firms_read == len(zone)
        names = [f.name for f in service.segment_firms(run, chain="ic", segment="design")]
        assert names[0] == "北京芯一设计有限公司"  # largest first

    def test_profile_tab_says_where_a_firm_sits_and_whom_it_supplies(self, session):
        zone = make_ic_zone(session)
        (row,) = service.firm_segments(session, uscc=zone["fab"].uscc, lang="en")
        assert (row.chain, row.segment, row.source) == ("ic", "manufacturing", "rule")
        assert row.supplies == ["Packaging and test"]
        assert set(row.supplied_by) == {
            "Chip design",
            "Semiconductor equipment and parts",
            "Semiconductor materials",
        }

    def test_unplaced_firms_of_the_chain_industries_are_listed(self, session):
        make_ic_zone(session)
        odd = make_firm(session, name="北京某某有限公司", industry_code="3972")
        run = service.compute_placements(session)
        assert [f.uscc for f in service.unplaced_firms(run, chain="ic")] == [odd.uscc]

    def test_unknown_segment_is_not_found(self, session):
        run = service.compute_placements(session)
        with pytest.raises(NotFound, match="no segment 'fabs'"):
            service.segment_firms(run, chain="ic", segment="fabs")


class TestOverrides:
    def test_override_wins_and_is_recorded_with_who_and_why(self, session):
        zone = make_ic_zone(session)
        trader = zone["trader"].uscc
        service.override_placement(
            session,
            uscc=trader,
            chain="ic",
            segment="equipment",
            action="include",
            reason="代理进口刻蚀设备并提供维保",
            decided_by="ic-taskforce/王",
        )
        assert segments_of(session, trader) == {("ic", "equipment")}
        service.override_placement(
            session,
            uscc=zone["fab"].uscc,
            chain="ic",
            segment="manufacturing",
            action="exclude",
            reason="已迁出产线",
            decided_by="王",
        )
        assert segments_of(session, zone["fab"].uscc) == set()
        history = service.list_overrides(session, chain="ic")
        assert [(o.action, o.decided_by) for o in history] == [
            ("exclude", "王"),
            ("include", "ic-taskforce/王"),
        ]
        assert history[1].reason == "代理进口刻蚀设备并提供维保" and history[1].decided_at

    def test_clear_gives_the_firm_back_to_the_rules(self, session):
        fab = make_ic_zone(session)["fab"].uscc
        for action in ("exclude", "clear"):
            service.override_placement(
                session,
                uscc=fab,
                chain="ic",
                segment="manufacturing",
                action=action,
                reason="复核",
                decided_by="王",
            )
        (row,) = service.firm_segments(session, uscc=fab)
        assert row.source == "rule"

    def test_override_needs_a_reason_and_a_known_segment(self, session):
        fab = make_ic_zone(session)["fab"].uscc
        with pytest.raises(ValidationError, match="reason"):
            service.override_placement(
                session,
                uscc=fab,
                chain="ic",
                segment="design",
                action="include",
                reason=" ",
                decided_by="王",
            )
        with pytest.raises(NotFound, match="no segment 'fabs'"):
            service.override_placement(
                session,
                uscc=fab,
                chain="ic",
                segment="fabs",
                action="include",
                reason="x",
                decided_by="王",
            )


class TestCoverage:
    def test_coverage_figures_on_the_hand_made_zone(self, session):
        make_ic_zone(session)
        coverage = chain_coverage(session, chain="ic", as_of=AS_OF, lang="en")
        design = next(s for s in coverage.segments if s.segment == "design")
        assert design.firms == 3
        assert design.high_tech == 2  # the lapsed certificate does not count on AS_OF
        assert design.high_tech_share == 0.6667
        assert design.size_total == 200
        assert design.hhi == 3750.0  # (50% ^ 2 + 25% ^ 2 + 25% ^ 2) * 10,000
        assert design.top3_share == 1.0
        assert [f.employees for f in design.top_firms] == [100, 50, 50]
        assert design.score == 50.5 and design.grade == "medium"
        fab = next(s for s in coverage.segments if s.segment == "manufacturing")
        assert (fab.firms, fab.anchors, fab.hhi, fab.grade) == (1, 1, 10000.0, "weak")
        eda = next(s for s in coverage.segments if s.segment == "eda_ip")
        assert (eda.firms, eda.score, eda.grade) == (0, 0.0, "absent")

    def test_labels_are_judged_as_of_the_date(self, session):
        make_ic_zone(session)
        coverage = chain_coverage(session, chain="ic", as_of=AS_OF.replace(year=2020))
        design = next(s for s in coverage.segments if s.segment == "design")
        assert design.high_tech == 1  # only the certificate valid in 2020

    def test_strength_score_formula(self):
        assert strength_score(firms=0, high_tech_share=0, anchors=0, hhi=0) == 0.0
        assert strength_score(firms=30, high_tech_share=0.5, anchors=3, hhi=0) == 100.0
        assert strength_score(firms=1, high_tech_share=0, anchors=0, hhi=10_000) == 8.1


class TestGaps:
    def test_gaps_are_ranked_and_carry_targets(self, session):
        make_ic_zone(session)
        gaps = chain_gaps(session, as_of=AS_OF, chain="ic")
        assert [(g.segment, g.grade) for g in gaps][:2] == [
            ("eda_ip", "absent"),
            ("equipment", "absent"),
        ]
        assert {g.segment for g in gaps} == {
            "eda_ip",
            "equipment",
            "manufacturing",
            "packaging_test",
            "materials",
        }
        assert all(g.links == [] for g in gaps)  # no projects domain yet
        assert [g.rank for g in gaps] == list(range(1, len(gaps) + 1))

    def test_every_chain_reports_gaps_on_an_empty_zone(self, session):
        gaps = chain_gaps(session, as_of=AS_OF)
        assert len(gaps) == sum(len(c.segments) for c in shipped_chains())
        assert {g.action for g in gaps} == {"fill"}
        assert get_chain("hydrogen").segment("refuelling")


class TestGapRanking:
    @staticmethod
    def coverage(grades: dict[str, tuple[str, float]]):
        from datetime import date

        from yuanqu.chains.schemas import ChainCoverage, SegmentCoverage

        chain = get_chain("ic")
        return ChainCoverage(
            chain="ic",
            name="集成电路",
            as_of=date(2023, 12, 31),
            segments=[
                SegmentCoverage(
                    chain="ic",
                    segment=s.key,
                    name=s.name_en,
                    position=s.position.value,
                    firms=0 if grades[s.key][0] == "absent" else 5,
                    high_tech=0,
                    high_tech_share=0.0,
                    anchors=0,
                    size_total=0,
                    hhi=0.0,
                    top3_share=0.0,
                    top_firms=[],
                    score=grades[s.key][1],
                    grade=grades[s.key][0],
                )
                for s in chain.segments
            ],
        )

    def test_upstream_of_strong_segments_ranks_first(self):
        from yuanqu.chains.analysis import rank_gaps

        gaps = rank_gaps(
            [
                self.coverage(
                    {
                        "eda_ip": ("absent", 0.0),
                        "materials": ("medium", 50.0),
                        "equipment": ("weak", 20.0),
                        "design": ("strong", 80.0),
                        "manufacturing": ("strong", 70.0),
                        "packaging_test": ("absent", 0.0),
                    }
                )
            ],
            lang="en",
        )
        assert [(g.segment, g.action, g.priority) for g in gaps] == [
            ("eda_ip", "fill", 2.5),  # supplies design (1) and, through it, manufacturing (1/2)
            ("equipment", "strengthen", 1.6),  # weak (0.8) and supplies manufacturing (1)
            ("packaging_test", "extend", 1.0),  # fed by strong manufacturing, supplies nothing
        ]
        assert gaps[0].strong_dependents == ["Chip design", "Wafer fabrication"]
