"""Shared fixtures: a migrated database per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot.core.calendar import WorkingCalendar
from bot.policy.schema import Policy
from models.db import SessionFactory, create_db_engine, session_factory, upgrade_database
from tests.support import factories, privacy
from tests.support.harness import BotStarter

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
FIXED_NOW = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def _postgres_url() -> str:
    url = make_url(TEST_DATABASE_URL)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated once: each test starts from a copy of it."""
    path = tmp_path_factory.mktemp("template") / "auditbot.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    engine.dispose()
    return path


class SchemaPool:
    """Migrated PostgreSQL schemas, emptied between tests and reused: migrating costs far more
    than truncating, and each test still gets its own schema with no rows."""

    def __init__(self) -> None:
        self.admin = create_db_engine(_postgres_url())
        self.free: list[str] = []
        self.all: list[str] = []

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.all.append(schema)
        engine = create_db_engine(_schema_url(schema))
        upgrade_database(engine)
        engine.dispose()
        return schema

    def give_back(self, schema: str) -> None:
        """Empty the schema for the next test, or drop it when something still holds a lock.

        A test leaves a few rows: deleting them (foreign keys unchecked) and restarting the
        sequences in one round trip takes a sixth of a TRUNCATE of every table, and the PostgreSQL
        suite empties a schema after each of its ~800 tests."""
        try:
            with self.admin.begin() as connection:
                connection.execute(text("SET LOCAL lock_timeout = '5s'"))
                connection.execute(text(_EMPTY_SCHEMA.replace("{schema}", schema)))
        except OperationalError:
            self._drop(schema)
            return
        self.free.append(schema)

    def close(self) -> None:
        for schema in self.all:
            self._drop(schema)
        self.admin.dispose()

    def _drop(self, schema: str) -> None:
        with self.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


# Needs a superuser (session_replication_role), as the CI's and a developer's `postgres` is.
_EMPTY_SCHEMA = """
DO $$ DECLARE r record; BEGIN
  SET LOCAL session_replication_role = replica;
  FOR r IN SELECT tablename FROM pg_tables
           WHERE schemaname = '{schema}' AND tablename <> 'alembic_version' LOOP
    EXECUTE format('DELETE FROM %I.%I', '{schema}', r.tablename);
  END LOOP;
  FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = '{schema}' LOOP
    EXECUTE format('ALTER SEQUENCE %I.%I RESTART', '{schema}', r.sequencename);
  END LOOP;
END $$
"""


def _schema_url(schema: str) -> str:
    url = make_url(_postgres_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def schema_pool() -> Iterator[SchemaPool]:
    pool = SchemaPool()
    yield pool
    pool.close()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    not TEST_DATABASE_URL,
                    reason="TEST_DATABASE_URL is not set: PostgreSQL tests need a server",
                ),
            ],
        ),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for a migrated database with no rows: a copy of a migrated SQLite file,
    or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        path = tmp_path / "auditbot.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    pool: SchemaPool = request.getfixturevalue("schema_pool")
    schema = pool.take()
    try:
        yield _schema_url(schema)
    finally:
        pool.give_back(schema)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)  # already migrated: see database_url
    yield engine
    engine.dispose()


@pytest.fixture
def make_session(engine: Engine) -> SessionFactory:
    return session_factory(engine)


@pytest.fixture
def policy() -> Policy:
    return Policy()


@pytest.fixture
def working_calendar() -> WorkingCalendar:
    return WorkingCalendar("ENG")


@pytest.fixture(scope="session", autouse=True)
def watch_channel_posts() -> Iterator[None]:
    """Privacy, across the whole suite: see tests/support/privacy.py."""
    with privacy.watching():
        yield


@pytest.fixture(autouse=True)
def no_personal_data_in_channels(request: pytest.FixtureRequest) -> Iterator[None]:
    yield from privacy.check_test(request)


@pytest.fixture
def people(make_session: SessionFactory) -> Iterator[tuple[Session, dict[str, object]]]:
    """A session on the small authority of tests/support/factories.py (one case per team), and its
    people by role name."""
    with make_session() as session:
        people = factories.authority(session, cases_per_team=1)
        session.commit()
        yield session, people


@pytest.fixture
def start_bot(database_url: str) -> Iterator[BotStarter]:
    """Start running bots on this test's database (see BotStarter); all stop after the test."""
    starter = BotStarter(database_url)
    yield starter
    starter.stop_all()
