"""SQLite plans by statistics once a database is large enough to need them: a command's start
gathers them the first time (PostgreSQL's autovacuum keeps its own)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, text
from sqlmodel import Session

from models import Case
from models.db import FIRST_STATISTICS_FROM_CASES, create_db_engine, upgrade_database
from tests.support import factories


def _analysed(engine) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).first()
        )


def _add_cases(engine, count: int, team_name: str) -> None:
    with Session(engine) as session:
        team = factories.team(session, team_name)
        worker = factories.person(session, f"{team_name} Worker", "practitioner", team)
        session.execute(
            insert(Case),
            [
                {
                    "case_ref": f"CR-{team_name}-{number}",
                    "team_id": team.id,
                    "worker_id": worker.id,
                    "case_type": "CP",
                    "opened_on": date(2025, 1, 1),
                    "status": "open",
                }  # fmt: skip
                for number in range(count)
            ],
        )
        session.commit()


def test_a_large_database_is_analysed_when_a_command_starts_and_a_small_one_is_not(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'auditbot.db'}")
    try:
        upgrade_database(engine)
        _add_cases(engine, FIRST_STATISTICS_FROM_CASES - 1, "North")
        upgrade_database(engine)
        assert not _analysed(engine)  # a nearly empty authority's figures would mislead
        _add_cases(engine, 1, "South")
        upgrade_database(engine)
        assert _analysed(engine)
        with engine.connect() as connection:
            tables = set(connection.execute(text("SELECT tbl FROM sqlite_stat1")).scalars())
        assert {"case", "staff", "team"} <= tables
    finally:
        engine.dispose()
