"""Every `yuanqu grants` command through the real entry point, on a committed test database: the
exit code says what happened, and the output says it to the operator.

A money step that succeeded must never report failure: an operator would retry it (issue #17).
"""

from __future__ import annotations

import json

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from tests.factories.grants import POLICY, YEAR, make_case
from tests.factories.registry import make_firm, make_task_force
from yuanqu.accounts.schemas import UserCreate
from yuanqu.accounts.service import create_user
from yuanqu.core.auth import Role
from yuanqu.core.db import session_scope
from yuanqu.grants.models import CaseStatus, GrantCase, Payment

USERS = {
    "officer-a": Role.policy_officer,
    "officer-b": Role.policy_officer,
    "committee-a": Role.admin,
    "tf-a": Role.task_force,
    "firm-a": Role.enterprise,
}


@pytest.fixture
def zone(committed_db):
    """Five accounts, two firms of the ``ic`` task force, and cases at chosen states."""
    with session_scope(committed_db.engine) as session:
        make_task_force(session, "ic")
        firm = make_firm(session, task_force="ic")
        for username, role in USERS.items():
            create_user(
                session,
                data=UserCreate(
                    username=username,
                    password="grey-heron-at-dusk-42",
                    role=role,
                    uscc=firm.uscc if role == Role.enterprise else None,
                    task_forces=["ic"] if role == Role.task_force else [],
                ),
            )
        awaiting = make_case(session, status=CaseStatus.awaiting_confirmation, firm=firm)
        submitted = make_case(session, office_reviewer=None)
        rejectable = make_case(session)
        ids = {"awaiting": awaiting.id, "submitted": submitted.id, "rejectable": rejectable.id}
    return ids


def status_of(engine, case_id: int) -> str:
    with session_scope(engine) as session:
        return session.get(GrantCase, case_id).status


class TestTransition:
    def test_every_transition_exits_zero_and_names_the_new_state(self, cli, committed_db, zone):
        engine = committed_db.engine
        steps = [
            (
                zone["awaiting"],
                "confirm",
                "firm-a",
                ["--bank-account", "6222020200112233445", "--bank-name", "工商银行"],
                "待专班初审",
            ),
            (zone["submitted"], "pass-preliminary", "tf-a", [], "待政策办复审"),
            (zone["submitted"], "pass-office", "officer-a", [], "待管委会审定"),
        ]
        for case_id, action, user, extra, shown in steps:
            result = cli("grants", "transition", case_id, action, "--as", user, *extra)
            assert result.exit_code == 0, (action, result.stdout, result.stderr)
            assert f"案件 {case_id}：{shown}" in result.stdout
        assert cli("grants", "budget", POLICY, YEAR, "100000", "--as", "officer-a").exit_code == 0
        approved = cli(
            "grants",
            "transition",
            zone["submitted"],
            "approve",
            "--as",
            "committee-a",
            "--today",
            "2024-05-06",
        )
        assert approved.exit_code == 0, approved.stderr
        assert "公示中" in approved.stdout
        assert status_of(engine, zone["submitted"]) == CaseStatus.public_notice
        paid = cli(
            "--lang",
            "en",
            "grants",
            "transition",
            zone["submitted"],
            "pay",
            "--as",
            "officer-a",
            "--key",
            "pay-key-cli-1",
            "--today",
            "2024-06-03",
        )
        assert paid.exit_code == 0, paid.stderr
        assert f"case {zone['submitted']}: payment scheduled" in paid.stdout
        # A retry with the same key is the first payment again, still a success.
        again = cli(
            "grants",
            "transition",
            zone["submitted"],
            "pay",
            "--as",
            "officer-a",
            "--key",
            "pay-key-cli-1",
            "--today",
            "2024-06-03",
        )
        assert again.exit_code == 0, again.stderr
        with session_scope(engine) as session:
            assert len(session.scalars(select(Payment)).all()) == 1

    def test_reject_appeal_reopen_withdraw(self, cli, committed_db, zone):
        case = zone["rejectable"]
        for action, user, shown in (
            ("reject", "tf-a", "未通过"),
            ("appeal", "firm-a", None),
        ):
            result = cli("grants", "transition", case, action, "--as", user, "--reason", "材料不全")
            if shown is None:  # the firm of this case is not firm-a's: a refusal, exit 1
                assert result.exit_code == 1, result.stdout
                assert "Traceback" not in result.stderr
                continue
            assert result.exit_code == 0, result.stderr
            assert shown in result.stdout
        withdrawn = cli(
            "grants",
            "transition",
            zone["awaiting"],
            "withdraw",
            "--as",
            "firm-a",
            "--reason",
            "不再申请",
        )
        assert withdrawn.exit_code == 0, withdrawn.stderr
        assert "已撤回" in withdrawn.stdout

    def test_a_refused_transition_exits_one_and_changes_nothing(self, cli, committed_db, zone):
        before = status_of(committed_db.engine, zone["submitted"])
        result = cli("grants", "transition", zone["submitted"], "approve", "--as", "committee-a")
        assert result.exit_code == 1
        assert "Traceback" not in result.stderr and result.stderr.strip()
        assert status_of(committed_db.engine, zone["submitted"]) == before

    def test_an_unknown_action_is_one_line_and_exit_two(self, cli, committed_db, zone):
        result = cli("grants", "transition", zone["submitted"], "bless", "--as", "officer-a")
        assert result.exit_code == 2
        assert "bless" in result.stderr.splitlines()[0] and "Traceback" not in result.stderr


class TestOtherCommands:
    def test_match_list_show_budget_report(self, cli, committed_db, zone):
        matched = cli("grants", "match", "2023", "--as", "officer-a", "--format", "json")
        assert matched.exit_code == 0, matched.stderr
        assert set(json.loads(matched.stdout)) >= {"created", "existing"}

        listed = cli("grants", "list", "--as", "tf-a", "--format", "json")
        assert listed.exit_code == 0, listed.stderr
        assert {r["id"] for r in json.loads(listed.stdout)} == set(zone.values())
        own = cli("grants", "list", "--as", "firm-a", "--format", "json")
        assert [r["id"] for r in json.loads(own.stdout)] == [zone["awaiting"]]

        shown = cli("grants", "show", zone["awaiting"], "--as", "firm-a")
        assert shown.exit_code == 0, shown.stderr
        card = json.loads(shown.stdout)
        assert card["id"] == zone["awaiting"]
        assert card["bank_account"] == "*" * 15 + "3445"  # only the payers read it in full
        assert card["created_by"] != "system:match"
        by_officer = json.loads(cli("grants", "show", zone["awaiting"], "--as", "officer-a").stdout)
        assert by_officer["bank_account"] == "6222020200112233445"
        refused = cli("grants", "show", zone["submitted"], "--as", "firm-a")
        assert refused.exit_code == 1 and "Traceback" not in refused.stderr

        set_ = cli("grants", "budget", POLICY, YEAR, "500000", "--as", "officer-a", "-f", "json")
        assert set_.exit_code == 0, set_.stderr
        assert json.loads(set_.stdout)[0]["budget_fen"] == 50_000_000
        shown_budget = cli("grants", "budget", POLICY, YEAR, "--as", "officer-a", "-f", "json")
        assert json.loads(shown_budget.stdout)[0]["budget_fen"] == 50_000_000
        firm_budget = cli("grants", "budget", POLICY, YEAR, "1", "--as", "firm-a")
        assert firm_budget.exit_code == 1

        report = cli("grants", "report", "2023", "--format", "json")
        assert report.exit_code == 0, report.stderr
        assert json.loads(report.stdout)["rows"] == []
        bad = cli("grants", "report", "2023", "--by", "colour")
        assert bad.exit_code == 2 and "colour" in bad.stderr

    def test_batch_run_export_confirm(self, cli, committed_db, zone, tmp_path):
        engine = committed_db.engine
        case = zone["submitted"]
        assert cli("grants", "budget", POLICY, YEAR, "100000", "--as", "officer-a").exit_code == 0
        for action, user in (("pass-preliminary", "tf-a"), ("pass-office", "officer-a")):
            assert cli("grants", "transition", case, action, "--as", user).exit_code == 0
        assert (
            cli(
                "grants",
                "transition",
                case,
                "approve",
                "--as",
                "committee-a",
                "--today",
                "2024-05-06",
            ).exit_code
            == 0
        )
        ran = cli(
            "grants",
            "batch",
            "run",
            "batch-cli-0001",
            "--as",
            "officer-a",
            "--today",
            "2024-06-03",
            "--format",
            "json",
        )
        assert ran.exit_code == 0, ran.stderr
        summary = json.loads(ran.stdout)
        assert summary["payments"] == 1 and summary["scheduled_now"] == 1
        table = cli(
            "grants",
            "batch",
            "run",
            "batch-cli-0001",
            "--as",
            "officer-a",
            "--today",
            "2024-06-03",
        )
        assert table.exit_code == 0 and "本次新增 0 笔" in table.stdout
        batch_id = summary["id"]
        out = tmp_path / "batch.xlsx"
        exported = cli("grants", "batch", "export", batch_id, out, "--as", "officer-a")
        assert exported.exit_code == 0, exported.stderr
        rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
        assert len(rows) >= 2
        confirmed = cli("grants", "batch", "confirm", batch_id, "--as", "officer-a")
        assert confirmed.exit_code == 0, confirmed.stderr
        assert "已确认支付" in confirmed.stdout
        twice = cli("grants", "batch", "confirm", batch_id, "--as", "officer-a")
        assert twice.exit_code == 0 and "此前已确认" in twice.stdout
        assert status_of(engine, case) == CaseStatus.paid
        paid = cli("grants", "report", "2023", "--format", "json")
        assert json.loads(paid.stdout)["total_fen"] == 1_000_000
