"""The 亩均效益评价 on a real database: inputs from the registry, the statistics, the land
reader and the resource import; the draft, the notice, objections and publication, each
audited; the grade written as the policy fact ``mu_grade``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from tests.factories.grants import person
from tests.factories.registry import make_firm
from tests.factories.stats import add_reports, report_row

from yuanqu.core import audit
from yuanqu.core.auth import Role
from yuanqu.core.errors import Conflict, Forbidden, ValidationError
from yuanqu.core.land import LandHeld
from yuanqu.core.tabular import ImportRejected
from yuanqu.mu import inputs, results, service
from yuanqu.mu.models import EvaluationStatus, MuResource
from yuanqu.policies.models import PolicyFact
from yuanqu.registry.firms import Label

YEAR = 2023
ANALYST = person(Role.analyst, "analyst-1")
M2_PER_MU = Decimal(10000) / Decimal(15)


@pytest.fixture
def land() -> Iterator[dict[int, Decimal]]:
    """A land reader the test fills (the space domain's reader in the app)."""
    held: dict[int, Decimal] = {}
    saved = list(inputs._land_readers)
    inputs.read_land_with(
        lambda session, year: (
            {k: LandHeld(v, Decimal(0)) for k, v in held.items()} if year == YEAR else {}
        )
    )
    yield held
    inputs._land_readers[:] = saved


def _year_of_reports(session, firm_id: int, *, tax: int, value_added: int, employees: int):
    add_reports(
        session,
        [
            report_row(
                firm_id,
                f"{YEAR}-{m:02d}",
                tax=tax / 12,
                value_added=value_added / 12,
                revenue=value_added * 2 / 12,
                rd_expense=value_added / 40 / 12,
                employees=employees,
            )
            for m in range(1, 13)
        ],
    )


def _zone(session, land: dict[int, Decimal]) -> dict[str, object]:
    above = [(Label.above_scale, date(2020, 1, 1), None)]
    firms = {
        "strong": make_firm(session, labels=above),
        "middle": make_firm(session, labels=above),
        "weak": make_firm(session, labels=above),
        "small": make_firm(session),
        "new": make_firm(session, labels=above, established=date(YEAR - 1, 5, 1)),
        "landless": make_firm(session, labels=above),
    }
    taxes = {"strong": 1_200_000, "middle": 600_000, "weak": 120_000, "small": 60_000}
    for key, firm in firms.items():
        _year_of_reports(
            session, firm.id, tax=taxes.get(key, 600_000), value_added=2_400_000, employees=30
        )
        if key != "landless":
            land[firm.id] = 10 * M2_PER_MU
    rows = "\n".join(f"{f.uscc},{YEAR},120.5,3.25,240000" for k, f in firms.items() if k != "weak")
    inputs.import_resources(
        session,
        source=f"uscc,year,energy_tce,emissions_t,electricity_kwh\n{rows}\n".encode(),
        filename="r.csv",
    )
    return firms


class TestResourceImport:
    def test_chinese_headers_and_replacement(self, session) -> None:
        firm = make_firm(session)
        header = "统一社会信用代码,年度,综合能耗,主要污染物排放量,用电量"
        text = f"{header}\n{firm.uscc},{YEAR},1.5,0.25,100\n"
        first = inputs.import_resources(session, source=text.encode(), filename="r.csv")
        again = inputs.import_resources(
            session, source=text.replace("1.5", "2").encode(), filename="r.csv"
        )
        assert (first.created, again.replaced) == (1, 1)
        row = session.scalar(select(MuResource).where(MuResource.enterprise_id == firm.id))
        assert (row.energy_kgce, row.emissions_kg, row.electricity_kwh) == (2000, 250, 100)

    def test_every_bad_row_is_named_and_nothing_written(self, session) -> None:
        firm = make_firm(session)
        text = (
            "uscc,year,energy_tce,emissions_t,electricity_kwh\n"
            f"{firm.uscc},{YEAR},1,1,1\n"
            f"{firm.uscc},19,1,1,1\n"
            f"{firm.uscc},2022,-3,1,1\n"
            f"{firm.uscc},2021,1.23456,1,1.5\n"
            "91110000MA00000000,2023,1,1,1\n"
            f"{firm.uscc},{YEAR},1,1,1\n"
        )
        with pytest.raises(ImportRejected) as rejected:
            inputs.import_resources(session, source=text.encode(), filename="bad.csv")
        rows = {e.row for e in rejected.value.errors}
        assert rows == {3, 4, 5, 6, 7}
        assert session.scalar(select(MuResource.id)) is None


class TestWorkflow:
    def test_draft_notice_objection_and_publication(self, session, land) -> None:
        firms = _zone(session, land)
        ev = service.evaluate(session, year=YEAR, actor=ANALYST)
        assert ev.status == EvaluationStatus.draft
        total, rows = results.list_results(session, ev, page_size=None)
        by_uscc = {r.uscc: r for r in rows}
        assert total == 5  # the landless firm is out of scope
        assert by_uscc[firms["new"].uscc].exempt_reason.startswith("新设立")
        assert by_uscc[firms["strong"].uscc].rank == 1
        assert by_uscc[firms["weak"].uscc].indicators["value_added_per_energy"]["missing"] == (
            "energy_tce"
        )
        assert by_uscc[firms["small"].uscc].group_id == "below_scale"
        # a draft is computed again; a noticed one is not
        service.evaluate(session, year=YEAR, actor=ANALYST)
        service.start_notice(session, evaluation_id=ev.id, actor=ANALYST, start=date(2024, 3, 1))
        assert ev.notice_to == date(2024, 3, 7)  # five working days, 1 March counted
        with pytest.raises(Conflict):
            service.evaluate(session, year=YEAR, actor=ANALYST)
        weak = firms["weak"]
        owner = person(Role.enterprise, "weak-firm", uscc=weak.uscc)
        other = person(Role.enterprise, "other-firm", uscc=firms["strong"].uscc)
        with pytest.raises(Forbidden):
            service.object_to(
                session, evaluation_id=ev.id, uscc=weak.uscc, text="x", actor=other,
                today=date(2024, 3, 4),
            )  # fmt: skip
        objection = service.object_to(
            session,
            evaluation_id=ev.id,
            uscc=weak.uscc,
            text="能耗数据已报送",
            actor=owner,
            today=date(2024, 3, 4),
        )
        with pytest.raises(Conflict):  # the notice is not over
            service.publish(session, evaluation_id=ev.id, actor=ANALYST, today=date(2024, 3, 7))
        with pytest.raises(Conflict):  # an objection is open
            service.publish(session, evaluation_id=ev.id, actor=ANALYST, today=date(2024, 3, 8))
        service.decide_objection(
            session,
            objection_id=objection.id,
            upheld=False,
            decision="未提交能耗数据",
            actor=ANALYST,
        )
        published = service.publish(
            session, evaluation_id=ev.id, actor=ANALYST, today=date(2024, 3, 8)
        )
        assert published.status == EvaluationStatus.final
        facts = dict(
            session.execute(
                select(PolicyFact.enterprise_id, PolicyFact.value).where(
                    PolicyFact.fact == "mu_grade", PolicyFact.year == YEAR
                )
            ).all()
        )
        # three above-scale firms graded: the first has p = 1/3 > 0.25, so B
        assert by_uscc[firms["strong"].uscc].grade == "B"
        assert facts[firms["strong"].id] == 2 and firms["new"].id not in facts
        actions = [
            r.action for r in audit.entity_history(session, entities=[(service.ENTITY, ev.id)])
        ]
        assert actions == ["evaluate", "evaluate", "start_notice", "publish"]
        assert results.firm_result(session, uscc=weak.uscc).grade is not None

    def test_an_upheld_objection_returns_the_evaluation_to_draft(self, session, land) -> None:
        firms = _zone(session, land)
        ev = service.evaluate(session, year=YEAR, actor=ANALYST)
        service.start_notice(session, evaluation_id=ev.id, actor=ANALYST, start=date(2024, 3, 1))
        objection = service.object_to(
            session,
            evaluation_id=ev.id,
            uscc=firms["weak"].uscc,
            text="用地面积有误",
            actor=ANALYST,
            today=date(2024, 3, 1),
        )
        service.decide_objection(
            session, objection_id=objection.id, upheld=True, decision="核实后更正", actor=ANALYST
        )
        assert ev.status == EvaluationStatus.draft and ev.notice_to is None

    def test_only_graders_grade(self, session, land) -> None:
        _zone(session, land)
        with pytest.raises(Forbidden):
            service.evaluate(session, year=YEAR, actor=person(Role.policy_officer, "p"))

    def test_no_land_source_is_said_plainly(self, session) -> None:
        saved = list(inputs._land_readers)
        inputs._land_readers.clear()
        try:
            with pytest.raises(ValidationError) as error:
                service.evaluate(session, year=YEAR, actor=ANALYST)
            assert error.value.code == "no_land_source"
        finally:
            inputs._land_readers[:] = saved


class TestLandFromSpace:
    """The space domain's reader, wired as the app wires it, with the zone's plot ratios in a
    settings file: firm R rents 1,000 m² of a standard factory (ratio 2) all year and holds no
    parcel: it is graded on 500 m² = 0.75 亩, all of it from space; firm P's 10,000 m² parcel
    (15 亩) reads exactly as without the setting."""

    def test_the_result_says_which_part_came_from_space(self, session, tmp_path) -> None:
        from tests.factories.space import add_parcels, add_units, csv_bytes, unit_row

        from yuanqu.core.config import configure, get_settings, restore_settings
        from yuanqu.mu import views
        from yuanqu.mu.method import method_for
        from yuanqu.space import land as space
        from yuanqu.space.importer import SpaceImportKind, import_space

        above = [(Label.above_scale, date(2020, 1, 1), None)]
        p, r = make_firm(session, labels=above), make_firm(session, labels=above)
        add_parcels(session, [["YZ-P", "核心区", 10_000, "工业用地", "2020-01-01", "", p.uscc, ""]])
        add_units(session, [unit_row("101", 1000)])
        import_space(
            session,
            source=csv_bytes(
                ["楼栋编号", "单元编号", "统一社会信用代码", "使用方式", "起始日期"],
                [["JH3-1", "101", r.uscc, "已出租", "2022-01-01"]],
            ),
            filename="o.csv",
            kind=SpaceImportKind.occupancy,
            actor="test",
            today=date(2024, 1, 15),
        )
        for firm in (p, r):
            _year_of_reports(session, firm.id, tax=600_000, value_added=2_400_000, employees=30)
        settings_file = tmp_path / "zone.yaml"
        settings_file.write_text("plot_ratio:\n  kinds: {standard_factory: 2}\n")
        saved_settings, saved_readers = get_settings(), list(inputs._land_readers)
        inputs.read_land_with(space.land_by_firm)
        try:
            before = service.compute(session, year=YEAR, method=method_for(YEAR)).results
            configure(space_settings=settings_file)
            ev = service.evaluate(session, year=YEAR, actor=ANALYST)
        finally:
            restore_settings(saved_settings)
            inputs._land_readers[:] = saved_readers
        assert [row["uscc"] for row in before.to_pylist()] == [p.uscc]  # R held no land
        _total, rows = results.list_results(session, ev, page_size=None)
        by_uscc = {row.uscc: row for row in rows}
        assert Decimal(by_uscc[r.uscc].inputs["land_mu"]) == Decimal("0.75")
        assert Decimal(by_uscc[r.uscc].inputs["land_space_mu"]) == Decimal("0.75")
        assert Decimal(by_uscc[p.uscc].inputs["land_mu"]) == Decimal(15)
        assert Decimal(by_uscc[p.uscc].inputs["land_space_mu"]) == 0
        # P's figures are those it had alone: same value per 亩 (the benchmark now includes R)
        assert by_uscc[p.uscc].indicators["tax_per_mu"]["value"] == pytest.approx(
            before.to_pylist()[0]["tax_per_mu__value"]
        )
        shown = views.firm_result(by_uscc[r.uscc], method_for(YEAR), "zh")
        assert (shown.land_mu, shown.land_space_mu) == (0.75, 0.75)
