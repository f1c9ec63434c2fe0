"""Backup and restore of the embedded database: a consistent online copy, not a file copy."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from yuanqu.core.errors import ValidationError


def sqlite_path(url: str) -> Path:
    """The file behind a SQLite URL; other databases have their own tools (pg_dump)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise ValidationError(
            "backup/restore 只适用于内置 SQLite 数据库；PostgreSQL 请使用 pg_dump / pg_restore",
            "backup/restore is for the embedded SQLite database; for PostgreSQL use "
            "pg_dump / pg_restore",
            code="not_sqlite",
        )
    return Path(parsed.database)


def backup(url: str, target: Path | str) -> Path:
    """Copy the live database to ``target`` with SQLite's online backup API (consistent while
    others write)."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise ValidationError(
            f"数据库文件不存在：{source_path}", f"database file not found: {source_path}"
        )
    target = Path(target)
    if target.exists():
        raise ValidationError(f"目标文件已存在：{target}", f"target already exists: {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as dest:
        source.backup(dest)
    return target


def restore(url: str, source: Path | str) -> Path:
    """Replace the database with a backup, after checking the backup is a yuanqu database."""
    target_path = sqlite_path(url)
    source = Path(source)
    if not source.is_file():
        raise ValidationError(f"备份文件不存在：{source}", f"backup file not found: {source}")
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as conn:
            conn.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise ValidationError(
            f"{source} 不是有效的 SQLite 备份：{exc}",
            f"{source} is not a valid SQLite backup: {exc}",
        ) from exc
    if "alembic_version" not in tables or "enterprises" not in tables:
        raise ValidationError(f"{source} 不是 yuanqu 的备份", f"{source} is not a yuanqu backup")
    target_path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target_path) as dest:
        src.backup(dest)
    return target_path
