"""The App Home tab through the signed HTTP endpoint: published when opened, by role; its
buttons do what the DM buttons and slash commands do; refreshed once per change."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.demo.slack_requests import app_home_opened_body
from models import (
    AuditAction,
    Booking,
    Case,
    ReauditRound,
    SafeguardingAlert,
    SelectionRound,
)
from models.db import transaction
from tests.support import factories
from tests.support.harness import Clock, views_opened

pytestmark = pytest.mark.integration
TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def running(start_bot):
    bot = start_bot(Clock(TUESDAY), people=lambda s: factories.authority(s, cases_per_team=4))
    bot.command(uid(bot, "admin"), "select 2026-12")
    bot.wait_until_sent()
    return bot


def uid(bot, key):
    return bot.people[key].slack_user_id


def text_of(view) -> str:
    return json.dumps(view, ensure_ascii=False)


def case_refs(bot, team_prefix):
    with bot.services.make_session() as session:
        return [
            c.case_ref for c in session.exec(select(Case)).all() if c.case_ref[:4] == team_prefix
        ]


def test_opening_the_home_tab_publishes_each_persons_own_part(running):
    manager_home = running.open_home(uid(running, "north_tm"))
    assert manager_home["type"] == "home"
    text = text_of(manager_home)
    assert "Your audit this month" in text
    assert sum(ref in text for ref in case_refs(running, "CR-N")) == 1  # their case, shown once
    assert not any(ref in text for ref in case_refs(running, "CR-S"))  # never another team's
    for action_id in ("booking.open", "engagement.open", "audit.start"):
        assert action_id in text

    admin_text = text_of(running.open_home(uid(running, "admin")))
    assert "The programme: December 2026" in admin_text and "2 cases drawn" in admin_text
    assert "home.command.select" in admin_text and "home.command.report" in admin_text
    assert "Your audit this month" not in admin_text

    stranger = running.open_home("U0STRANGER")
    assert "don't recognise you" in text_of(stranger)


def test_slack_delivering_the_event_twice_publishes_once(running):
    running.open_home(uid(running, "north_worker"), event_id="Ev-same")
    running.post(app_home_opened_body(user_id=uid(running, "north_worker"), event_id="Ev-same"))
    running.wait_until_sent()
    assert len(running.slack.homes_published(uid(running, "north_worker"))) == 1


def test_the_next_step_button_on_home_books_like_the_dm_button(running):
    manager, worker = uid(running, "north_tm"), uid(running, "north_worker")
    home = running.open_home(manager)
    running.open_home(worker, event_id="Ev-worker")
    running.click_home(manager, home, "booking.open")
    assert running.slack.wait_for(lambda: views_opened(running, "booking.submit"))
    form = views_opened(running, "booking.submit")[-1]
    answer = running.submit(
        manager,
        form,
        {
            "date": {"date": {"type": "datepicker", "selected_date": "2026-12-10"}},
            "time": {"time": {"type": "timepicker", "selected_time": "10:00"}},
            "duration": {"duration": {"type": "static_select", "selected_option": {"value": "60"}}},
            "place": {"place": {"type": "plain_text_input", "value": None}},
        },
    )
    assert answer.status == 200 and "errors" not in answer.body
    with running.services.make_session() as session:
        assert len(session.exec(select(Booking)).all()) == 1
    # Both people's Home tabs follow the change: the booking is on them now.
    assert "Discussion booked" in text_of(running.home_of(manager, count=2))
    worker_home = running.home_of(worker, count=2)
    assert "10:00" in text_of(worker_home) and "booking.can" in text_of(worker_home)

    # The practitioner answers from Home, as from the booking DM; the answer opens as a modal.
    running.click_home(worker, worker_home, "booking.can")
    assert running.slack.wait_for(
        lambda: "can make it" in text_of(running.slack.calls("views.open")[-1].params)
    )
    with running.services.make_session() as session:
        assert session.exec(select(Booking)).one().practitioner_reply == "can"
    answered = running.home_of(worker, count=3)
    assert "You said you can make it." in text_of(answered) and "booking.can" not in text_of(
        answered
    )


def test_mark_done_on_home_refreshes_once_and_a_double_submit_adds_nothing(running):
    worker = uid(running, "north_worker")
    with transaction(running.services.make_session) as session:
        north_case = session.exec(select(Case).where(Case.case_ref == "CR-N003")).one()
        manager = running.people["north_tm"]
        factories.submitted_audit(session, manager, north_case, datetime(2026, 11, 20, tzinfo=UTC))
    home = running.open_home(worker)
    assert "Update the chronology" in text_of(home)
    running.click_home(worker, home, "action.done")
    assert running.slack.wait_for(lambda: views_opened(running, "action.done"))
    form = views_opened(running, "action.done")[-1]
    note = {"reason": {"reason": {"type": "plain_text_input", "value": "Chronology updated."}}}
    assert running.submit(worker, form, note).status == 200
    refreshed = running.home_of(worker, count=2)
    assert "Update the chronology" not in text_of(refreshed)
    assert running.submit(worker, form, note).status == 200  # a double submit
    running.wait_until_sent()
    assert len(running.slack.homes_published(worker)) == 2
    with running.services.make_session() as session:
        assert session.exec(select(AuditAction)).one().status == "done"


def test_administrator_buttons_run_the_commands_with_their_checks(running):
    admin, manager = uid(running, "admin"), uid(running, "north_tm")
    home = running.open_home(admin)
    running.click_home(admin, home, "home.command.select")
    assert running.slack.wait_for(lambda: running.slack.calls("views.open"))
    answer = text_of(running.slack.calls("views.open")[-1].params["view"])
    assert "January 2027" in answer  # /audit select: the coming month
    with running.services.make_session() as session:
        months = sorted(r.month for r in session.exec(select(SelectionRound)).all())
    assert months == ["2026-12", "2027-01"]

    # A team manager forging the same click is refused, as the slash command would be.
    running.click_home(manager, home, "home.command.reaudit")
    assert running.slack.wait_for(lambda: len(running.slack.calls("views.open")) == 2)
    refusal = text_of(running.slack.calls("views.open")[-1].params["view"])
    assert "can use `/audit reaudit`. Nothing has been changed." in refusal
    with running.services.make_session() as session:
        assert session.exec(select(ReauditRound)).all() == []


def test_a_refusal_on_a_home_button_opens_as_a_modal(running):
    """Home tab buttons have no response_url: the answer still reaches the person."""
    manager, other = uid(running, "north_tm"), uid(running, "south_tm")
    home = running.open_home(manager)
    running.click_home(other, home, "audit.start")  # someone else's case
    assert running.slack.wait_for(lambda: running.slack.calls("views.open"))
    assert "Only the team manager" in text_of(running.slack.calls("views.open")[-1].params)


def test_a_service_manager_acts_on_an_alert_from_home(running):
    service_manager = uid(running, "service_manager")
    with transaction(running.services.make_session) as session:
        north_case = session.exec(select(Case).where(Case.case_ref == "CR-N003")).one()
        audit = factories.submitted_audit(
            session, running.people["north_tm"], north_case, datetime(2026, 11, 30, tzinfo=UTC)
        )
        session.add(SafeguardingAlert(audit_id=audit.id, note="Risk now", raised_at=TUESDAY))
    home = running.open_home(service_manager)
    assert "CR-N003" in text_of(home) and "alert.ack" in text_of(home)
    running.click_home(service_manager, home, "alert.ack")
    acted = running.home_of(service_manager, count=2)
    assert "alert.ack" not in text_of(acted)
    with running.services.make_session() as session:
        alert = session.exec(select(SafeguardingAlert)).one()
        assert alert.acknowledged_by == running.people["service_manager"].id
    # The team manager is told by DM, as from the alert DM's own button.
    running.dms_containing(uid(running, "north_tm"), "acting on")


def test_summary_completed_on_home_opens_the_tac_form(running):
    worker = uid(running, "north_worker")
    with transaction(running.services.make_session) as session:
        tac_case = factories.case(
            session, running.people["north"], running.people["north_worker"], "CR-TAC1", "TAC"
        )
        people = running.people
        factories.tac_task(
            session,
            people["north_tm"],
            people["north_worker"],
            tac_case,
            date(2026, 12, 18),
            TUESDAY,
        )
    home = running.open_home(worker)
    assert "CR-TAC1" in text_of(home)
    running.click_home(worker, home, "tac.task.complete")
    assert running.slack.wait_for(lambda: views_opened(running, "tac.summary_completed"))


def test_the_administrators_home_shows_who_is_away_and_who_covers(running):
    manager = running.people["north_tm"]
    answer = running.command(manager.slack_user_id, "away 2026-12-01 2026-12-18")
    assert "covers" in answer.text
    home = text_of(running.open_home(uid(running, "admin"), event_id="Ev-away"))
    assert "*Away now* (1)" in home
    assert f"*{manager.name}* (team manager" in home and "away until Friday 18 December" in home
    # a team manager's own Home tab has no such section
    assert "Away now" not in text_of(running.open_home(uid(running, "south_tm"), event_id="Ev-tm"))
