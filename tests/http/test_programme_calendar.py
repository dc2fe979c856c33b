"""The programme calendar (issue 13, part 3): the selection day, months the policy never audits
and one-off pauses, through the rules and through the signed HTTP endpoint."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.core.calendar import WorkingCalendar
from bot.core.errors import ConfigError
from bot.core.months import Month
from bot.policy.schema import Policy, ProgrammeCalendarPolicy, load_policy
from bot.selection.draw import month_due_for_scheduled_draw
from bot.selection.programme_calendar import selection_day
from models import AuditLogEntry, ProgrammePause, SelectionRound
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import Clock

LONDON = WorkingCalendar("ENG").timezone
NOVEMBER = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
NO_AUGUST = Policy(programme=ProgrammeCalendarPolicy(no_selection_months=[8]))


# --- rules -----------------------------------------------------------------------------------


def test_the_selection_day_can_be_the_third_working_day():
    calendar = WorkingCalendar("ENG")
    third = Policy(programme=ProgrammeCalendarPolicy(selection_working_day=3))
    # 1 January 2027 is a bank holiday: the first working day is Monday 4th, the third Wed 6th.
    assert selection_day(Policy(), calendar, Month(2027, 1)) == date(2027, 1, 4)
    assert selection_day(third, calendar, Month(2027, 1)) == date(2027, 1, 6)
    first_day_morning = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    third_day_morning = datetime(2027, 1, 6, 9, 0, tzinfo=UTC)
    assert month_due_for_scheduled_draw(Policy(), calendar, LONDON, first_day_morning) == Month(
        2027, 1
    )
    assert month_due_for_scheduled_draw(third, calendar, LONDON, first_day_morning) is None
    assert month_due_for_scheduled_draw(third, calendar, LONDON, third_day_morning) == Month(
        2027, 1
    )


def test_months_without_selection_are_given_by_name_or_number(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text("programme:\n  no_selection_months: [August, 12]\n")
    assert load_policy(path).programme.no_selection_months == [8, 12]
    path.write_text("programme:\n  no_selection_months: [Agust]\n")
    with pytest.raises(ConfigError, match="programme.no_selection_months"):
        load_policy(path)
    path.write_text("programme:\n  selection_working_day: 0\n")
    with pytest.raises(ConfigError, match="programme.selection_working_day"):
        load_policy(path)


# --- through Slack ---------------------------------------------------------------------------


def start(start_bot, policy=None, now=NOVEMBER):
    clock = Clock(now)
    bot = start_bot(clock, policy=policy, people=lambda s: factories.authority(s, cases_per_team=3))
    bot.clock = clock
    return bot


@pytest.fixture
def running(start_bot):
    return start(start_bot)


@pytest.fixture
def no_august(start_bot):
    return start(start_bot, NO_AUGUST, now=datetime(2027, 7, 20, 10, 0, tzinfo=UTC))


def uid(bot, key: str) -> str:
    return bot.people[key].slack_user_id


def rounds(bot) -> list[str]:
    with bot.services.make_session() as session:
        return list(session.exec(select(SelectionRound.month)).all())


ADMIN_EMAIL = "ada.admin@example.gov.uk"
PAUSED = f"no selection: paused by {ADMIN_EMAIL} — Ofsted inspection month"


def test_a_paused_month_is_drawn_neither_by_hand_nor_by_the_schedule(running):
    admin = uid(running, "admin")
    paused = running.command(admin, "pause 2026-12 Ofsted inspection month")
    assert "December 2026 is paused" in paused.text
    assert "Ofsted inspection month" in paused.text

    refused = running.command(admin, "select 2026-12")
    assert f"December 2026 has {PAUSED}. Nothing has been drawn." in refused.text
    assert "/audit unpause 2026-12" in refused.text

    status = running.command(admin, "status 2026-12")
    assert f"December 2026: {PAUSED}." in status.text
    manager_status = running.command(uid(running, "north_tm"), "status 2026-12")
    assert PAUSED in manager_status.text

    running.clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # selection day, after run_at
    report = run_due_work(running.services, running.clock.now)
    assert report.drew_month is None
    assert rounds(running) == []
    assert not running.dms_to(uid(running, "north_tm"), count=0)

    with running.services.make_session() as session:
        pause = session.exec(select(ProgrammePause)).one()
        assert (pause.month, pause.paused_by) == ("2026-12", ADMIN_EMAIL)
        logged = session.exec(select(AuditLogEntry.action)).all()
    assert "programme.pause" in logged


def test_unpausing_lets_the_administrator_draw(running):
    admin = uid(running, "admin")
    running.command(admin, "pause 2026-12 Ofsted inspection month")
    lifted = running.command(admin, "unpause 2026-12")
    assert "December 2026 is no longer paused" in lifted.text
    assert "December 2026 selection done" in running.command(admin, "select 2026-12").text
    assert rounds(running) == ["2026-12"]
    running.dms_to(uid(running, "north_tm"))


def test_a_paused_month_shows_in_its_qa_briefing(running):
    admin = uid(running, "admin")
    running.command(admin, "pause 2026-12 Ofsted inspection month")
    running.clock.now = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)  # first working day, after 09:00
    report = run_due_work(running.services, running.clock.now)
    assert report.briefings == 2  # the administrator and the head of service
    briefing = running.dms_containing(admin, "QA briefing")[0]
    assert f"December 2026: {PAUSED}" in str(briefing["blocks"])


@pytest.mark.parametrize(
    "person, text, words",
    [
        ("north_tm", "pause 2026-12 Ofsted inspection", "only admins can use `/audit pause`"),
        ("service_manager", "unpause 2026-12", "only admins can use `/audit unpause`"),
        ("admin", "pause", "Say which month, e.g. `/audit pause 2027-08`"),
        ("admin", "pause 2026-13 inspection", "`2026-13` is not a month"),
        ("admin", "pause 2026-12", "Say why December 2026 has no selection"),
        ("admin", "pause 2026-12 x", "Please give a reason for pausing December 2026"),
        ("admin", "pause 2026-10 too late now", "October 2026 is over"),
        ("admin", "unpause 2026-12", "December 2026 is not paused. Nothing has been changed."),
        ("admin", "unpause 2026-12 now", "`/audit unpause` takes: `/audit unpause YYYY-MM`"),
    ],
)
def test_bad_or_unauthorised_pauses_change_nothing(running, person, text, words):
    answer = running.command(uid(running, person), text)
    assert words in answer.text
    with running.services.make_session() as session:
        assert session.exec(select(ProgrammePause)).all() == []


def test_a_drawn_or_paused_month_cannot_be_paused_again(running):
    admin = uid(running, "admin")
    running.command(admin, "select 2026-12")
    refused = running.command(admin, "pause 2026-12 Ofsted inspection")
    assert "already been drawn, so it can't be paused" in refused.text
    running.command(admin, "pause 2027-01 Christmas staffing")
    again = running.command(admin, "pause 2027-01 another reason")
    assert f"already paused by {ADMIN_EMAIL} — Christmas staffing" in again.text
    with running.services.make_session() as session:
        assert [p.reason for p in session.exec(select(ProgrammePause))] == ["Christmas staffing"]


def test_august_is_not_audited_when_the_policy_says_so(no_august):
    admin = uid(no_august, "admin")
    refused = no_august.command(admin, "select 2027-08")
    assert "August 2027 has no selection: August is not audited. Nothing has been drawn." in (
        refused.text
    )
    assert "unpause" not in refused.text  # only the policy file changes this
    status = no_august.command(admin, "status 2027-08")
    assert "August 2027: no selection: August is not audited." in status.text

    no_august.clock.now = datetime(2027, 8, 2, 9, 0, tzinfo=UTC)  # first working day of August
    assert run_due_work(no_august.services, no_august.clock.now).drew_month is None
    assert rounds(no_august) == []

    no_august.clock.now = datetime(2027, 9, 1, 10, 0, tzinfo=UTC)  # September: draw and briefing
    report = run_due_work(no_august.services, no_august.clock.now)
    assert report.drew_month == "2027-09"
    assert report.briefings == 2
    briefing = no_august.dms_containing(admin, "QA briefing")[0]
    assert "August 2027: no selection: August is not audited" in str(briefing["blocks"])
