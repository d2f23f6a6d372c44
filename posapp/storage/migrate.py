"""Schema migrations: peewee's runner over the numbered scripts in migrations/."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from playhouse.migrations import Runner

from posapp.domain.errors import StorageError
from posapp.storage.db import database, is_sqlite, sqlite_backup

log = logging.getLogger(__name__)
HISTORY_TABLE = "schema_migration"


def migrations_dir() -> Path:
    """The migrations folder: beside the package in a checkout, or bundled by the installer."""
    override = os.environ.get("POSAPP_MIGRATIONS_DIR")
    candidates = [Path(override)] if override else []
    candidates.append(Path(__file__).resolve().parents[2] / "migrations")
    if getattr(sys, "frozen", False):
        candidates.append(Path(getattr(sys, "_MEIPASS", ".")) / "migrations")
    for path in candidates:
        if (path / "0001_initial.py").is_file():
            return path
    raise StorageError(f"migrations folder not found (looked in {', '.join(map(str, candidates))})")


@dataclass(frozen=True)
class MigrationStatus:
    name: str
    applied: datetime | None


def runner(db=None, directory: Path | None = None) -> Runner:
    return Runner(db or database.obj, str(directory or migrations_dir()), table_name=HISTORY_TABLE)


def status(db=None, directory: Path | None = None) -> list[MigrationStatus]:
    return [MigrationStatus(m.name, m.applied) for m in runner(db, directory).status()]


def pending(db=None, directory: Path | None = None) -> list[str]:
    return [s.name for s in status(db, directory) if s.applied is None]


def migrate(db=None, *, target: str | None = None, directory: Path | None = None) -> list[str]:
    """Apply pending migrations in order (each in its own transaction); returns their names."""
    try:
        applied = runner(db, directory).up(target)
    except Exception as exc:
        raise StorageError(f"migration failed: {exc}") from exc
    for name in applied:
        log.info("applied migration %s", name)
    return applied


def upgrade_with_backup(*, db_path: Path | None, backup_dir: Path, db=None) -> tuple[list[str], Path | None]:
    """Start-up upgrade: on SQLite take an online backup first and restore it if anything fails.

    On PostgreSQL every migration runs in its own transaction (DDL is transactional there),
    so a failing one leaves the schema at the last good migration.
    """
    states = status(db)
    todo = [s.name for s in states if s.applied is None]
    if not todo:
        return [], None
    backup = None
    fresh = len(todo) == len(states)  # a new, empty database has nothing to lose
    if is_sqlite(db) and db_path is not None and db_path.exists() and not fresh:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = sqlite_backup(db_path, backup_dir / f"{db_path.stem}-{stamp}-before-{todo[0]}.db")
        log.info("backed up %s to %s before migrating", db_path, backup)
    try:
        return migrate(db), backup
    except StorageError as exc:
        if backup is not None:
            restore_sqlite(backup, db_path, db=db)
            raise StorageError(f"{exc}; the database was restored from {backup}") from exc
        raise


def restore_sqlite(backup: Path, db_path: Path, *, db=None) -> None:
    """Copy a backup over the live database through the backup API (never a file copy)."""
    db = db or database.obj
    db.close()
    sqlite_backup(backup, db_path)
    db.connect(reuse_if_open=True)
    log.warning("restored %s from %s", db_path, backup)
