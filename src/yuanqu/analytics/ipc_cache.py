"""A columnar cache on disk: Arrow tables in IPC files, keyed by database, slot and data version.

An analysis reads its tables from the system of record once per data version; the files let a
restarted process (a new web worker, the next CLI command) map them back in milliseconds instead
of reading the database again. Every write to a dataset bumps its version
(``core.db.bump_data_version``), so a file is never stale: a new version is a new file, and the
older files of a slot are removed when a newer one is written.

Layout: ``ROOT/<database key>/<slot>@<version>/<table>.arrow``, each directory renamed into
place once complete, so a reader never sees half a directory. The cache is an optimisation:
any failure to read or write it is logged and the caller reads the database instead.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)


def database_key(url: str) -> str:
    """A short stable name for the database at ``url`` (the password plays no part)."""
    plain = make_url(url).render_as_string(hide_password=True)
    return hashlib.sha256(plain.encode()).hexdigest()[:16]


class IpcCache:
    """The cached tables of one database under ``root``."""

    def __init__(self, root: Path, url: str) -> None:
        self.directory = Path(root) / database_key(url)

    def path(self, slot: str, version: int) -> Path:
        return self.directory / f"{slot}@{version}"

    def get(self, slot: str, version: int) -> dict[str, pa.Table] | None:
        """The tables stored for ``slot`` at exactly ``version``, memory-mapped; else None."""
        folder = self.path(slot, version)
        if not folder.is_dir():
            return None
        try:
            tables: dict[str, pa.Table] = {}
            for file in sorted(folder.glob("*.arrow")):
                with pa.memory_map(str(file)) as source:
                    tables[file.stem] = pa.ipc.open_file(source).read_all()
            return tables or None
        except (OSError, pa.ArrowInvalid) as exc:
            log.warning("columnar cache %s unreadable, reading the database: %s", folder, exc)
            return None

    def put(self, slot: str, version: int, tables: Mapping[str, pa.Table]) -> Path | None:
        """Store ``tables`` for ``slot`` at ``version`` and drop the slot's older versions."""
        final = self.path(slot, version)
        staging = self.directory / f".{slot}@{version}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        try:
            staging.mkdir(parents=True)
            for name, table in tables.items():
                target = str(staging / f"{name}.arrow")
                with pa.OSFile(target, "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
                    out.write_table(table)
            try:
                staging.rename(final)
            except OSError:
                if not final.is_dir():
                    raise
                shutil.rmtree(staging, ignore_errors=True)  # another process wrote it first
            self._drop_older(slot, version)
            return final
        except OSError as exc:
            log.warning("columnar cache %s not written: %s", final, exc)
            shutil.rmtree(staging, ignore_errors=True)
            return None

    def _drop_older(self, slot: str, version: int) -> None:
        for folder in self.directory.glob(f"{slot}@*"):
            found = folder.name.rpartition("@")[2]
            if found.isdigit() and int(found) < version:
                shutil.rmtree(folder, ignore_errors=True)
