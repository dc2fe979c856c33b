"""Leavers: a staff import marking someone `left` passes their open work to their manager, who
is told once by DM (delivered to the Slack stand-in through the running bot); the leaver gets
nothing more."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from bot.core.months import Month
from bot.core.outbox import queue_dm
from bot.people.importer import import_csv
from bot.selection.draw import draw_monthly_selection
from models import AuditAction, OutboxMessage, Selection, SelectionRound
from models.db import transaction
from tests.support import factories
from tests.support.harness import Clock

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
STAFF = "email,name,role,team,manager_email,status\n"
NINA_LEFT = (
    "nina.north@example.gov.uk,Nina North,team_manager,North,sam.service@example.gov.uk,left\n"
)
PAT_LEFT = (
    "pat.worker@example.gov.uk,Pat Worker,practitioner,North,nina.north@example.gov.uk,left\n"
)


@pytest.fixture
def running(start_bot):
    bot = start_bot(Clock(NOW), people=lambda s: factories.authority(s, cases_per_team=3))
    with transaction(bot.services.make_session) as session:
        draw_monthly_selection(session, bot.services.tick(NOW), Month(2026, 12), actor="test")
        earlier_case = factories.case(session, bot.people["north"], bot.people["north_worker"])
        factories.submitted_audit(
            session, bot.people["north_tm"], earlier_case, datetime(2026, 10, 20, tzinfo=UTC)
        )
    return bot


def import_staff(bot, tmp_path, rows: str):
    path = tmp_path / "staff.csv"
    path.write_text(STAFF + rows, encoding="utf-8")
    report = import_csv(
        bot.services.make_session, "staff", path, policy=bot.services.policy, now=NOW, actor="cli"
    )
    assert report.ok, report.errors
    bot.services.sender.deliver_due()


def owners(bot):
    with bot.services.make_session() as session:
        december = session.exec(
            select(Selection.manager_id)
            .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
            .where(Selection.team_id == bot.people["north"].id, SelectionRound.month == "2026-12")
        ).all()
        actions = session.exec(select(AuditAction.owner_id)).all()
        return set(december), set(actions)


def test_a_leavers_open_work_goes_to_their_manager_who_is_told_once(running, tmp_path):
    people = running.people
    assert owners(running) == ({people["north_tm"].id}, {people["north_worker"].id})
    import_staff(running, tmp_path, PAT_LEFT)
    assert owners(running) == ({people["north_tm"].id}, {people["north_tm"].id})
    told = running.dms_containing(people["north_tm"].slack_user_id, "Pat Worker has left")
    assert "Action on CR-" in json.dumps(told[0])

    import_staff(running, tmp_path, NINA_LEFT)
    sam = people["service_manager"]
    assert owners(running) == ({sam.id}, {sam.id})
    told = running.dms_containing(sam.slack_user_id, "Nina North has left")
    body = json.dumps(told[0])
    assert "The audit of CR-N" in body and "Action on CR-" in body

    import_staff(running, tmp_path, NINA_LEFT + PAT_LEFT)  # again: nothing more to tell
    running.wait_until_sent()
    assert len(running.dms_containing(sam.slack_user_id, "has left")) == 1
    assert len(running.dms_containing(people["north_tm"].slack_user_id, "has left")) == 1


def test_a_leaver_gets_nothing_more(running, tmp_path):
    nina = running.people["north_tm"]
    import_staff(running, tmp_path, NINA_LEFT)
    running.wait_until_sent()
    posts_before = len(running._delivered(nina.slack_user_id))
    with transaction(running.services.make_session) as session:
        queue_dm(
            session,
            key="test:after-leaving",
            recipient=session.get(type(nina), nina.id),
            message={"text": "anything"},
            concern="test",
            now=NOW,
        )
    running.services.sender.deliver_due()
    running.wait_until_sent()
    with running.services.make_session() as session:
        status = session.exec(
            select(OutboxMessage.status).where(
                OutboxMessage.idempotency_key == "test:after-leaving"
            )
        ).one()
    assert status == "withheld"
    assert len(running._delivered(nina.slack_user_id)) == posts_before
