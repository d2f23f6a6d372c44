"""Shared fixtures: every database test runs on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from posapp.services.station import Station  # noqa: E402
from posapp.storage import db as dbmod  # noqa: E402
from posapp.storage import migrate  # noqa: E402
from posapp.storage.uow import UnitOfWork  # noqa: E402

BACKENDS = ["sqlite", "postgresql"]
if os.environ.get("POSAPP_TEST_BACKENDS"):
    BACKENDS = os.environ["POSAPP_TEST_BACKENDS"].split(",")


@pytest.fixture(scope="session")
def pg_server():
    """URL of a PostgreSQL server for tests: $POSAPP_TEST_PG_URL, else a throw-away cluster."""
    url = os.environ.get("POSAPP_TEST_PG_URL")
    if url:
        yield url
        return
    from pg_cluster import start_cluster

    base = tempfile.mkdtemp(prefix="posapp-pg-")
    try:
        url, stop = start_cluster(base)
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL could not be started for the tests: {exc}")
        pytest.skip(f"PostgreSQL not available here: {exc}")
    yield url
    stop()
    shutil.rmtree(base, ignore_errors=True)


def _pg_admin(server_url: str):
    import psycopg

    return psycopg.connect(server_url, autocommit=True)


@pytest.fixture
def empty_db_url(request, tmp_path):
    """A brand-new empty database on the backend under test."""
    backend = request.param if hasattr(request, "param") else "sqlite"
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'posapp.db'}"
        return
    server = request.getfixturevalue("pg_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with _pg_admin(server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield server.rsplit("/", 1)[0] + "/" + name
    if dbmod.database.obj is not None:
        dbmod.database.obj.close()
    with _pg_admin(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_generate_tests(metafunc):
    # Every test that touches a database runs once per backend.
    if "empty_db_url" in metafunc.fixturenames:
        metafunc.parametrize("empty_db_url", BACKENDS, indirect=True)


@pytest.fixture
def db_url(empty_db_url):
    """An empty database with every migration applied."""
    db = dbmod.bind(empty_db_url)
    migrate.migrate(db)
    yield empty_db_url
    db.close()


@pytest.fixture
def station() -> Station:
    return Station(store_code="S001", terminal_code="T01", currency="CNY")


@pytest.fixture
def uow(db_url) -> UnitOfWork:
    return UnitOfWork(dbmod.database)


@pytest.fixture
def backend(db_url) -> str:
    return "sqlite" if db_url.startswith("sqlite") else "postgresql"
