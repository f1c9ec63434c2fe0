from __future__ import annotations

from datetime import date

import pytest

from tests.factories.registry import make_firm, make_task_force
from yuanqu.core.errors import NotFound, ValidationError
from yuanqu.registry import service
from yuanqu.registry.schemas import EnterpriseFilter


class TestLabelsAsOf:
    def test_count_by_label_follows_validity_periods(self, session):
        make_firm(session, labels=[("high_tech", date(2021, 11, 1), date(2024, 10, 31))])
        make_firm(session, labels=[("high_tech", date(2018, 11, 1), date(2021, 10, 31))])
        make_firm(session, labels=[("high_tech", None, None), ("listed", date(2023, 12, 31), None)])

        def count(day: date) -> dict[str, int]:
            rows = service.count_enterprises(
                session, filters=EnterpriseFilter(as_of=day), by="label"
            )
            return {r.group: r.count for r in rows}

        assert count(date(2023, 12, 31)) == {"high_tech": 2, "listed": 1}
        assert count(date(2020, 1, 1)) == {"high_tech": 2}
        assert count(date(2024, 10, 31)) == {"high_tech": 2, "listed": 1}
        assert count(date(2024, 11, 1)) == {"high_tech": 1, "listed": 1}

    def test_label_filter_is_judged_on_the_as_of_date(self, session):
        firm = make_firm(session, labels=[("specialized", date(2022, 7, 1), date(2025, 6, 30))])
        on = EnterpriseFilter(labels=["specialized"], as_of=date(2022, 7, 1))
        before = EnterpriseFilter(labels=["specialized"], as_of=date(2022, 6, 30))
        assert [f.uscc for f in service.list_enterprises(session, filters=on).items] == [firm.uscc]
        assert service.list_enterprises(session, filters=before).total == 0

    def test_unknown_label_is_a_validation_error(self, session):
        with pytest.raises(ValidationError) as err:
            service.count_enterprises(session, filters=EnterpriseFilter(labels=["famous"]))
        assert "famous" in err.value.zh and "famous" in err.value.en


class TestIndustryFilters:
    @pytest.mark.parametrize(
        ("code", "expected"),
        [
            ("C", 2),
            ("39", 2),
            ("C39", 2),
            ("397", 1),
            ("3973", 1),
            ("6520", 1),
            ("I", 1),
            ("27", 0),
        ],
    )
    def test_filter_at_any_level(self, session, code, expected):
        make_firm(session, industry_code="3973")
        make_firm(session, industry_code="3921")
        make_firm(session, industry_code="6520")
        assert (
            service.count_enterprises(session, filters=EnterpriseFilter(industry=code))[0].count
            == expected
        )

    def test_count_by_section_and_division(self, session):
        make_firm(session, industry_code="3973")
        make_firm(session, industry_code="3921")
        make_firm(session, industry_code="6520")
        by_section = service.count_enterprises(session, filters=EnterpriseFilter(), by="section")
        by_division = service.count_enterprises(session, filters=EnterpriseFilter(), by="division")
        assert [(r.group, r.count) for r in by_section] == [("C", 2), ("I", 1)]
        assert [(r.group, r.count) for r in by_division] == [("39", 2), ("65", 1)]


class TestListing:
    def test_search_by_name_and_code_prefix(self, session):
        a = make_firm(session, name="北京芯片科技有限公司")
        make_firm(session, name="北京软件有限公司")
        by_name = service.list_enterprises(session, filters=EnterpriseFilter(q="芯片"))
        by_code = service.list_enterprises(session, filters=EnterpriseFilter(q=a.uscc[:14]))
        assert [f.uscc for f in by_name.items] == [a.uscc]
        assert a.uscc in [f.uscc for f in by_code.items]

    def test_search_treats_wildcards_literally(self, session):
        make_firm(session, name="北京百分百有限公司")
        assert service.list_enterprises(session, filters=EnterpriseFilter(q="%")).total == 0

    def test_pagination_and_sorting(self, session):
        for n in range(5):
            make_firm(session, name=f"企业{n}", employees=n * 10)
        page = service.list_enterprises(
            session,
            filters=EnterpriseFilter(q="企业"),
            sort="employees",
            descending=True,
            page=2,
            page_size=2,
        )
        assert page.total == 5
        assert [f.employees for f in page.items] == [20, 10]

    def test_filters_by_sub_area_and_task_force(self, session):
        make_task_force(session, "ic")
        make_firm(session, sub_area="核心区", task_force="ic")
        make_firm(session, sub_area="河西区")
        assert (
            service.count_enterprises(
                session, filters=EnterpriseFilter(sub_area="核心区", task_force="ic")
            )[0].count
            == 1
        )

    def test_page_size_is_bounded(self, session):
        with pytest.raises(ValidationError):
            service.list_enterprises(session, filters=EnterpriseFilter(), page_size=10_000)


class TestProfile:
    def test_profile_decodes_code_and_industry_path(self, session):
        firm = make_firm(
            session,
            industry_code="3973",
            labels=[("high_tech", date(2022, 1, 1), date(2024, 12, 31))],
        )
        loaded = service.get_enterprise(session, uscc=firm.uscc.lower())
        card = service.profile(loaded, as_of=date(2023, 6, 30))
        assert "北京经济技术开发区" in card["division"]
        assert [lvl["code"] for lvl in card["industry_levels"]] == ["C", "39", "397", "3973"]
        assert card["labels"][0]["active"] is True
        assert card["registered_capital"] == "100.00万元"

    def test_unknown_firm_is_not_found(self, session):
        with pytest.raises(NotFound):
            service.get_enterprise(session, uscc="91110108551385082Q")


class TestActiveLabels:
    def test_listing_shows_each_label_held_on_the_date_once(self, session):
        make_firm(
            session,
            name="续期企业",
            labels=[
                ("high_tech", date(2018, 11, 1), date(2021, 10, 31)),
                ("high_tech", date(2021, 11, 1), date(2024, 10, 31)),
                ("listed", date(2020, 1, 1), None),
                ("specialized", date(2019, 7, 1), date(2022, 6, 30)),
            ],
        )
        page = service.list_enterprises(
            session, filters=EnterpriseFilter(q="续期企业", as_of=date(2023, 6, 30))
        )
        assert page.items[0].active_labels == ["high_tech", "listed"]


def test_a_firms_reference_sees_what_this_unit_of_work_has_not_flushed_yet(session) -> None:
    """get_ref reads through the connection when nothing is pending, and through the session
    (which flushes first) when something is: a firm renamed or added just before is seen."""
    from yuanqu.registry.firms import get_ref
    from yuanqu.registry.models import Enterprise

    firm = make_firm(session, name="旧名称有限公司")
    assert get_ref(session, uscc=firm.uscc).name == "旧名称有限公司"
    firm.name = "新名称有限公司"  # not flushed
    assert get_ref(session, uscc=firm.uscc).name == "新名称有限公司"
    template = make_firm(session)
    values = {c.key: getattr(template, c.key) for c in Enterprise.__table__.columns}
    values.update(id=None, uscc="91110302MA01ABCD1X", name="刚加入的企业有限公司")
    session.add(Enterprise(**values))  # not flushed
    assert get_ref(session, uscc="91110302MA01ABCD1X").name == "刚加入的企业有限公司"
