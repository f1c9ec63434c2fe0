"""The briefing's charts as PNG images (Pillow), each axis with its unit, drawn with a CJK font
found on the machine (Noto Sans CJK, WenQuanYi, Source Han...)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from yuanqu.core.errors import YuanquError

#: Where a CJK font is looked for, with the face number of Simplified Chinese in a collection.
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/System/Library/Fonts/PingFang.ttc", 0),
    ("C:/Windows/Fonts/msyh.ttc", 0),
)
COLORS = ("#1d6fb8", "#e07b39", "#3a9c5b", "#c9403a")


@cache
def cjk_font() -> tuple[str, int]:
    """(path, face number) of a font that has Chinese characters."""
    for path, face in FONT_CANDIDATES:
        if Path(path).exists():
            return path, face
    raise YuanquError(
        "找不到中文字体：请安装 fonts-noto-cjk（Debian/Ubuntu：apt-get install fonts-noto-cjk）",
        "no CJK font found: install fonts-noto-cjk (Debian/Ubuntu: apt-get install fonts-noto-cjk)",
        code="no_cjk_font",
    )


def _font(size: int):
    from PIL import ImageFont

    path, face = cjk_font()
    return ImageFont.truetype(path, size=size, index=face)


def bars(
    categories: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    unit: str,
    width: int = 1600,
    height: int = 800,
) -> bytes:
    """Grouped vertical bars (one group per category), the value axis labelled with ``unit``."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    big, small = _font(34), _font(24)
    draw.text((width // 2, 20), title, font=big, fill="black", anchor="mt")
    left, right, top, bottom = 150, width - 40, 110, height - 110
    values = [v for vs in series.values() for v in vs if v is not None]
    peak = max([*values, 0.0]) or 1.0
    step = _nice_step(peak / 5)
    top_value = step * (int(peak / step) + 1)
    draw.text((left - 10, top - 40), unit, font=small, fill="#333", anchor="rs")
    ticks = int(top_value / step)
    for i in range(ticks + 1):
        y = bottom - (bottom - top) * i / ticks
        draw.line((left, y, right, y), fill="#dddddd", width=1)
        draw.text((left - 12, y), f"{step * i:,.0f}", font=small, fill="#333", anchor="rm")
    draw.line((left, top, left, bottom), fill="#333", width=2)
    draw.line((left, bottom, right, bottom), fill="#333", width=2)
    slot = (right - left) / max(len(categories), 1)
    bar_width = slot * 0.8 / max(len(series), 1)
    for s_index, (name, vs) in enumerate(series.items()):
        color = COLORS[s_index % len(COLORS)]
        for c_index, value in enumerate(vs):
            if value is None:
                continue
            x0 = left + slot * c_index + slot * 0.1 + bar_width * s_index
            y0 = bottom - (bottom - top) * value / top_value
            draw.rectangle((x0, y0, x0 + bar_width - 2, bottom), fill=color)
        lx = left + 20 + s_index * 260
        draw.rectangle((lx, height - 50, lx + 28, height - 26), fill=color)
        draw.text((lx + 38, height - 38), name, font=small, fill="black", anchor="lm")
    for c_index, category in enumerate(categories):
        x = left + slot * c_index + slot / 2
        draw.text((x, bottom + 12), category, font=small, fill="#333", anchor="mt")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _nice_step(raw: float) -> float:
    magnitude = 10 ** len(str(int(max(raw, 1)))) / 10
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude
