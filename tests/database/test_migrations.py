"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_upgrading_twice_is_harmless(engine):
    from models.db import upgrade_database

    upgrade_database(engine)


def test_the_newest_revision_read_from_file_names_is_alembics_head():
    from alembic.script import ScriptDirectory

    from models.db import alembic_config, newest_revision

    assert newest_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_a_database_behind_the_newest_revision_is_migrated(engine):
    from alembic import command
    from sqlalchemy import text

    from models.db import alembic_config, newest_revision, upgrade_database

    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "-1")

    upgrade_database(engine)

    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert (version, differences) == (newest_revision(), [])


def test_outbox_bodies_are_compressed_with_lz4_on_postgresql(engine):
    """Issue 23: lz4 writes a busy day's outbox in ~60% of pglz's time."""
    import json

    import pytest
    from sqlalchemy import text

    from models.migrations.server import lz4_available

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not compress what it stores")
    body = json.dumps({"text": "The monthly QA briefing. " * 400})  # ~10 kB: compressed
    with engine.connect() as connection:
        if not lz4_available(connection):
            pytest.skip("this PostgreSQL server was built without lz4")
        connection.execute(
            text(
                "INSERT INTO outboxmessage (idempotency_key, method, payload, concern, status,"
                " priority, attempts, next_attempt_at, created_at) VALUES ('lz4',"
                " 'chat.postMessage', CAST(:body AS JSON), 'lz4', 'pending', 2, 0, now(), now())"
            ),
            {"body": body},
        )
        method = connection.execute(
            text("SELECT pg_column_compression(payload) FROM outboxmessage WHERE concern = 'lz4'")
        ).scalar()
        connection.rollback()
    assert method == "lz4"
