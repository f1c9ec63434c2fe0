"""Evidence files: checked for size and type, stored under the data directory by content hash."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from yuanqu.core.config import get_settings
from yuanqu.core.errors import ValidationError

#: Largest file accepted (bytes).
MAX_BYTES = 10 * 1024 * 1024
#: Most files per application.
MAX_FILES = 10

# Accepted types: extension -> (content type, the file's first bytes). The bytes decide, not the
# name a browser sent: an .exe renamed .pdf is refused.
TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".ofd": ("application/ofd", (b"PK\x03\x04",)),
}


@dataclass(frozen=True)
class Upload:
    """One file as received: which evidence it is, its name and its bytes."""

    kind: str
    filename: str
    content: bytes


@dataclass(frozen=True)
class Checked:
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    content: bytes


def check_upload(upload: Upload, index: int) -> Checked:
    """The file if it is acceptable; else a ValidationError naming the file, field and reason."""
    name = Path(upload.filename or "").name
    where = {"file": index + 1, "filename": name, "kind": upload.kind}
    suffix = Path(name).suffix.lower()
    if suffix not in TYPES:
        raise ValidationError(
            f"第 {index + 1} 个文件 {name}：不支持的类型（可用 {'、'.join(TYPES)}）",
            f"file {index + 1} {name}: type not accepted (accepted: {', '.join(TYPES)})",
            details=where | {"field": "filename"},
        )
    size = len(upload.content)
    if size == 0 or size > MAX_BYTES:
        raise ValidationError(
            f"第 {index + 1} 个文件 {name}：大小 {size} 字节，须在 1 字节到 10 MiB 之间",
            f"file {index + 1} {name}: {size} bytes; must be 1 byte to 10 MiB",
            details=where | {"field": "size", "value": size},
        )
    content_type, magics = TYPES[suffix]
    if not upload.content.startswith(magics):
        raise ValidationError(
            f"第 {index + 1} 个文件 {name}：内容不是 {suffix} 文件",
            f"file {index + 1} {name}: the content is not a {suffix} file",
            details=where | {"field": "content"},
        )
    digest = hashlib.sha256(upload.content).hexdigest()
    return Checked(upload.kind, name, content_type, size, digest, upload.content)


def evidence_dir() -> Path:
    return Path(get_settings().data_dir) / "evidence"


def store(checked: Checked) -> Path:
    """Write the file once under its hash (same content, same file); atomic by rename."""
    path = evidence_dir() / checked.sha256[:2] / checked.sha256
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(checked.content)
        os.replace(tmp, path)
    return path


def read(sha256: str) -> bytes:
    return (evidence_dir() / sha256[:2] / sha256).read_bytes()
