"""The size limit of what the site accepts (``YUANQU_MAX_UPLOAD_MB``, 50 MB by default).

A request whose declared length is over the limit is refused (413) at the first read of its body,
before any byte of it is taken in; one sent without a length (chunked) is counted as it arrives
and refused as soon as it passes the limit. Either way the refusal goes through the app's error
handlers, so the API answers ``{code, message, details}`` and a page shows the error page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.exceptions import HTTPException

from yuanqu.core.config import get_settings

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def upload_limit_bytes() -> int:
    return get_settings().max_upload_mb * 2**20


def too_large(limit: int) -> HTTPException:
    mb = limit // 2**20
    return HTTPException(
        status_code=413,
        detail={
            "zh": f"上传内容过大：上限 {mb} MB（YUANQU_MAX_UPLOAD_MB）",
            "en": f"the upload is too large: the limit is {mb} MB (YUANQU_MAX_UPLOAD_MB)",
            "limit_mb": mb,
        },
    )


class UploadLimit:
    """ASGI middleware: request bodies above the limit never reach the application whole."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = upload_limit_bytes()
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        over = False
        try:
            over = declared is not None and int(declared) > limit
        except ValueError:
            over = True  # a length that is not a number is not believed either
        received = 0

        async def limited() -> Message:
            nonlocal received
            if over:
                raise too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, limited, send)
