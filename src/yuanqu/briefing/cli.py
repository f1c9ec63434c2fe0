"""`yuanqu briefing --period YYYY-MM --out FILE`: the monthly briefing as .docx or PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yuanqu.briefing import document
from yuanqu.briefing.compose import compose
from yuanqu.core.db import cli_session
from yuanqu.core.errors import ValidationError
from yuanqu.core.terminal import console, lang, t


def briefing(
    out: Annotated[Path, typer.Option(help="the file to write: .docx or .pdf")],
    period: Annotated[str | None, typer.Option(help="YYYY-MM; default: the latest")] = None,
) -> None:
    """The monthly briefing (经济运行分析) for leaders, as .docx or PDF."""
    if out.suffix.lower() not in (".docx", ".pdf"):
        raise ValidationError("--out 应以 .docx 或 .pdf 结尾", "--out must end in .docx or .pdf")
    with cli_session() as session:
        composed = compose(session, period=period, lang=lang())
    document.write(composed, out, lang=lang())
    console.print(t(f"{composed.title}已写入 {out}", f"{composed.title} written to {out}"))
