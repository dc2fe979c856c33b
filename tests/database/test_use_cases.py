"""The ritual every use case goes through (bot/core/use_cases.py, bot/core/unit_of_work.py):
who is acting, the row a button or form names, its lock, one transaction, the answer."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from bot.core.actor import STALE_BUTTON, UNKNOWN_PERSON
from bot.core.errors import InvalidRequest
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from models import Team
from models.db import transaction
from tests.support import factories
from tests.support.acting import services_for

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
GONE = "That team no longer exists."


@on_click(Team, missing=GONE)
def rename_team(uow: UnitOfWork, team: Team) -> Reply:
    """Reads the name, takes its time, writes it back changed: a lost update without a lock."""
    name = team.name
    time.sleep(0.2)
    team.name = name + "!"
    uow.session.add(team)
    return Reply.say(f"{uow.actor.name} renamed {team.name}")


@on_click(Team, missing=GONE)
def rename_then_refuse(uow: UnitOfWork, team: Team) -> Reply:
    team.name = "Changed"
    uow.session.add(team)
    raise InvalidRequest("No, after all.")


@on_submit(Team, key="team_id", field="name", missing=GONE)
def submit_team_name(uow: UnitOfWork, team: Team, form: Submission) -> Reply | None:
    if len(form.text("name")) < 3:
        return Reply.error("name", "Too short.")
    team.name = form.text("name")
    uow.session.add(team)
    return None


@pytest.fixture
def world(make_session):
    with transaction(make_session) as session:
        north = factories.team(session, "North")
        ada = factories.person(session, "Ada Admin", "admin")
        return {"services": services_for(make_session, NOW), "team": north.id, "ada": ada}


def team_name(make_session, team_id: int) -> str:
    with make_session() as session:
        return session.get(Team, team_id).name


def test_someone_not_on_the_staff_list_gets_the_one_answer(world, make_session):
    reply = rename_team(world["services"], "U0NOBODY01", str(world["team"]))
    assert reply.text == UNKNOWN_PERSON
    assert team_name(make_session, world["team"]) == "North"


def test_a_value_that_is_no_row_id_is_a_stale_button_and_a_missing_row_is_named(world):
    ada = world["ada"].slack_user_id
    assert rename_team(world["services"], ada, "forged").text == STALE_BUTTON
    assert rename_team(world["services"], ada, "999999").text == GONE


def test_a_refusal_is_the_answer_and_changes_nothing(world, make_session):
    reply = rename_then_refuse(world["services"], world["ada"].slack_user_id, str(world["team"]))
    assert reply.text == "No, after all."
    assert team_name(make_session, world["team"]) == "North"


def test_two_clicks_at_once_run_one_after_the_other(world, make_session):
    """The row is locked before the use case reads it: the second click reads what the first
    wrote, so both renames count (without the lock the first one's is lost)."""
    ada, team_id = world["ada"].slack_user_id, str(world["team"])
    start = threading.Barrier(2)
    replies: list[Reply] = []

    def click() -> None:
        start.wait()
        replies.append(rename_team(world["services"], ada, team_id))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert team_name(make_session, world["team"]) == "North!!"
    assert sorted(reply.text for reply in replies) == [
        "Ada Admin renamed North!",
        "Ada Admin renamed North!!",
    ]


def test_a_form_answers_on_its_field_and_closes_when_done(world, make_session):
    ada, services = world["ada"].slack_user_id, world["services"]
    metadata = f'{{"team_id": {world["team"]}}}'
    short = submit_team_name(services, ada, Submission({"name": "X"}, metadata))
    assert short.errors == {"name": "Too short."}
    garbled = submit_team_name(services, ada, Submission({"name": "Northern"}, "{not json"))
    assert garbled.errors == {"name": STALE_BUTTON}
    done = submit_team_name(services, ada, Submission({"name": "Northern"}, metadata))
    assert done == Reply()
    assert team_name(make_session, world["team"]) == "Northern"


def test_a_race_lost_on_a_unique_key_is_answered_from_what_the_winner_wrote(world):
    attempts = []

    @on_click()
    def lose_once(uow: UnitOfWork, value: str) -> Reply:
        attempts.append(value)
        if len(attempts) == 1:
            raise IntegrityError("INSERT …", {}, Exception("duplicate key"))
        return Reply.say("answered from the database")

    reply = lose_once(world["services"], world["ada"].slack_user_id, "x")
    assert reply.text == "answered from the database" and attempts == ["x", "x"]
