"""Files attached to a request: checked and stored by their SHA-256 as grant evidence is
(:mod:`yuanqu.grants.evidence`), recorded beside the request and in the audit chain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal
from yuanqu.core.errors import ValidationError
from yuanqu.grants.evidence import MAX_FILES, Upload, check_upload, store
from yuanqu.service.models import ServiceAttachment, ServiceRequest
from yuanqu.service.requests import ENTITY, get_request

__all__ = ["Upload", "attach", "read_upload"]


def attach(
    session: Session, *, request_id: int, actor: Principal, uploads: Sequence[Upload]
) -> list[ServiceAttachment]:
    """Check every file first (a bad one refuses them all), then store and record each."""
    req: ServiceRequest = get_request(session, request_id=request_id, principal=actor)
    if not uploads:
        return []
    held = session.scalar(
        select(func.count(ServiceAttachment.id)).where(ServiceAttachment.request_id == req.id)
    )
    if (held or 0) + len(uploads) > MAX_FILES:
        raise ValidationError(
            f"每件诉求最多 {MAX_FILES} 个附件",
            f"at most {MAX_FILES} files per request",
            details={"field": "files"},
        )
    checked = [check_upload(upload, i) for i, upload in enumerate(uploads)]
    rows = []
    for item in checked:
        store(item)
        row = ServiceAttachment(
            request_id=req.id,
            filename=item.filename,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            uploaded_by=actor.username,
        )
        session.add(row)
        rows.append(row)
    session.flush()  # the audit record names the files
    audit.record(
        session,
        actor=actor.username,
        entity_type=ENTITY,
        entity_id=req.id,
        action="attach",
        after={"files": [{"filename": r.filename, "sha256": r.sha256} for r in rows]},
    )
    return rows


async def read_upload(files: Sequence[object]) -> list[Upload]:
    """The uploaded files of a form (FastAPI ``UploadFile``s), empty inputs skipped."""
    from yuanqu.grants.evidence import MAX_BYTES

    uploads = []
    for upload in files:
        name = getattr(upload, "filename", "") or ""
        content = await upload.read(MAX_BYTES + 1)  # type: ignore[attr-defined]
        if name or content:
            uploads.append(Upload("attachment", name, content))
    return uploads
