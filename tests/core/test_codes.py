"""Tests of the codes in core: USCC (GB 32100-2015), GB/T 4754-2017 and the size class."""

from __future__ import annotations

import csv
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yuanqu.core.errors import ValidationError
from yuanqu.core.industry import Industry, industry_catalog, is_industrial
from yuanqu.core.size_class import SIZE_CLASS_NAMES, size_class
from yuanqu.core.uscc import (
    ENTITY_TYPES,
    REGISTRATION_DEPARTMENTS,
    USCC_ALPHABET,
    UsccVerdict,
    check_uscc,
    make_uscc,
    make_usccs,
    normalize_uscc,
    org_code_check_char,
    uscc_check_char,
    valid_uscc_or_none,
    validate_uscc,
)

# Published codes of well-known companies (business licences, annual reports).
REAL_CODES = {
    "914403001922038216": "华为技术有限公司",
    "91110108551385082Q": "小米科技有限责任公司",
    "91330100716105852F": "阿里巴巴（中国）网络技术有限公司",
    "9144030071526726XG": "深圳市腾讯计算机系统有限公司",
}

WAN = 10_000

bodies = st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8)
divisions = st.sampled_from(["110302", "110108", "440300", "330100", "810000", "000000", "100000"])


def _with_check(first17: str) -> str:
    """A code whose main check digit is right, whatever else is wrong with it."""
    return first17 + uscc_check_char(first17)


def _to_base31(serial: int) -> str:
    digits = []
    for _ in range(8):
        serial, value = divmod(serial, 31)
        digits.append(USCC_ALPHABET[value])
    return "".join(reversed(digits))


class TestUsccRealCodes:
    @pytest.mark.parametrize("code", sorted(REAL_CODES))
    def test_published_code_is_valid(self, code: str) -> None:
        verdict = check_uscc(code)
        assert verdict.valid, verdict.reason_en
        assert verdict.reason() is None
        assert verdict.department == "工商（市场监管）"
        assert verdict.entity_type == "企业"
        assert validate_uscc(code) == code

    def test_xiaomi_decodes_to_haidian(self) -> None:
        verdict = check_uscc("91110108551385082Q")
        assert verdict.division_code == "110108"
        assert verdict.division == "北京市 海淀区"
        assert verdict.division_en == "Haidian District, Beijing"
        assert verdict.entity_type_en == "enterprise"

    def test_huawei_decodes_to_shenzhen(self) -> None:
        assert check_uscc("914403001922038216").division == "广东省 深圳市"

    def test_org_code_check_of_published_codes(self) -> None:
        assert org_code_check_char("19220382") == "1"
        assert org_code_check_char("71526726") == "X"
        assert uscc_check_char("91110108551385082") == "Q"


class TestUsccProperties:
    @given(
        body=bodies,
        department=st.sampled_from(sorted(REGISTRATION_DEPARTMENTS)),
        entity_type=st.sampled_from("1239"),
        division=divisions,
    )
    def test_generated_code_is_valid(
        self, body: str, department: str, entity_type: str, division: str
    ) -> None:
        code = make_uscc(
            department=department, entity_type=entity_type, division=division, body8=body
        )
        verdict = check_uscc(code)
        assert verdict.valid, verdict.reason_en
        assert verdict.code == code
        assert code[8:16] == body

    @given(
        body=bodies,
        position=st.integers(min_value=0, max_value=17),
        replacement=st.sampled_from(USCC_ALPHABET),
    )
    def test_any_single_substitution_is_invalid(
        self, body: str, position: int, replacement: str
    ) -> None:
        code = make_uscc(body8=body)
        if code[position] == replacement:
            replacement = USCC_ALPHABET[(USCC_ALPHABET.index(replacement) + 1) % 31]
        changed = code[:position] + replacement + code[position + 1 :]
        verdict = check_uscc(changed)
        assert not verdict.valid
        assert verdict.reason_zh and verdict.reason_en

    @given(body=bodies, padding=st.sampled_from(["", " ", "\u3000", "\t ", "\n"]))
    def test_case_and_surrounding_spaces_are_normalised(self, body: str, padding: str) -> None:
        code = make_uscc(body8=body)
        raw = padding + code.lower() + padding
        assert normalize_uscc(raw) == code
        assert check_uscc(raw).valid
        assert validate_uscc(raw) == code

    def test_full_width_characters_are_folded(self) -> None:
        full_width = "".join(chr(ord(c) + 0xFEE0) for c in "91110108551385082Q")
        assert normalize_uscc(full_width) == "91110108551385082Q"


class TestUsccReasons:
    def test_wrong_length(self) -> None:
        verdict = check_uscc("91110108551385082")
        assert verdict.reason_zh == "长度应为18位，实际为17位"
        assert verdict.reason_en == "must be 18 characters, found 17"
        assert check_uscc("").reason_en == "must be 18 characters, found 0"

    def test_character_outside_alphabet(self) -> None:
        verdict = check_uscc("91110108551385082I")
        assert verdict.reason_zh == "第18位字符 'I' 不在允许的字符集中"
        assert verdict.reason_en == "character 'I' at position 18 is not allowed"
        assert check_uscc("91110108551O85082Q").reason_en == (
            "character 'O' at position 12 is not allowed"
        )

    def test_wrong_check_digit(self) -> None:
        verdict = check_uscc("91110108551385082A")
        assert verdict.reason_zh == "第18位校验码应为 Q，实际为 A"
        assert verdict.reason_en == "check digit should be Q, found A"
        # The decoded parts still help a user find the typo.
        assert verdict.division == "北京市 海淀区"

    def test_wrong_org_code_check(self) -> None:
        code = _with_check("91110108551385083")
        verdict = check_uscc(code)
        assert verdict.reason_zh == "组织机构代码校验码（第17位）应为 2，实际为 3"
        assert verdict.reason_en == (
            "organisation code check character (position 17) should be 2, found 3"
        )

    def test_invalid_department(self) -> None:
        verdict = check_uscc(_with_check("B1110108551385082"))
        assert verdict.reason_zh == "第1位登记管理部门代码 'B' 无效"
        assert verdict.reason_en == "registration department code 'B' at position 1 is not valid"

    def test_department_z_is_outside_the_alphabet(self) -> None:
        assert check_uscc("Z1110108551385082Q").reason_en == (
            "character 'Z' at position 1 is not allowed"
        )

    def test_unknown_province_is_invalid(self) -> None:
        verdict = check_uscc(_with_check("91990108551385082"))
        assert not verdict.valid
        assert verdict.reason_zh == "第3-8位行政区划码 '990108' 的省级代码 '99' 不存在"
        assert verdict.reason_en == "division code '990108' starts with '99', which is no province"

    def test_letters_in_division_are_invalid(self) -> None:
        verdict = check_uscc(_with_check("9111A108551385082"))
        assert (
            verdict.reason_en == "positions 3-8 must be a six-digit division code, found '11A108'"
        )

    def test_zero_division_decodes_to_nothing_and_stays_valid(self) -> None:
        verdict = check_uscc(make_uscc(division="000000", body8="55138508"))
        assert verdict.valid
        assert verdict.division is None
        assert verdict.division_en is None

    def test_unknown_county_decodes_to_its_province(self) -> None:
        verdict = check_uscc(make_uscc(division="659999", body8="55138508"))
        assert verdict.valid
        assert verdict.division == "新疆维吾尔自治区"

    def test_non_string_input_is_a_verdict_not_an_exception(self) -> None:
        assert not check_uscc(12345).valid  # type: ignore[arg-type]

    def test_validate_raises_with_the_reason_and_the_raw_code(self) -> None:
        with pytest.raises(ValidationError) as info:
            validate_uscc(" 91110108551385082A")
        assert info.value.details == {"code": " 91110108551385082A"}
        assert "第18位校验码应为 Q，实际为 A" in info.value.zh
        assert "check digit should be Q, found A" in info.value.en

    def test_to_dict_in_both_languages(self) -> None:
        code = make_uscc(body8="55138508")
        assert check_uscc(code).to_dict() == {
            "code": code,
            "valid": True,
            "reason": None,
            "division": "北京市 北京经济技术开发区",
        }
        assert check_uscc(code).to_dict("en")["division"] == (
            "Beijing Economic-Technological Development Area, Beijing"
        )
        bad = check_uscc("123").to_dict("en")
        assert bad["valid"] is False
        assert bad["reason"] == "must be 18 characters, found 3"


class TestUsccDecoding:
    def test_every_department_has_entity_types(self) -> None:
        assert set(REGISTRATION_DEPARTMENTS) == set("123456789ANY")
        assert set(ENTITY_TYPES) == set(REGISTRATION_DEPARTMENTS)

    @pytest.mark.parametrize(
        ("prefix", "department", "entity_type"),
        [
            ("12", "机构编制", "事业单位"),
            ("51", "民政", "社会团体"),
            ("53", "民政", "基金会"),
            ("92", "工商（市场监管）", "个体工商户"),
            ("93", "工商（市场监管）", "农民专业合作社"),
            ("31", "司法行政", "律师执业机构"),
        ],
    )
    def test_department_and_entity_type(
        self, prefix: str, department: str, entity_type: str
    ) -> None:
        code = make_uscc(department=prefix[0], entity_type=prefix[1], body8="55138508")
        verdict = check_uscc(code)
        assert (verdict.department, verdict.entity_type) == (department, entity_type)

    def test_unlisted_entity_type_decodes_to_none(self) -> None:
        verdict = check_uscc(make_uscc(department="9", entity_type="9", body8="55138508"))
        assert verdict.valid
        assert verdict.entity_type is None

    @pytest.mark.parametrize(
        ("division", "name"),
        [
            ("110302", "北京市 北京经济技术开发区"),
            ("110000", "北京市"),
            ("710000", "台湾省"),
            ("810000", "香港特别行政区"),
            ("820000", "澳门特别行政区"),
            ("320505", "江苏省 苏州市"),
            ("100000", "全国（中央）"),
        ],
    )
    def test_division_names(self, division: str, name: str) -> None:
        assert check_uscc(make_uscc(division=division, body8="55138508")).division == name

    def test_all_34_provinces_are_known(self) -> None:
        text = resources.files("yuanqu").joinpath("data/divisions/gbt2260.csv").read_text("utf-8")
        provinces = [r for r in csv.DictReader(text.splitlines()) if r["code"].endswith("0000")]
        assert len([r for r in provinces if r["code"] != "100000"]) == 34
        assert all(r["name_en"] for r in provinces)


class TestMakeUscc:
    def test_default_is_an_enterprise_in_the_yizhuang_zone(self) -> None:
        code = make_uscc(body8="55138508")
        assert code.startswith("91110302")
        assert check_uscc(code).division == "北京市 北京经济技术开发区"

    def test_org_check_x_stays_inside_the_alphabet(self) -> None:
        code = make_uscc(body8="71526726")
        assert code[16] == "X"
        assert check_uscc(code).valid

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"body8": "1234567I"},
            {"body8": "1234567"},
            {"body8": "12345678", "department": "Z"},
            {"body8": "12345678", "entity_type": "I"},
            {"body8": "12345678", "division": "990000"},
            {"body8": "12345678", "division": "11010"},
        ],
    )
    def test_rejects_bad_parts(self, kwargs: dict[str, str]) -> None:
        with pytest.raises(ValidationError):
            make_uscc(**kwargs)

    def test_check_helpers_reject_bad_input(self) -> None:
        with pytest.raises(ValidationError):
            uscc_check_char("9111010855138508")
        with pytest.raises(ValidationError):
            uscc_check_char("91110108551385O82")
        with pytest.raises(ValidationError):
            org_code_check_char("1234567")
        with pytest.raises(ValidationError):
            org_code_check_char("1234567-")


class TestMakeUsccs:
    @settings(deadline=None)
    @given(serials=st.lists(st.integers(min_value=0, max_value=31**8 - 1), unique=True))
    def test_matches_make_uscc(self, serials: list[int]) -> None:
        codes = make_usccs(serials, division="440300")
        assert codes == [make_uscc(division="440300", body8=_to_base31(s)) for s in serials]

    def test_hundred_thousand_unique_valid_codes(self) -> None:
        # Correctness only: its speed is measured by benchmarks, never asserted by tests.
        codes = make_usccs(range(100_000))
        assert len(set(codes)) == 100_000
        assert all(check_uscc(code).valid for code in codes[::997])

    def test_empty(self) -> None:
        assert make_usccs([]) == []

    @pytest.mark.parametrize("serials", [[-1], [31**8], [1, 2, 1]])
    def test_rejects_out_of_range_and_duplicate_serials(self, serials: list[int]) -> None:
        with pytest.raises(ValidationError):
            make_usccs(serials)


class TestIndustryCatalog:
    def test_counts_per_level(self) -> None:
        catalog = industry_catalog()
        counts = {level: sum(1 for i in catalog if i.level == level) for level in (1, 2, 3, 4)}
        assert counts == {1: 20, 2: 97, 3: 473, 4: 1381}
        assert len(catalog) == 1971
        assert len(catalog.sections()) == 20
        assert len(catalog.divisions()) == 97

    def test_english_names_are_complete(self) -> None:
        text = resources.files("yuanqu").joinpath("data/industry/names_en.csv").read_text("utf-8")
        rows = list(csv.DictReader(text.splitlines()))
        codes = [row["code"] for row in rows]
        catalog = industry_catalog()
        expected = [i.code for i in catalog.sections()] + [i.code for i in catalog.divisions()]
        assert sorted(codes) == sorted(expected)
        assert all(row["name_en"].strip() for row in rows)
        assert catalog.get("C").name_en == "Manufacturing"
        assert catalog.get("39").name_en == (
            "Manufacture of Computers, Communication and Other Electronic Equipment"
        )

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("C3973", "3973"),
            ("3973", "3973"),
            (" c3973 ", "3973"),
            ("C", "C"),
            ("c", "C"),
            ("39", "39"),
            ("397", "397"),
            ("C39", "39"),
            ("０１", "01"),
        ],
    )
    def test_normalize(self, raw: str, code: str) -> None:
        assert industry_catalog().normalize(raw) == code

    def test_section_letter_must_match(self) -> None:
        with pytest.raises(ValidationError) as info:
            industry_catalog().normalize("A3973")
        assert "3973 属于门类 C" in info.value.zh
        assert "3973 belongs to section C" in info.value.en

    @pytest.mark.parametrize("raw", ["", "   ", "C39731", "3", "X", "9999", "U", "制造", "C-39"])
    def test_normalize_rejects(self, raw: str) -> None:
        with pytest.raises(ValidationError):
            industry_catalog().normalize(raw)

    def test_get_unknown_says_so(self) -> None:
        with pytest.raises(ValidationError) as info:
            industry_catalog().get("9999")
        assert info.value.zh == "未知的行业代码 '9999'"
        assert info.value.en == "unknown industry code '9999'"
        assert industry_catalog().find("9999") is None
        assert industry_catalog().find("C3973") == industry_catalog().get("3973")

    def test_path(self) -> None:
        path = industry_catalog().path("C3973")
        assert [i.code for i in path] == ["C", "39", "397", "3973"]
        assert [i.level for i in path] == [1, 2, 3, 4]
        assert [i.code for i in industry_catalog().path("39")] == ["C", "39"]
        assert [i.code for i in industry_catalog().path("C")] == ["C"]

    def test_group_with_single_class(self) -> None:
        assert [i.code for i in industry_catalog().path("5910")] == ["G", "59", "591", "5910"]

    @pytest.mark.parametrize(("level", "code"), [(1, "C"), (2, "39"), (3, "397"), (4, "3973")])
    def test_roll_up(self, level: int, code: str) -> None:
        assert industry_catalog().roll_up("C3973", level) == code

    def test_roll_up_to_a_finer_level_fails(self) -> None:
        with pytest.raises(ValidationError):
            industry_catalog().roll_up("39", 3)
        with pytest.raises(ValidationError):
            industry_catalog().roll_up("3973", 5)

    def test_section_and_division_of(self) -> None:
        catalog = industry_catalog()
        assert catalog.section_of("3973") == "C"
        assert catalog.division_of("3973") == "39"
        assert catalog.division_of("C") is None

    def test_children_and_classes_under(self) -> None:
        catalog = industry_catalog()
        assert [i.code for i in catalog.children("39")][:2] == ["391", "392"]
        assert all(i.level == 2 and i.section == "C" for i in catalog.children("C"))
        assert catalog.classes_under("3973") == ["3973"]
        assert catalog.classes_under("397") == [
            c for c in catalog.classes_under("39") if c.startswith("397")
        ]
        total = sum(len(catalog.classes_under(s.code)) for s in catalog.sections())
        assert total == 1381

    def test_is_under(self) -> None:
        catalog = industry_catalog()
        assert catalog.is_under("3973", "C")
        assert catalog.is_under("C3973", "39")
        assert catalog.is_under("3973", "3973")
        assert not catalog.is_under("3973", "38")
        assert not catalog.is_under("39", "397")

    def test_label_falls_back_to_chinese(self) -> None:
        catalog = industry_catalog()
        assert catalog.get("C").label("en") == "Manufacturing"
        assert catalog.get("C").label() == "制造业"
        item = catalog.get("3973")
        assert isinstance(item, Industry)
        assert item.name_en is None
        assert item.label("en") == item.name_zh

    @pytest.mark.parametrize(
        ("code", "industrial"),
        [("B", True), ("0610", True), ("C3973", True), ("44", True), ("E", False), ("65", False)],
    )
    def test_is_industrial(self, code: str, industrial: bool) -> None:
        assert is_industrial(code) is industrial


class TestSizeClass:
    @pytest.mark.parametrize(
        ("employees", "revenue_wan", "expected"),
        [
            (1000, 40000, "large"),
            (999, 40000, "medium"),
            (1000, 39999.99, "medium"),
            (300, 2000, "medium"),
            (299, 2000, "small"),
            (300, 1999, "small"),
            (20, 300, "small"),
            (19, 300, "micro"),
            (20, 299, "micro"),
            (5000, 299, "micro"),  # micro needs only one indicator below the small bounds
            (0, 0, "micro"),
        ],
    )
    def test_industry_bounds(self, employees: int, revenue_wan: float, expected: str) -> None:
        result = size_class("3973", employees=employees, revenue_yuan=revenue_wan * WAN)
        assert result == expected

    @pytest.mark.parametrize(
        ("code", "employees", "revenue_wan", "expected"),
        [
            ("5111", 200, 40000, "large"),  # wholesale
            ("5111", 199, 40000, "medium"),
            ("5111", 5, 1000, "small"),
            ("5111", 4, 1000, "micro"),
            ("5211", 300, 20000, "large"),  # retail
            ("5211", 50, 500, "medium"),
            ("5211", 10, 100, "small"),
            ("5411", 1000, 30000, "large"),  # transport
            ("5411", 300, 3000, "medium"),
            ("5411", 20, 200, "small"),
            ("5920", 200, 30000, "large"),  # warehousing
            ("5920", 100, 1000, "medium"),
            ("5920", 20, 100, "small"),
            ("6010", 1000, 30000, "large"),  # postal
            ("6010", 300, 2000, "medium"),
            ("6010", 20, 100, "small"),
            ("6110", 300, 10000, "large"),  # accommodation
            ("6210", 100, 2000, "medium"),  # catering
            ("6210", 10, 100, "small"),
            ("6311", 2000, 100000, "large"),  # information transmission
            ("6421", 100, 1000, "medium"),
            ("6421", 10, 100, "small"),
            ("6511", 300, 10000, "large"),  # software
            ("6511", 100, 1000, "medium"),
            ("6511", 10, 50, "small"),
            ("6511", 10, 49, "micro"),
            ("7020", 1000, 5000, "large"),  # property management
            ("7020", 300, 1000, "medium"),
            ("7020", 100, 500, "small"),
            ("7020", 99, 500, "micro"),
        ],
    )
    def test_service_bounds(
        self, code: str, employees: int, revenue_wan: int, expected: str
    ) -> None:
        assert size_class(code, employees=employees, revenue_yuan=revenue_wan * WAN) == expected

    @pytest.mark.parametrize(
        ("code", "employees", "expected"),
        [
            ("7310", 300, "large"),
            ("7310", 299, "medium"),
            ("7310", 100, "medium"),
            ("7310", 99, "small"),
            ("7310", 10, "small"),
            ("7310", 9, "micro"),
            ("1120", 1000, "large"),
            ("4310", 150, "medium"),
            ("0511", 9, "micro"),
        ],
    )
    def test_other_industries_count_employees_only(
        self, code: str, employees: int, expected: str
    ) -> None:
        assert size_class(code, employees=employees, revenue_yuan=None) == expected

    def test_assets_based_rows(self) -> None:
        assert (
            size_class(
                "7010", employees=None, revenue_yuan=200000 * WAN, total_assets_yuan=10000 * WAN
            )
            == "large"
        )
        assert (
            size_class(
                "7010", employees=None, revenue_yuan=200000 * WAN, total_assets_yuan=9999 * WAN
            )
            == "medium"
        )
        assert size_class("7010", employees=None, revenue_yuan=200000 * WAN) is None
        assert (
            size_class("7211", employees=300, revenue_yuan=None, total_assets_yuan=120000 * WAN)
            == "large"
        )
        assert (
            size_class("4710", employees=None, revenue_yuan=300 * WAN, total_assets_yuan=300 * WAN)
            == "small"
        )
        assert size_class("0111", employees=None, revenue_yuan=20000 * WAN) == "large"
        assert size_class("0111", employees=None, revenue_yuan=49 * WAN) == "micro"

    def test_missing_inputs_give_none(self) -> None:
        assert size_class("3973", employees=None, revenue_yuan=1e9) is None
        assert size_class("3973", employees=5000, revenue_yuan=None) is None
        assert size_class("7310", employees=None, revenue_yuan=1e9) is None

    def test_coarse_codes(self) -> None:
        assert size_class("39", employees=1000, revenue_yuan=40000 * WAN) == "large"
        with pytest.raises(ValidationError):
            size_class("G", employees=1000, revenue_yuan=40000 * WAN)

    def test_names(self) -> None:
        assert SIZE_CLASS_NAMES["large"] == ("大型", "large")
        assert set(SIZE_CLASS_NAMES) == {"large", "medium", "small", "micro"}


def test_verdict_is_frozen() -> None:
    verdict = check_uscc("91110108551385082Q")
    assert isinstance(verdict, UsccVerdict)
    with pytest.raises(AttributeError):
        verdict.valid = False  # type: ignore[misc]


class TestFastPath:
    """valid_uscc_or_none (bulk imports) decides exactly as check_uscc does."""

    @given(st.text(alphabet=USCC_ALPHABET + "IOSVZ io", min_size=16, max_size=19))
    def test_agrees_with_check_uscc_on_arbitrary_text(self, raw):
        verdict = check_uscc(raw)
        assert valid_uscc_or_none(raw) == (verdict.code if verdict.valid else None)

    @given(
        st.integers(min_value=0, max_value=31**8 - 1),
        st.integers(0, 17),
        st.sampled_from(USCC_ALPHABET),
    )
    def test_agrees_on_single_character_changes(self, serial, position, char):
        code = make_usccs([serial])[0]
        changed = code[:position] + char + code[position + 1 :]
        verdict = check_uscc(changed)
        assert valid_uscc_or_none(changed) == (verdict.code if verdict.valid else None)
