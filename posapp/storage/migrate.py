"""Schema migrations: peewee's runner over the numbered scripts in migrations/."""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from playhouse.migrations import Runner

from posapp.domain.errors import StorageError
from posapp.storage.db import database, is_sqlite, sqlite_backup

log = logging.getLogger(__name__)
HISTORY_TABLE = "schema_migration"
UPGRADE_LOCK = 0x706F73617070  # "posapp": the advisory lock key the tills take to upgrade a shared database
UPGRADE_WAIT_S = 600.0  # a till waits this long for another one's upgrade


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


def migrate(db=None, *, target: str | None = None, directory: Path | None = None,
            wait: float = UPGRADE_WAIT_S) -> list[str]:
    """Apply pending migrations in order (each in its own transaction); returns their names.

    On PostgreSQL the tills of a store share one database and start together after a new version is
    rolled out: one takes the upgrade lock and migrates, the others wait for it (at most `wait` seconds)
    and then find nothing left to do."""
    db = db or database.obj
    with _upgrade_lock(db, wait):
        try:
            applied = runner(db, directory).up(target)
        except Exception as exc:
            raise StorageError(f"migration failed: {exc}") from exc
    for name in applied:
        log.info("applied migration %s", name)
    return applied


@contextmanager
def _upgrade_lock(db, wait: float):
    """A PostgreSQL session advisory lock around the whole upgrade; nothing on SQLite, whose file has one
    till (and SQLite serialises writers itself)."""
    if is_sqlite(db):
        yield
        return
    deadline, told = time.monotonic() + wait, False
    while not db.execute_sql("SELECT pg_try_advisory_lock(%s)", (UPGRADE_LOCK,)).fetchone()[0]:
        if time.monotonic() > deadline:
            raise StorageError(f"another till has been upgrading this database for more than {wait:.0f} s; "
                               "nothing was changed here: look at that till, then start this one again")
        if not told:
            log.warning("another till is upgrading the database; waiting for it")
            told = True
        time.sleep(0.2)
    try:
        yield
    finally:
        db.execute_sql("SELECT pg_advisory_unlock(%s)", (UPGRADE_LOCK,))


class MigrationFailed(StorageError):
    """A start-up upgrade failed: which migration, what stayed, and whether the backup was put back."""

    def __init__(self, message: str, *, migration: str | None, reason: str, kept: list[str],
                 backup: Path | None, restored: bool):
        super().__init__(message)
        self.migration, self.reason, self.kept = migration, reason, kept
        self.backup, self.restored = backup, restored


def upgrade_with_backup(*, db_path: Path | None, backup_dir: Path, db=None) -> tuple[list[str], Path | None]:
    """Start-up upgrade: on SQLite take an online backup first and restore it if anything fails.

    Each migration runs in its own transaction (DDL is transactional on SQLite and PostgreSQL), so a
    failing one is rolled back; on PostgreSQL the ones before it stay applied (no backup is taken here).
    """
    states = status(db)
    todo = [s.name for s in states if s.applied is None]
    if not todo:
        return [], None
    backup = None
    fresh = len(todo) == len(states)  # a new, empty database has nothing to lose
    if is_sqlite(db) and db_path is not None and db_path.exists() and not fresh:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = backup_dir / f"{db_path.stem}-{stamp}-before-{todo[0]}.db"
        try:
            backup = sqlite_backup(db_path, target)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"could not back up {db_path} to {target} before upgrading ({exc}); "
                               "nothing was changed") from exc
        log.info("backed up %s to %s before migrating", db_path, backup)
    try:
        return migrate(db), backup
    except StorageError as exc:
        raise _failed(exc, todo=todo, db=db, db_path=db_path, backup=backup) from exc


def _failed(exc: StorageError, *, todo: list[str], db, db_path: Path | None, backup: Path | None) -> MigrationFailed:
    try:
        left = pending(db)  # the failing migration was rolled back: it is the first still pending
    except Exception:  # noqa: BLE001 (the failure itself is what gets reported)
        left = todo
    failed = left[0] if left else None
    kept = [name for name in todo if name not in left]
    facts = dict(migration=failed, reason=str(exc.__cause__ or exc))
    if backup is None:
        return MigrationFailed(str(exc), **facts, kept=kept, backup=None, restored=False)
    try:
        restore_sqlite(backup, db_path, db=db)
    except Exception as again:  # noqa: BLE001 (reported with the backup's path, for IT to copy back)
        log.error("restoring %s from %s failed: %s", db_path, backup, again)
        return MigrationFailed(f"{exc}; restoring the backup {backup} failed too ({again}): put it back by hand",
                               **facts, kept=kept, backup=backup, restored=False)
    return MigrationFailed(f"{exc}; the database was restored from {backup}", **facts, kept=[],
                           backup=backup, restored=True)


def restore_sqlite(backup: Path, db_path: Path, *, db=None) -> None:
    """Copy a backup over the live database through the backup API (never a file copy)."""
    db = db or database.obj
    db.close()
    sqlite_backup(backup, db_path)
    db.connect(reuse_if_open=True)
    log.warning("restored %s from %s", db_path, backup)
