"""What a new password must be: ten characters at least, not a common one, hard to guess.

The strength is zxcvbn's estimate (0 to 4) of how many guesses the password would take, with
the user's own name and the site's name counted as known words; 3 ("safely unguessable",
about 10^8 guesses and more) is the least we take. The list of common passwords is zxcvbn's own
(30,000 passwords from real leaks).
"""

from __future__ import annotations

from functools import cache

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from yuanqu.core.errors import ValidationError

MIN_LENGTH = 10
MIN_SCORE = 3
# zxcvbn's matching grows fast with the length; what lies past this is not needed to judge.
ESTIMATED_PREFIX = 72
SITE_WORDS = ("yuanqu", "yuanqu园区", "园区", "kaifaqu", "admin")


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password(password: str, *, username: str = "", display_name: str = "") -> None:
    """Refuse (422, ``weak_password``) a password that is short, common or easy to guess."""
    details: dict[str, object] = {"field": "password", "min_length": MIN_LENGTH}
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            f"密码太短：至少需要 {MIN_LENGTH} 个字符",
            f"the password is too short: it needs at least {MIN_LENGTH} characters",
            code="weak_password",
            details=details,
        )
    if password.lower() in common_passwords() or password.strip().lower() in common_passwords():
        raise ValidationError(
            "这是最常见的密码之一，请换一个不常见的",
            "this is one of the most common passwords; choose one that is not",
            code="weak_password",
            details=details,
        )
    words = [w for w in (username, display_name, *SITE_WORDS) if w]
    estimate = zxcvbn(password[:ESTIMATED_PREFIX], user_inputs=words)
    if estimate["score"] < MIN_SCORE:
        hint = estimate["feedback"].get("warning") or ""
        raise ValidationError(
            f"密码太容易被猜到（强度 {estimate['score']}/4，至少需要 {MIN_SCORE}/4）："
            "请用更长的、不常见的词组合，避免重复字符、键盘序列、日期和用户名",
            f"the password is too easy to guess (strength {estimate['score']}/4, at least "
            f"{MIN_SCORE}/4 needed): use a longer mix of uncommon words, no repeats, keyboard "
            f"runs, dates or your user name. {hint}".strip(),
            code="weak_password",
            details={**details, "score": estimate["score"], "min_score": MIN_SCORE},
        )
