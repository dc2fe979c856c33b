"""The App Home tab's content by role at a fixed `now`, who may see which case, its size
limits, and the refresh: one publish per change, none on a retry, none for non-viewers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from sqlmodel import Session, select

from bot.core.months import Month
from bot.core.outbox import HOME_PUBLISH, queue_dm
from bot.demo.slack_standin import SlackStandIn
from bot.home.tab import MAX_BLOCKS, SHOWN, home_view, render_home_for, within_home_limit
from bot.selection.draw import draw_monthly_selection
from models import (
    Audit,
    AuditAction,
    Case,
    HomeTabViewer,
    OutboxMessage,
    SafeguardingAlert,
    Staff,
    TacTask,
)
from models.db import transaction
from tests.database.test_sender import FakeClock, make_sender
from tests.support import factories
from tests.support.acting import tick_at

NOW = datetime(2026, 12, 14, 11, 0, tzinfo=UTC)  # a Monday
AUDITED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def people(make_session, policy, working_calendar):
    """The sample authority with December drawn, and a second practitioner in North."""
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=3)
        people["other_worker"] = factories.person(
            session, "Olu Other", "practitioner", people["north"], people["north_tm"]
        )
        tick = tick_at(NOW - timedelta(days=13), policy, working_calendar)
        draw_monthly_selection(session, tick, Month(2026, 12), actor="test")
    return people


def home_text(make_session, policy, calendar, person: Staff) -> str:
    with make_session() as session:
        view = home_view(session, person, NOW, policy=policy, calendar=calendar)
    assert view["type"] == "home" and len(view["blocks"]) <= MAX_BLOCKS
    return json.dumps(view, ensure_ascii=False)


def case_refs(session: Session, team_id: int) -> set[str]:
    return {c.case_ref for c in session.exec(select(Case).where(Case.team_id == team_id)).all()}


def audited_case(session: Session, people, worker_key: str, ref: str) -> Case:
    """A North case of `worker_key`, audited in November with one open action for them."""
    row = factories.case(session, people["north"], people[worker_key], ref=ref)
    factories.submitted_audit(session, people["north_tm"], row, AUDITED)
    return row


def tac_task(session: Session, manager: Staff, practitioner: Staff, case_row: Case) -> TacTask:
    return factories.tac_task(session, manager, practitioner, case_row, date(2026, 12, 18), AUDITED)


def test_a_team_manager_sees_their_case_with_the_dm_buttons_and_nothing_of_another_team(
    make_session, policy, working_calendar, people
):
    with transaction(make_session) as session:
        audited_case(session, people, "north_worker", "CR-NOLD")
        north_refs, south_refs = (
            case_refs(session, people["north"].id),
            case_refs(session, people["south"].id),
        )
    text = home_text(make_session, policy, working_calendar, people["north_tm"])
    assert "Your audit this month" in text
    for action_id in ("booking.open", "engagement.open", "audit.start", "selection.request_redraw"):
        assert f'"action_id": "{action_id}"' in text
    assert "Update the chronology" in text and "CR-NOLD" in text  # open actions of their audits
    assert len([ref for ref in north_refs - {"CR-NOLD"} if ref in text]) == 1  # this month's case
    assert not any(ref in text for ref in south_refs)
    assert "home.command" not in text and "For you to oversee" not in text


def test_a_practitioner_never_sees_another_practitioners_case(
    make_session, policy, working_calendar, people
):
    with transaction(make_session) as session:
        mine = audited_case(session, people, "north_worker", "CR-MINE")
        theirs = audited_case(session, people, "other_worker", "CR-THEIRS")
        tac_task(session, people["north_tm"], people["north_worker"], mine)
        tac_task(session, people["north_tm"], people["other_worker"], theirs)
    text = home_text(make_session, policy, working_calendar, people["north_worker"])
    assert "CR-MINE" in text and '"action_id": "action.done"' in text
    assert '"action_id": "tac.task.complete"' in text
    assert "CR-THEIRS" not in text
    other = home_text(make_session, policy, working_calendar, people["other_worker"])
    assert "CR-THEIRS" in other and "CR-MINE" not in other
    # Their team manager is entitled to both: the actions and the TAC summaries due.
    manager = home_text(make_session, policy, working_calendar, people["north_tm"])
    assert "CR-MINE" in manager and "CR-THEIRS" in manager


def test_oversight_shows_alerts_reaudits_and_overdue_work_only_in_the_readers_line(
    make_session, policy, working_calendar, people
):
    with transaction(make_session) as session:
        stranger = factories.person(session, "Stan Elsewhere", "service_manager")
        audited = audited_case(session, people, "north_worker", "CR-ALERT")
        action = session.exec(select(AuditAction)).one()
        session.add(SafeguardingAlert(audit_id=action.audit_id, note="now", raised_at=AUDITED))
        factories.reaudit(
            session,
            session.get(Audit, action.audit_id),
            people["service_manager"],
            month="2026-12",
            due_on=date(2026, 12, 31),
            at=AUDITED,
        )
        assert audited.case_ref == "CR-ALERT"
    text = home_text(make_session, policy, working_calendar, people["service_manager"])
    assert '"action_id": "alert.ack"' in text and '"action_id": "reaudit.start"' in text
    assert "Action on CR-ALERT: Update the chronology" in text  # overdue, owned by the worker
    head = home_text(make_session, policy, working_calendar, people["head"])
    assert '"action_id": "alert.ack"' in head and "reaudit.start" not in head
    elsewhere = home_text(make_session, policy, working_calendar, stranger)
    assert "CR-ALERT" not in elsewhere and "Nothing is overdue." in elsewhere


def test_an_administrator_sees_the_programme_its_problems_and_the_command_buttons(
    make_session, policy, working_calendar, people
):
    with transaction(make_session) as session:
        lost = factories.person(session, "Lou Lost", "practitioner", people["north"])
        lost.slack_lookup = "not_found"
        session.add(
            OutboxMessage(
                idempotency_key="x:1",
                method="chat.postMessage",
                recipient_staff_id=lost.id,
                payload={},
                concern="selection:99",
                status="failed",
                last_error="user_not_found",
                next_attempt_at=NOW,
                created_at=NOW,
            )
        )
    text = home_text(make_session, policy, working_calendar, people["admin"])
    assert "The programme: December 2026" in text and "2 cases drawn" in text
    assert "Lou Lost" in text and "user_not_found" in text
    for name in ("select", "reaudit", "report"):
        assert f'"action_id": "home.command.{name}"' in text
    assert "Draw January 2027's cases" in text


def test_several_roles_see_each_part_and_long_lists_say_how_many_more(
    make_session, policy, working_calendar, people
):
    with transaction(make_session) as session:
        everyone = factories.person(
            session,
            "Evan All",
            "practitioner;team_manager;service_manager;head_of_service;admin",
            people["north"],
        )
        for number in range(SHOWN + 22):
            row = factories.case(session, people["north"], everyone, ref=f"CR-E{number:03d}")
            factories.submitted_audit(session, everyone, row, AUDITED)
            tac_task(session, everyone, everyone, row)
    text = home_text(make_session, policy, working_calendar, everyone)
    for heading in ("Your audit this month", "Your audit work", "For you to oversee"):
        assert heading in text
    assert "The programme: December 2026" in text
    assert text.count('"action_id": "action.done"') == SHOWN
    assert "…and 22 more in your DMs from Auditbot." in text


def test_someone_who_has_left_gets_no_home(make_session, policy, working_calendar, people):
    with transaction(make_session) as session:
        session.get(Staff, people["north_worker"].id).status = "left"
    with make_session() as session:
        rendered = render_home_for(
            session, people["north_worker"].id, NOW, policy=policy, calendar=working_calendar
        )
    assert rendered is None


# -- the refresh ---------------------------------------------------------------------------------


def publishes(make_session, staff_id: int) -> list[OutboxMessage]:
    with make_session() as session:
        return list(
            session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.method == HOME_PUBLISH,
                    OutboxMessage.recipient_staff_id == staff_id,
                )
            ).all()
        )


def send_dm(make_session, person: Staff, key: str) -> None:
    with transaction(make_session) as session:
        message = {"text": "hello", "blocks": []}
        queue_dm(session, key=key, recipient=person, message=message, concern="test", now=NOW)


def test_a_change_refreshes_a_viewer_once_and_a_retry_adds_nothing(
    make_session, policy, working_calendar, people
):
    worker = people["north_worker"]
    send_dm(make_session, worker, "before-opening")
    assert publishes(make_session, worker.id) == []  # never opened: nothing to refresh
    with transaction(make_session) as session:
        session.add(HomeTabViewer(staff_id=worker.id, first_opened_at=NOW, last_opened_at=NOW))

    send_dm(make_session, worker, "change-1")
    send_dm(make_session, worker, "change-2")  # while the first waits, it covers this one
    assert [m.idempotency_key for m in publishes(make_session, worker.id)] == [
        f"home:{worker.id}:change-1"
    ]

    slack = SlackStandIn().start()
    try:
        sender = make_sender(
            make_session,
            slack,
            FakeClock(NOW),
            render_home=partial(render_home_for, policy=policy, calendar=working_calendar),
        )
        sender.deliver_due()
        homes = slack.homes_published(worker.slack_user_id)
        assert len(homes) == 1 and homes[0]["type"] == "home"
        assert "Your audit work" in json.dumps(homes[0])

        send_dm(make_session, worker, "change-1")  # the same change again (a retry)
        send_dm(make_session, worker, "change-3")  # a new change after the last publish
        sender.deliver_due()
        assert len(slack.homes_published(worker.slack_user_id)) == 2
        assert len(publishes(make_session, worker.id)) == 2
    finally:
        slack.stop()


def test_a_home_over_slacks_block_limit_is_cut_and_says_how_much_more():
    fitted = within_home_limit([{"type": "divider"}] * 150)
    assert len(fitted) + 2 <= MAX_BLOCKS  # room for the header and the greeting
    assert fitted[-1]["type"] == "context"
    assert f"…and {150 - len(fitted) + 1} more" in fitted[-1]["elements"][0]["text"]
    assert within_home_limit([{"type": "divider"}] * 10) == [{"type": "divider"}] * 10
