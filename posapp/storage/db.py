"""Opening the database: one proxy for the whole program, SQLite or PostgreSQL from a URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlparse

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase

from posapp.config import redact
from posapp.domain.errors import StorageError

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    # A sale acknowledged to the cashier must survive power loss.
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "cache_size": -32000,
    "temp_store": "memory",
}


def make_database(url: str):
    """A configured but unconnected peewee database for sqlite:///PATH or postgresql://..."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10, check_same_thread=False)
    if url.startswith(("postgresql://", "postgres://")):
        parsed = urlparse(url)
        params = {
            "host": parsed.hostname or "localhost",
            "port": parsed.port or 5432,
            "user": unquote(parsed.username or ""),
            "password": unquote(parsed.password or ""),
            "connect_timeout": 10,
            "application_name": "posapp",
        }
        return PostgresqlDatabase(parsed.path.lstrip("/"), prefer_psycopg3=True,
                                  **{k: v for k, v in params.items() if v != ""})
    raise StorageError(f"database url {url!r} must start with sqlite:/// or postgresql://")


def bind(url: str):
    """Point the proxy at the database behind url, connect, and return it."""
    db = make_database(url)
    database.initialize(db)
    try:
        db.connect(reuse_if_open=True)
    except Exception as exc:  # driver errors differ; the message is what matters here
        raise StorageError(f"cannot open database {redact(url)}: {exc}") from exc
    return db


def is_sqlite(db=None) -> bool:
    db = db or database.obj
    return isinstance(db, SqliteDatabase)


def immediate(db=None):
    """A transaction that takes the write lock at BEGIN, so writers never interleave."""
    db = db or database.obj
    if isinstance(db, SqliteDatabase):
        return db.atomic(lock_type="IMMEDIATE")
    return db.atomic()


def sqlite_path(url: str) -> Path | None:
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def sqlite_backup(source: Path, target: Path) -> Path:
    """Online backup through SQLite's backup API (safe while other connections write)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(str(source), timeout=10)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target
