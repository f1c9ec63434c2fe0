"""统一社会信用代码 (unified social credit code, GB 32100-2015): normalise, check, decode and
generate the 18-character identifier of every enterprise and organisation."""

from __future__ import annotations

import csv
import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from yuanqu.core.errors import ValidationError
from yuanqu.data import read_text

# ---------------------------------------------------------------------------------------------
# Unified social credit code (GB 32100-2015)
# ---------------------------------------------------------------------------------------------

#: The 31 characters a USCC may use; a character's index is its value in the check computation.
#: I, O, Z, S and V are left out because they are easily misread as 1, 0, 2, 5 and U.
USCC_ALPHABET: str = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {char: value for value, char in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

# GB 11714 (organisation code): digits keep their value, letters count A=10 .. Z=35.
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUE = {char: value for value, char in enumerate(_ORG_ALPHABET)}

#: 登记管理部门 (position 1) -> (zh, en), as listed in GB 32100-2015 and its amendments (A, N).
REGISTRATION_DEPARTMENTS: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "institutional establishment authority"),
    "2": ("外交", "foreign affairs"),
    "3": ("司法行政", "judicial administration"),
    "4": ("文化", "culture"),
    "5": ("民政", "civil affairs"),
    "6": ("旅游", "tourism"),
    "7": ("宗教", "religious affairs"),
    "8": ("工会", "trade unions"),
    "9": ("工商（市场监管）", "industry and commerce (market regulation)"),
    "A": ("中央军委改革和编制办公室", "CMC reform and establishment office"),
    "N": ("农业", "agriculture"),
    "Y": ("其他", "other"),
}

_OTHER = ("其他", "other")

#: 机构类别 (position 2) per registration department -> (zh, en); its meaning depends on position 1.
ENTITY_TYPES: dict[str, dict[str, tuple[str, str]]] = {
    "1": {
        "1": ("机关", "government organ"),
        "2": ("事业单位", "public institution"),
        "3": (
            "中央编办直接管理机构编制的群众团体",
            "mass organisation under the central establishment office",
        ),
        "9": _OTHER,
    },
    "2": {"1": ("外国常驻新闻机构", "resident office of a foreign news agency"), "9": _OTHER},
    "3": {
        "1": ("律师执业机构", "law firm"),
        "2": ("公证处", "notary office"),
        "3": ("基层法律服务所", "grassroots legal service office"),
        "4": ("司法鉴定机构", "forensic appraisal institution"),
        "5": ("仲裁委员会", "arbitration commission"),
        "9": _OTHER,
    },
    "4": {"1": ("外国在华文化中心", "foreign cultural centre in China"), "9": _OTHER},
    "5": {
        "1": ("社会团体", "social organisation"),
        "2": ("民办非企业单位", "private non-enterprise unit"),
        "3": ("基金会", "foundation"),
        "9": _OTHER,
    },
    "6": {
        "1": ("外国旅游部门常驻代表机构", "resident office of a foreign tourism authority"),
        "2": (
            "港澳台地区旅游部门常驻内地（大陆）代表机构",
            "mainland office of a Hong Kong, Macao or Taiwan tourism authority",
        ),
        "9": _OTHER,
    },
    "7": {
        "1": ("宗教活动场所", "venue for religious activities"),
        "2": ("宗教院校", "religious school"),
        "9": _OTHER,
    },
    "8": {"1": ("基层工会", "grassroots trade union"), "9": _OTHER},
    "9": {
        "1": ("企业", "enterprise"),
        "2": ("个体工商户", "individual business"),
        "3": ("农民专业合作社", "farmers' specialised cooperative"),
    },
    "A": {"1": ("军队事业单位", "military public institution"), "9": _OTHER},
    "N": {
        "1": ("组级集体经济组织", "group-level collective economic organisation"),
        "2": ("村级集体经济组织", "village-level collective economic organisation"),
        "3": ("乡镇级集体经济组织", "township-level collective economic organisation"),
        "9": _OTHER,
    },
    "Y": {"1": _OTHER},
}


@functools.cache
def _divisions() -> dict[str, tuple[str, str | None]]:
    """GB/T 2260 code -> (zh, en or None), from the shipped CSV (see data/divisions/README.md)."""
    rows = csv.DictReader(read_text("divisions/gbt2260.csv").splitlines())
    return {row["code"]: (row["name_zh"], row["name_en"] or None) for row in rows}


def _decode_division(code: str) -> tuple[str | None, str | None]:
    """The (zh, en) place of a six-digit division code; the province at least, or None."""
    table = _divisions()
    province = table.get(code[:2] + "0000")
    if province is None:
        return None, None
    zh, en = [province[0]], [province[1] or ""]
    local = table.get(code) if code[2:] != "0000" else None
    if local is None and code[4:] != "00":
        local = table.get(code[:4] + "00")
    if local is not None:
        zh.append(local[0])
        if local[1]:
            en.insert(0, local[1])
    return " ".join(zh), ", ".join(en)


def normalize_uscc(raw: str) -> str:
    """The code stripped of surrounding (also full-width) spaces, folded to ASCII, upper-case."""
    # NFKC folds full-width letters, digits and the ideographic space into ASCII, which is how
    # codes pasted from Chinese documents usually differ from the canonical form.
    return unicodedata.normalize("NFKC", raw).strip().upper()


def _check_alphabet(text: str, alphabet: str, *, offset: int = 0) -> None:
    for position, char in enumerate(text, start=offset + 1):
        if char not in alphabet:
            raise ValidationError(
                f"第{position}位字符 '{char}' 不在允许的字符集中",
                f"character '{char}' at position {position} is not allowed",
                details={"position": position, "char": char},
            )


def uscc_check_char(first17: str) -> str:
    """The check character (position 18) of a USCC whose first 17 characters are given."""
    if len(first17) != 17:
        raise ValidationError(
            f"应为17位，实际为{len(first17)}位",
            f"need 17 characters, found {len(first17)}",
            details={"value": first17},
        )
    _check_alphabet(first17, USCC_ALPHABET)
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """The GB 11714 check character ('0'-'9' or 'X') of an eight-character org-code body."""
    if len(body8) != 8:
        raise ValidationError(
            f"组织机构代码本体应为8位，实际为{len(body8)}位",
            f"organisation code body must be 8 characters, found {len(body8)}",
            details={"value": body8},
        )
    _check_alphabet(body8, _ORG_ALPHABET)
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


@dataclass(frozen=True)
class UsccVerdict:
    """What a USCC is: valid or not (and why), and what its positions say."""

    code: str
    valid: bool
    reason_zh: str | None = None
    reason_en: str | None = None
    department: str | None = None
    department_en: str | None = None
    entity_type: str | None = None
    entity_type_en: str | None = None
    division_code: str | None = None
    division: str | None = None
    division_en: str | None = None

    def reason(self, lang: str = "zh") -> str | None:
        """Why the code is invalid, in ``lang`` ('zh' or 'en'); None when it is valid."""
        return self.reason_en if lang == "en" else self.reason_zh

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """The verdict as JSON-ready data in one language."""
        division = self.division_en if lang == "en" else self.division
        return {
            "code": self.code,
            "valid": self.valid,
            "reason": self.reason(lang),
            "division": division,
        }


def _invalid(code: str, zh: str, en: str, **decoded: str | None) -> UsccVerdict:
    return UsccVerdict(code=code, valid=False, reason_zh=zh, reason_en=en, **decoded)


def check_uscc(raw: str) -> UsccVerdict:
    """Check and decode a USCC; never raises, the verdict says what is wrong."""
    if not isinstance(raw, str):
        return _invalid(str(raw), "代码应为字符串", "the code must be a string")
    code = normalize_uscc(raw)
    if len(code) != 18:
        return _invalid(
            code, f"长度应为18位，实际为{len(code)}位", f"must be 18 characters, found {len(code)}"
        )
    try:
        _check_alphabet(code, USCC_ALPHABET)
    except ValidationError as error:
        return _invalid(code, error.zh, error.en)

    department = REGISTRATION_DEPARTMENTS.get(code[0])
    entity = ENTITY_TYPES.get(code[0], {}).get(code[1])
    division_code = code[2:8]
    division, division_en = (None, None)
    if division_code.isdigit():
        division, division_en = _decode_division(division_code)
    decoded: dict[str, str | None] = {
        "department": department[0] if department else None,
        "department_en": department[1] if department else None,
        "entity_type": entity[0] if entity else None,
        "entity_type_en": entity[1] if entity else None,
        "division_code": division_code,
        "division": division,
        "division_en": division_en,
    }

    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return _invalid(
            code,
            f"第18位校验码应为 {expected}，实际为 {code[17]}",
            f"check digit should be {expected}, found {code[17]}",
            **decoded,
        )
    if department is None:
        return _invalid(
            code,
            f"第1位登记管理部门代码 '{code[0]}' 无效",
            f"registration department code '{code[0]}' at position 1 is not valid",
            **decoded,
        )
    org_expected = org_code_check_char(code[8:16])
    if code[16] != org_expected:
        return _invalid(
            code,
            f"组织机构代码校验码（第17位）应为 {org_expected}，实际为 {code[16]}",
            f"organisation code check character (position 17) should be {org_expected}, "
            f"found {code[16]}",
            **decoded,
        )
    if not division_code.isdigit():
        return _invalid(
            code,
            f"第3-8位行政区划码应为6位数字，实际为 '{division_code}'",
            f"positions 3-8 must be a six-digit division code, found '{division_code}'",
            **decoded,
        )
    # '000000' means "no division recorded"; it decodes to nothing but is not an error.
    if division is None and division_code != "000000":
        return _invalid(
            code,
            f"第3-8位行政区划码 '{division_code}' 的省级代码 '{division_code[:2]}' 不存在",
            f"division code '{division_code}' starts with '{division_code[:2]}', "
            "which is no province",
            **decoded,
        )
    return UsccVerdict(code=code, valid=True, **decoded)


def valid_uscc_or_none(raw: str) -> str | None:
    """The normalised code if it is valid, else None: the fast path for bulk imports.

    It decides exactly as ``check_uscc`` does (a test holds them together) but builds no verdict;
    callers ask ``check_uscc`` for the reason only when this returns None.
    """
    code = raw.strip().upper() if raw.isascii() else normalize_uscc(raw)
    if len(code) != 18 or code[0] not in REGISTRATION_DEPARTMENTS:
        return None
    values = _USCC_VALUE
    try:
        total = sum([values[c] * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True)])
    except KeyError:
        return None
    if USCC_ALPHABET[(31 - total % 31) % 31] != code[17]:
        return None
    division = code[2:8]
    if not division.isdigit():
        return None
    if division != "000000" and (division[:2] + "0000") not in _divisions():
        return None
    body = code[8:16]
    org = _ORG_VALUE
    try:
        check = 11 - sum([org[c] * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)]) % 11
    except KeyError:
        return None
    expected = "X" if check == 10 else "0" if check == 11 else str(check)
    return code if code[16] == expected else None


def validate_uscc(raw: str) -> str:
    """The normalised code, or a ValidationError saying precisely why it is not a valid USCC."""
    verdict = check_uscc(raw)
    if not verdict.valid:
        raise ValidationError(
            f"统一社会信用代码无效：{verdict.reason_zh}",
            f"invalid unified social credit code: {verdict.reason_en}",
            details={"code": raw},
        )
    return verdict.code


def _check_prefix(department: str, entity_type: str, division: str) -> None:
    if department not in REGISTRATION_DEPARTMENTS:
        raise ValidationError(
            f"登记管理部门代码 '{department}' 无效",
            f"registration department code '{department}' is not valid",
        )
    if len(entity_type) != 1 or entity_type not in USCC_ALPHABET:
        raise ValidationError(
            f"机构类别代码 '{entity_type}' 无效", f"entity type code '{entity_type}' is not valid"
        )
    if not (len(division) == 6 and division.isdigit()) or (
        division != "000000" and _decode_division(division)[0] is None
    ):
        raise ValidationError(
            f"行政区划码 '{division}' 无效", f"division code '{division}' is not valid"
        )


def make_uscc(
    *, department: str = "9", entity_type: str = "1", division: str = "110302", body8: str
) -> str:
    """A valid USCC built from its parts and an organisation code body (8 characters)."""
    _check_prefix(department, entity_type, division)
    body8 = normalize_uscc(body8)
    # The body must satisfy both standards: GB 11714 allows any A-Z, GB 32100 only the 31.
    _check_alphabet(body8, USCC_ALPHABET, offset=8)
    first17 = department + entity_type + division + body8 + org_code_check_char(body8)
    return first17 + uscc_check_char(first17)


_MAX_SERIAL = 31**8
_ALPHABET_BYTES = np.frombuffer(USCC_ALPHABET.encode("ascii"), dtype=np.uint8)
# Value under GB 11714 of each character of the 31-character alphabet.
_ORG_VALUE_OF = np.array([_ORG_ALPHABET.index(c) for c in USCC_ALPHABET], dtype=np.int64)
# Org-code check value (11 - sum mod 11, 1..11) -> index of its character in USCC_ALPHABET.
_ORG_CHECK_INDEX = np.array(
    [_USCC_VALUE[{10: "X", 11: "0"}.get(value, str(value % 10))] for value in range(12)]
)


def make_usccs(
    serials: Sequence[int],
    *,
    division: str = "110302",
    department: str = "9",
    entity_type: str = "1",
) -> list[str]:
    """Valid USCCs, one per distinct serial (0 <= serial < 31**8), computed with numpy.

    The organisation-code body is the serial written in base 31 with ``USCC_ALPHABET``'s
    characters, which GB 11714 also accepts, so distinct serials give distinct codes.
    """
    _check_prefix(department, entity_type, division)
    values = np.asarray(serials, dtype=np.int64)
    if values.size == 0:
        return []
    if values.min() < 0 or values.max() >= _MAX_SERIAL:
        raise ValidationError(
            "序号应在 0 到 31^8-1 之间", "serials must lie between 0 and 31**8 - 1"
        )
    if np.unique(values).size != values.size:
        raise ValidationError("序号不能重复", "serials must be distinct")

    digits = np.empty((values.size, 18), dtype=np.int64)
    prefix = department + entity_type + division
    digits[:, :8] = [_USCC_VALUE[c] for c in prefix]
    rest = values.copy()
    for position in range(15, 7, -1):
        digits[:, position] = rest % 31
        rest //= 31
    org_sum = _ORG_VALUE_OF[digits[:, 8:16]] @ np.array(_ORG_WEIGHTS, dtype=np.int64)
    digits[:, 16] = _ORG_CHECK_INDEX[11 - org_sum % 11]
    total = digits[:, :17] @ np.array(_USCC_WEIGHTS, dtype=np.int64)
    digits[:, 17] = (31 - total % 31) % 31
    text = _ALPHABET_BYTES[digits].view("S18").ravel()
    return text.astype("U18").tolist()
