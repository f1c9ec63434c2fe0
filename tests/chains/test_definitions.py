"""Chain definitions are checked like code: every problem with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from yuanqu.chains.definitions import (
    ChainDefinitionError,
    Position,
    load_chains,
    parse_chain,
    read_chain_files,
    shipped_chains,
)

GOOD = """\
key: demo
name: {zh: 示例链, en: Demo chain}
industries: ["3973"]
segments:
  - key: design
    position: upstream
    name: {zh: 设计, en: Design}
    rules:
      - codes: ["6520"]
  - key: fab
    position: midstream
    name: {zh: 制造, en: Fabrication}
    rules:
      - codes: ["C3973"]
      - keywords: [晶圆]
    exclude: [封装]
edges:
  - [design, fab]
"""


def issues_of(text: str) -> list[tuple[int, str]]:
    chain, issues = parse_chain(text, file="x.yaml")
    assert chain is None
    return [(i.line, i.en) for i in issues]


class TestShippedChains:
    def test_every_shipped_chain_is_valid(self):
        keys = {c.key for c in shipped_chains()}
        assert keys == {"ic", "nev_icv", "biomed", "robotics", "aerospace", "hydrogen"}

    def test_issue_segments_are_there(self):
        segments = {c.key: {s.key for s in c.segments} for c in shipped_chains()}
        assert {
            "eda_ip",
            "design",
            "manufacturing",
            "packaging_test",
            "equipment",
            "materials",
        } <= (segments["ic"])
        assert {"vehicle_road_cloud", "testing"} <= segments["nev_icv"]
        assert {"innovative_drugs", "medical_devices", "cell_gene_therapy", "cxo"} <= segments[
            "biomed"
        ]
        assert {"rockets", "satellites", "ground_ttc", "launch_services", "applications"} <= (
            segments["aerospace"]
        )
        assert {"production", "storage", "transport", "refuelling", "use", "research"} <= (
            segments["hydrogen"]
        )

    def test_every_chain_has_all_three_positions(self):
        for chain in shipped_chains():
            assert {s.position for s in chain.segments} == set(Position), chain.key

    def test_cli_check_reads_a_folder(self, tmp_path: Path):
        (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
        (chain,) = read_chain_files([tmp_path])
        assert chain.suppliers["fab"] == ["design"]
        assert chain.segment("fab").rules[0].codes == ("3973",)


class TestValidation:
    def test_good_definition_parses(self):
        chain, issues = parse_chain(GOOD, file="x.yaml")
        assert issues == []
        assert chain is not None and chain.customers["design"] == ["fab"]

    def test_unknown_industry_code_reports_its_line(self):
        text = GOOD.replace('codes: ["6520"]', 'codes: ["6529"]')
        assert issues_of(text) == [(9, "unknown industry code '6529' (GB/T 4754-2017)")]

    def test_segment_without_rule_is_refused(self):
        text = GOOD.replace('    rules:\n      - codes: ["6520"]\n', "")
        ((line, message),) = issues_of(text)
        assert line == 5 and "segment 'design' has no placement rule" in message

    def test_rule_with_neither_codes_nor_keywords_is_refused(self):
        text = GOOD.replace('      - codes: ["6520"]', "      - {}")
        assert "has neither codes nor keywords" in issues_of(text)[0][1]

    def test_cycle_is_refused_with_its_path(self):
        text = GOOD + "  - [fab, design]\n"
        ((line, message),) = issues_of(text)
        assert line == 19
        assert "cycle: design -> fab -> design" in message

    def test_cycle_is_allowed_when_declared(self):
        text = (
            GOOD.replace("industries:", "allow_cycles: true\nindustries:") + "  - [fab, design]\n"
        )
        chain, issues = parse_chain(text)
        assert issues == [] and chain is not None

    def test_unknown_segment_in_edge(self):
        text = GOOD + "  - [design, packaging]\n"
        assert issues_of(text) == [(19, "edge refers to unknown segment 'packaging'")]

    def test_duplicate_yaml_key(self):
        text = GOOD.replace("industries:", "key: again\nindustries:")
        assert issues_of(text) == [(3, "duplicate key 'key' (first at line 1)")]

    def test_duplicate_segment_key(self):
        text = GOOD.replace("key: fab", "key: design")
        assert issues_of(text)[0] == (10, "duplicate segment 'design' (first at line 5)")

    def test_duplicate_edge(self):
        text = GOOD + "  - [design, fab]\n"
        assert issues_of(text) == [(19, "duplicate edge design -> fab (first at line 18)")]

    def test_unknown_field_and_bad_position(self):
        text = GOOD.replace("position: upstream", "position: top\n    colour: red")
        found = issues_of(text)
        assert (6, "position must be upstream, midstream or downstream, found 'top'") in found
        assert any(line == 7 and "unknown field 'colour'" in msg for line, msg in found)

    def test_yaml_syntax_error_has_a_line(self):
        assert issues_of("key: [unclosed\nname: x\n")[0][0] == 2

    def test_all_problems_are_reported_at_once(self):
        text = GOOD.replace('"6520"', '"9999"').replace("[design, fab]", "[design, nowhere]")
        with pytest.raises(ChainDefinitionError) as caught:
            load_chains([("x.yaml", text)])
        assert [i.line for i in caught.value.issues] == [9, 18]
        assert caught.value.details[0]["file"] == "x.yaml"

    def test_duplicate_chain_across_files(self):
        with pytest.raises(ChainDefinitionError, match="duplicate chain 'demo'"):
            load_chains([("a.yaml", GOOD), ("b.yaml", GOOD)])
