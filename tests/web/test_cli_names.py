"""The CLI's tables speak to a person (issue 18): names in the reader's language, not the codes
behind them (role, stage, task force, policy id, any snake_case word) and no True/False. The JSON
output keeps the codes machines read. Run against the served demo zone, in Chinese and English.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.web.conftest import Site
from tests.web.test_api_schemas import POLICY as UNDEFINED_POLICY
from tests.web.test_lists import figures  # noqa: F401 (the demo's awards paid: a payouts report)
from yuanqu.core import terminal
from yuanqu.core.auth import ROLE_NAMES, Role
from yuanqu.policies.service import shipped_policies

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
STAGES = {"planning", "negotiating", "signed", "started", "construction", "production"}


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A console wide enough that no word is folded across two lines of a table."""
    monkeypatch.setattr(terminal.console, "width", 400)


def codes_in(text: str, site: Site, lang: str = "zh") -> set[str]:
    """The codes a person would read in ``text`` (in English a stage's name holds words such as
    "production": stage keys are looked for in Chinese text only)."""
    forces = {f["code"] for f in site.client(Role.admin).get("/api/v1/task-forces").json()}
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    found = set(SNAKE.findall(text)) | (words & {"True", "False"})
    found |= words & (
        forces | {p.id for p in shipped_policies()} | (STAGES if lang == "zh" else set())
    )
    # Cases another test files under a policy with no definition (on the shared site) keep its id
    # in the report: there is no title to show for it.
    return found - {UNDEFINED_POLICY}


@pytest.mark.usefixtures("wide")
class TestCliTablesShowNames:
    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_tables_name_what_they_show(self, site: Site, figures, cli, lang: str) -> None:  # noqa: F811
        project = site.client(Role.admin).get("/api/v1/projects").json()["items"][0]["code"]
        commands = [
            ["users", "list"],
            ["projects", "show", project],
            ["projects", "pipeline"],
            ["chains", "gaps"],
            *(["grants", "report", str(figures["year"]), "--by", by] for by in GROUPINGS),
        ]
        for command in commands:
            result = cli("--db", site.url, "--lang", lang, *command)
            assert result.exit_code == 0, (command, result.stderr)
            shown = codes_in(result.stdout, site, lang)
            assert not shown, (command, shown)
            if command[0] == "users":  # the role by its name (a username may read "admin")
                which = 1 if lang == "en" else 0
                for role in (Role.task_force, Role.policy_officer, Role.enterprise):
                    assert ROLE_NAMES[role][which] in result.stdout

    def test_json_keeps_the_codes(self, site: Site, cli) -> None:
        users = json.loads(cli("--db", site.url, "users", "list", "-f", "json").stdout)
        assert {u["role"] for u in users} == {r.value for r in Role}
        pipeline = json.loads(cli("--db", site.url, "projects", "pipeline", "-f", "json").stdout)
        assert "full_production" in [s["key"] for s in pipeline["stages"]]

    def test_the_check_finds_codes(self, site: Site) -> None:
        assert codes_in("│ task_force │ 产业专班 │", site) == {"task_force"}
        assert codes_in("active: True", site) == {"True"}
        assert codes_in("│ started │", site) == {"started"}
        assert codes_in("│ 开工 │ 集成电路产业专班 │", site) == set()


GROUPINGS = ("policy", "industry", "task_force")
