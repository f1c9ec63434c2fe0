"""The desk's words: channels, request types, urgencies, satisfactions and states in Chinese and
English, read back from either the code or the Chinese name (imports, forms, the CLI)."""

from __future__ import annotations

from enum import StrEnum

from yuanqu.core.errors import ValidationError
from yuanqu.service.models import Channel, RequestStatus, RequestType, Satisfaction, Urgency

STATUS_NAMES: dict[str, tuple[str, str]] = {
    RequestStatus.received: ("待派单", "awaiting dispatch"),
    RequestStatus.dispatched: ("待签收", "awaiting sign-for"),
    RequestStatus.in_progress: ("办理中", "in progress"),
    RequestStatus.returned: ("已退回待改派", "returned to the dispatcher"),
    RequestStatus.closed: ("已办结待回访", "answered, awaiting follow-up"),
    RequestStatus.followed_up: ("已回访", "followed up"),
}

CHANNEL_NAMES: dict[str, tuple[str, str]] = {
    Channel.hotline: ("12345企业服务热线", "12345 enterprise line"),
    Channel.service_port: ("服务港窗口", "service port"),
    Channel.visit: ("服务管家走访", "adviser visit"),
    Channel.portal: ("网上服务平台", "online portal"),
    Channel.letter: ("来信", "letter"),
}

TYPE_NAMES: dict[str, tuple[str, str]] = {
    RequestType.policy: ("政策咨询", "policy question"),
    RequestType.permits: ("审批许可", "permits and approvals"),
    RequestType.land_space: ("土地空间", "land and space"),
    RequestType.finance: ("融资金融", "finance"),
    RequestType.talent_housing: ("人才住房", "talent and housing"),
    RequestType.infrastructure: ("基础设施和水电气热", "infrastructure and utilities"),
    RequestType.market_supervision: ("市场监管", "market supervision"),
    RequestType.complaint: ("投诉", "complaint"),
    RequestType.other: ("其他", "other"),
}

URGENCY_NAMES: dict[str, tuple[str, str]] = {
    Urgency.urgent: ("紧急", "urgent"),
    Urgency.time_critical: ("时限性", "time-critical"),
    Urgency.general: ("一般", "general"),
    Urgency.complex: ("复杂", "complex"),
}

SATISFACTION_NAMES: dict[str, tuple[str, str]] = {
    Satisfaction.satisfied: ("满意", "satisfied"),
    Satisfaction.basically: ("基本满意", "basically satisfied"),
    Satisfaction.unsatisfied: ("不满意", "not satisfied"),
}

# Other spellings offices' sheets use.
_EXTRA: dict[type[StrEnum], dict[str, str]] = {
    Channel: {
        "12345": Channel.hotline,
        "热线": Channel.hotline,
        "服务港": Channel.service_port,
        "窗口": Channel.service_port,
        "走访": Channel.visit,
        "网上": Channel.portal,
        "网站": Channel.portal,
        "信件": Channel.letter,
    },
    RequestType: {"审批": RequestType.permits, "融资": RequestType.finance},
    Urgency: {"时限": Urgency.time_critical, "普通": Urgency.general},
    Satisfaction: {"一般": Satisfaction.basically, "比较满意": Satisfaction.basically},
}

_NAMES: dict[type[StrEnum], dict[str, tuple[str, str]]] = {
    Channel: CHANNEL_NAMES,
    RequestType: TYPE_NAMES,
    Urgency: URGENCY_NAMES,
    Satisfaction: SATISFACTION_NAMES,
    RequestStatus: STATUS_NAMES,
}

_WHAT: dict[type[StrEnum], tuple[str, str]] = {
    Channel: ("渠道", "channel"),
    RequestType: ("诉求类型", "request type"),
    Urgency: ("紧急程度", "urgency"),
    Satisfaction: ("满意度", "satisfaction"),
    RequestStatus: ("状态", "status"),
}


def name(kind: type[StrEnum], code: str | None, lang: str = "zh") -> str:
    """The word a person reads for a code (the code itself if unknown, "—" for none)."""
    if code is None:
        return "—"
    zh, en = _NAMES[kind].get(code, (code, code))
    return en if lang == "en" else zh


def options(kind: type[StrEnum], lang: str = "zh") -> list[tuple[str, str]]:
    """(code, word) of every value, in the enum's order: the choices of a form."""
    return [(member.value, name(kind, member.value, lang)) for member in kind]


def parse(kind: type[StrEnum], value: str, *, field: str | None = None) -> str:
    """A value by its code, its Chinese or English name; ValidationError naming the choices."""
    text = str(value).strip()
    lowered = text.lower().replace("-", "_").replace(" ", "_")
    for member in kind:
        zh, en = _NAMES[kind][member.value]
        if lowered in (member.value, en.lower().replace("-", "_").replace(" ", "_")) or text == zh:
            return member.value
    extra = _EXTRA.get(kind, {}).get(text)
    if extra is not None:
        return str(extra)
    what_zh, what_en = _WHAT[kind]
    choices_zh = "、".join(zh for zh, _en in _NAMES[kind].values())
    choices_en = ", ".join(m.value for m in kind)
    raise ValidationError(
        f"{what_zh}“{text}”无效，可用：{choices_zh}",
        f"{what_en} {text!r} is not valid; use one of {choices_en}",
        details={"field": field or what_en.replace(" ", "_"), "value": text},
    )
