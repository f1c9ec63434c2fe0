"""The columnar cache on disk and the long-lived SQLite reader child."""

from __future__ import annotations

import sqlite3

import pyarrow as pa
import pytest

from yuanqu.analytics import engine
from yuanqu.analytics.ipc_cache import IpcCache

URL = "sqlite:////data/yuanqu.db"


def _table(n: int) -> pa.Table:
    ids = pa.array(range(n), type=pa.int64())
    return pa.table({"id": ids, "name": [f"n{i}" for i in range(n)]})


class TestIpcCache:
    def test_tables_come_back_at_exactly_their_version(self, tmp_path):
        cache = IpcCache(tmp_path, URL)
        cache.put("book", 7, {"a": _table(3), "b": _table(1)})
        found = cache.get("book", 7)
        assert found is not None and found["a"].equals(_table(3)) and found["b"].equals(_table(1))
        assert cache.get("book", 8) is None and cache.get("other", 7) is None

    def test_a_newer_version_drops_the_older_but_never_a_newer_one(self, tmp_path):
        cache = IpcCache(tmp_path, URL)
        cache.put("book", 5, {"a": _table(1)})
        cache.put("book", 9, {"a": _table(2)})
        assert cache.get("book", 5) is None
        cache.put("book", 6, {"a": _table(3)})  # a slow process writes an older version late
        assert cache.get("book", 9)["a"].num_rows == 2

    def test_databases_do_not_share_files_and_passwords_play_no_part(self, tmp_path):
        one = IpcCache(tmp_path, "postgresql+psycopg://u:secret@db/one")
        one.put("book", 1, {"a": _table(1)})
        assert IpcCache(tmp_path, "postgresql+psycopg://u:other@db/one").get("book", 1)
        assert IpcCache(tmp_path, "postgresql+psycopg://u:secret@db/two").get("book", 1) is None

    def test_an_unreadable_file_is_a_miss_not_an_error(self, tmp_path):
        cache = IpcCache(tmp_path, URL)
        folder = cache.put("book", 1, {"a": _table(1)})
        (folder / "a.arrow").write_bytes(b"not arrow")
        assert cache.get("book", 1) is None


class TestSqliteReader:
    def test_the_reader_answers_a_bad_query_and_keeps_serving(self, tmp_path):
        path = tmp_path / "x.db"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE t (id INTEGER, name TEXT)")
            conn.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b")])
        url = f"sqlite:///{path}"
        with pytest.raises(RuntimeError, match="no such table"):
            engine.read_arrow(url, {"x": "SELECT * FROM no_such_table"})
        queries = {"t": "SELECT id, name FROM t ORDER BY id", "n": "SELECT 1"}
        tables = engine.read_arrow(url, queries)
        assert tables["t"].to_pydict() == {"id": [1, 2], "name": ["a", "b"]}
        # the same long-lived child answered both reads
        child = engine._READER._child
        assert child is not None and child.poll() is None
        assert engine.read_arrow(url, {"n": "SELECT 2 AS n"})["n"].to_pydict() == {"n": [2]}
        assert engine._READER._child is child
