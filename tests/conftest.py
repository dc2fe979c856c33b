"""Shared fixtures: a migrated database per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from bot.calendar import WorkingCalendar
from bot.policy import Policy
from models.db import SessionFactory, create_db_engine, session_factory, upgrade_database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
FIXED_NOW = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def _postgres_url() -> str:
    url = make_url(TEST_DATABASE_URL)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


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
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database URL for an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'auditbot.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_db_engine(_postgres_url())
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(_postgres_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    upgrade_database(engine)
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
