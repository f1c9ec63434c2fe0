"""China's official codes in one import.

The unified social credit code lives in ``core.uscc``, the national industry classification in
``core.industry`` and the statistical size class in ``core.size_class``.
"""

from yuanqu.core.industry import Industry, IndustryCatalog, industry_catalog, is_industrial
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

__all__ = [
    "ENTITY_TYPES",
    "REGISTRATION_DEPARTMENTS",
    "SIZE_CLASS_NAMES",
    "USCC_ALPHABET",
    "Industry",
    "IndustryCatalog",
    "UsccVerdict",
    "check_uscc",
    "industry_catalog",
    "is_industrial",
    "make_uscc",
    "make_usccs",
    "normalize_uscc",
    "org_code_check_char",
    "size_class",
    "uscc_check_char",
    "valid_uscc_or_none",
    "validate_uscc",
]
