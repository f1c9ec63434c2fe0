"""The external target list: all-or-nothing import, placed by the chains' rules or as listed."""

from __future__ import annotations

import pytest

from tests.factories.chains import AS_OF, make_ic_zone
from tests.factories.registry import new_uscc
from yuanqu.chains.analysis import chain_gaps
from yuanqu.chains.targets import import_targets, targets_for_segment
from yuanqu.core.tabular import ImportRejected


def csv(*rows: str) -> bytes:
    return (
        "企业名称,统一社会信用代码,行业代码,经营范围,所在地区,产业链,环节\n" + "\n".join(rows)
    ).encode()


class TestImport:
    def test_rows_are_placed_by_rules_or_as_listed(self, session):
        source = csv(
            f"上海某EDA软件有限公司,{new_uscc('310115')},6513,EDA工具开发,上海,,",
            f"苏州某设备有限公司,{new_uscc('320505')},3499,,苏州,ic,equipment",
        )
        result = import_targets(session, source, filename="targets.csv")
        assert (result.rows, result.segments) == (2, 2)
        (eda,) = targets_for_segment(session, chain="ic", segment="eda_ip")
        assert (eda.region, eda.matched) == ("上海", "code 6513; keyword EDA")
        (equipment,) = targets_for_segment(session, chain="ic", segment="equipment")
        assert equipment.matched == "listed"

    def test_gaps_list_their_candidate_targets(self, session):
        make_ic_zone(session)
        import_targets(
            session,
            csv(f"上海某EDA软件有限公司,{new_uscc('310115')},6513,EDA工具开发,上海,,"),
            filename="t.csv",
        )
        gaps = {g.segment: g for g in chain_gaps(session, as_of=AS_OF, chain="ic")}
        assert [t.name for t in gaps["eda_ip"].targets] == ["上海某EDA软件有限公司"]
        assert gaps["equipment"].targets == []

    def test_one_bad_row_rejects_the_whole_file(self, session):
        zone = make_ic_zone(session)
        source = csv(
            f"上海某EDA软件有限公司,{new_uscc('310115')},6513,EDA工具开发,上海,,",
            f"园区内企业,{zone['fab'].uscc},3973,,北京,,",
            "无环节企业,,5111,粮食批发,天津,,",
            "错环节企业,,,,,ic,fabs",
        )
        with pytest.raises(ImportRejected) as caught:
            import_targets(session, source, filename="t.csv")
        reasons = {(e.row, e.reason_en.split(":")[0]) for e in caught.value.errors}
        assert (3, "this firm is already in the zone's registry, not an outside target") in reasons
        assert (5, "unknown chain segment 'ic.fabs'") in reasons
        assert targets_for_segment(session, chain="ic", segment="eda_ip") == []

    def test_a_row_on_no_segment_is_refused(self, session):
        with pytest.raises(ImportRejected) as caught:
            import_targets(session, csv("无环节企业,,5111,粮食批发,天津,,"), filename="t.csv")
        assert caught.value.errors[0].reason_en.startswith("lands on no chain segment")

    def test_a_new_import_replaces_the_list(self, session):
        import_targets(session, csv("甲EDA公司,,6513,EDA,上海,,"), filename="a.csv")
        import_targets(session, csv("乙EDA公司,,6513,EDA,深圳,,"), filename="b.csv")
        assert [t.name for t in targets_for_segment(session, chain="ic", segment="eda_ip")] == [
            "乙EDA公司"
        ]
