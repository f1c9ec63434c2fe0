"""docs/architecture.md is kept true by these tests: it names every package, states the layers and
the domain arrows exactly as the import-linter contracts do, and lists every long module; and the
contracts themselves hold."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "yuanqu"
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "contracts"
]
LONG = 500


def _section(title: str) -> str:
    start = DOC.index(f"## {title}")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end > 0 else len(DOC)]


def _table(title: str) -> dict[str, str]:
    """First column -> second column of the table under a heading (backticks stripped)."""
    rows = {}
    for line in _section(title).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) >= 2:
            rows[cells[0].strip("`")] = cells[1]
    return rows


def _contract(contract_id: str) -> dict:
    return next(c for c in CONTRACTS if c.get("id") == contract_id)


class TestPackages:
    def test_every_package_and_root_module_is_named(self) -> None:
        present = {
            p.name + "/" if p.is_dir() else p.name
            for p in PACKAGE.iterdir()
            if not p.name.startswith(("_", "."))
            and (p.is_dir() or p.suffix == ".py")
            and p.name != "__pycache__"
        }
        named = set(_table("Packages"))
        assert present - named == set(), "packages missing from docs/architecture.md"
        assert named - present == set(), "docs/architecture.md names packages that do not exist"

    def test_the_layers_table_matches_the_layers_contract(self) -> None:
        layers = _contract("layers")["layers"]
        names = {"root": 0, "domain": 1, "kit": 2, "core": 3, "data": 4}
        for package, layer in _table("Packages").items():
            name = package.removesuffix("/").removesuffix(".py")
            if name == "locale":  # message catalogues: data, not Python (exhaustive_ignores)
                continue
            members = re.split(r"\s*[:|]\s*", layers[names[layer]])
            assert name in members, f"{package} is documented as {layer} but not in that layer"


class TestArrows:
    def test_domain_arrows_are_the_contracts(self) -> None:
        domains = re.split(r"\s*:\s*", _contract("layers")["layers"][1])
        documented = {
            d: set(re.findall(r"`(\w+)`", allowed))
            for d, allowed in _table("Arrows between").items()
        }
        assert set(documented) == set(domains)
        for domain in domains:
            forbidden = {
                m.removeprefix("yuanqu.")
                for m in _contract(f"arrows-{domain}")["forbidden_modules"]
            }
            allowed = set(domains) - forbidden - {domain}
            assert allowed == documented[domain], domain

    def test_the_contracts_hold(self) -> None:
        script = Path(sys.executable).with_name("lint-imports")
        result = subprocess.run(
            [str(script), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout[-3000:]


class TestSize:
    def test_long_modules_are_listed_with_their_one_job(self) -> None:
        listed = set(_table("Modules over"))
        long = {
            str(p.relative_to(PACKAGE))
            for p in PACKAGE.rglob("*.py")
            if "migrations" not in p.parts
            and len(p.read_text(encoding="utf-8").splitlines()) > LONG
        }
        assert long - listed == set(), "split these by job, or say in the document why not"
