"""Chasing and escalation over weeks of `run_due_work` (as `auditbot tick --now` runs it) on the
database, against the Slack stand-in: the ladder, bank holidays, a snooze, one DM a day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import func, select

from bot.bootstrap import Auditbot
from bot.chasing.nudges import snooze_chasing
from bot.core.config import Settings
from bot.demo.slack_standin import SlackStandIn
from bot.policy.schema import Policy
from models import AuditAction, ChaseNotice, ChaseSnooze, Extension, OutboxMessage, Selection
from models.audit import Audit
from models.db import transaction
from scheduler.jobs import run_due_work
from tests.support import factories

DRAW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 1 December 2026, GMT


@pytest.fixture
def slack():
    with SlackStandIn() as standin:
        yield standin


def make_services(engine, database_url, slack, policy=None):
    moment = [DRAW]
    settings = Settings(
        database_url=database_url, slack_bot_token="xoxb-test", slack_api_url=slack.api_url
    )
    built = Auditbot(
        settings,
        policy or Policy(),
        engine=engine,
        token="xoxb-test",
        clock=lambda: moment[0],
        per_channel_interval=0,
    ).services
    built.moment = moment
    return built


@pytest.fixture
def services(engine, database_url, slack):
    return make_services(engine, database_url, slack)


@pytest.fixture
def people(services):
    with transaction(services.make_session) as session:
        found = factories.authority(session, cases_per_team=3)
    tick(services, DRAW)  # the scheduler draws December: both audits due Thursday 31 December
    return found


def tick(services, moment: datetime):
    services.moment[0] = moment
    return run_due_work(services, moment)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def chasing_dms(slack, person) -> list[dict]:
    return [m for m in slack.messages_to(person.slack_user_id) if "chase.snooze" in json.dumps(m)]


def run_days(services, slack, first: date, last: date, everyone) -> dict[str, list[str]]:
    """Tick at 10:00 every day (weekends and bank holidays too); who got a chasing DM when."""
    chased: dict[str, list[str]] = {name: [] for name in everyone}
    day = first
    while day <= last:
        before = {name: len(chasing_dms(slack, person)) for name, person in everyone.items()}
        tick(services, at(day))
        for name, person in everyone.items():
            if len(chasing_dms(slack, person)) > before[name]:
                chased[name].append(f"{day:%d %b}")
        day += timedelta(days=1)
    return chased


def test_the_ladder_over_six_weeks_with_christmas_new_year_and_a_snooze(services, slack, people):
    everyone = {name: people[name] for name in ("north_tm", "south_tm", "service_manager", "head")}
    chased = run_days(services, slack, date(2026, 12, 1), date(2026, 12, 20), everyone)
    # The snooze comes before Monday 21 December's nudge: nothing for Nina that day, a reminder
    # on the next working day whatever the repeat interval, and the escalations keep their dates.
    services.moment[0] = at(date(2026, 12, 21), 9)
    answer = snooze_chasing(services, people["north_tm"].slack_user_id, "tomorrow")
    assert answer.text.startswith("I'll remind you on Tuesday 22 December 2026")
    later = run_days(services, slack, date(2026, 12, 21), date(2027, 1, 15), everyone)
    for name in everyone:
        chased[name] += later[name]

    # Discussion not booked by 10 December: nudged from the next working day, every 2 working
    # days (25 and 28 December are bank holidays), to the service manager after 5. From
    # January the audit is overdue (due 31 December; 1 January is a bank holiday): nudged on
    # 4 January, to the service manager after 3 working days and the head of service after 8.
    # January's own discussion (drawn on the 4th) is not booked by the 10th: from the 11th it
    # joins the same DMs, and reaches the service manager on the 15th.
    assert chased["south_tm"] == [
        *["11 Dec", "15 Dec", "17 Dec", "21 Dec", "23 Dec", "29 Dec", "31 Dec"],
        *["04 Jan", "06 Jan", "08 Jan", "11 Jan", "13 Jan", "15 Jan"],
    ]
    assert chased["north_tm"] == [
        *["11 Dec", "15 Dec", "17 Dec", "22 Dec", "24 Dec", "30 Dec"],
        *["04 Jan", "06 Jan", "08 Jan", "11 Jan", "13 Jan", "15 Jan"],
    ]
    assert chased["service_manager"] == [
        *["17 Dec", "21 Dec", "23 Dec", "29 Dec", "31 Dec"],
        *["06 Jan", "08 Jan", "12 Jan", "14 Jan", "15 Jan"],
    ]
    assert chased["head"] == ["13 Jan", "15 Jan"]
    with services.make_session() as session:  # one note per person and item: its last day
        notes = session.exec(select(ChaseNotice.recipient_id, ChaseNotice.item_key)).all()
        assert notes and len(notes) == len(set(notes))


def test_a_snooze_never_holds_back_something_newly_escalated(services, slack, people):
    services.moment[0] = at(date(2026, 12, 17), 9)  # the discussions reach the SM today
    for person in ("north_tm", "service_manager"):
        snooze_chasing(services, people[person].slack_user_id, "tomorrow")
    tick(services, at(date(2026, 12, 17)))
    assert len(chasing_dms(slack, people["service_manager"])) == 1
    assert not chasing_dms(slack, people["north_tm"])
    tick(services, at(date(2026, 12, 18)))  # the snooze's day: the reminder comes
    assert len(chasing_dms(slack, people["north_tm"])) == 1


def test_escalation_dms_group_by_manager_and_by_team(services, slack, people):
    for day in (date(2026, 12, 11), date(2027, 1, 13)):
        tick(services, at(day))
    [service_dm, *_] = chasing_dms(slack, people["service_manager"])
    text = json.dumps(service_dm)
    assert "Escalated to you: overdue in your teams*, by team manager" in text
    for manager in ("north_tm", "south_tm"):
        assert f"*<@{people[manager].slack_user_id}>*" in text
    [head_dm] = chasing_dms(slack, people["head"])
    body = json.dumps(head_dm["blocks"])
    assert "overdue in your service*, by team" in body
    assert body.index("*North*") < body.index("*South*")
    assert "Submit the December 2026 audit of CR-N" in body
    assert "chase.act" not in body  # escalated items are for information: the owner acts
    assert head_dm["text"] == "2 overdue items escalated to you"


def test_one_dm_a_day_lists_every_overdue_item_with_a_button_each(services, slack, people):
    with transaction(services.make_session) as session:
        selection = session.exec(
            select(Selection).where(Selection.manager_id == people["north_tm"].id)
        ).one()
        audit = Audit(
            selection_id=selection.id,
            manager_id=people["north_tm"].id,
            status="submitted",
            framework="Sefton",
            started_at=DRAW,
            updated_at=DRAW,
            submitted_at=DRAW,
        )
        session.add(audit)
        session.flush()
        for what, owner in (("Update the plan", "north_tm"), ("Chronology", "north_worker")):
            session.add(
                AuditAction(
                    audit_id=audit.id,
                    what=what,
                    owner_id=people[owner].id,
                    due_on=date(2026, 12, 4),
                    created_at=DRAW,
                )
            )
    tick(services, at(date(2026, 12, 7)))  # first nudge of both actions
    tick(services, at(date(2026, 12, 10), 16, 59))  # Pat's action reaches the team manager
    tick(services, at(date(2026, 12, 10), 17, 0))  # after working hours: nothing more
    dms = chasing_dms(slack, people["north_tm"])
    assert [m["text"] for m in dms] == ["1 overdue item for you", "1 overdue item for you"]
    blocks = dms[-1]["blocks"]
    buttons = [b["accessory"] for b in blocks if "accessory" in b]
    assert [(b["action_id"], b["text"]["text"]) for b in buttons] == [("chase.act.1", "Mark done")]
    assert "extension.open" not in json.dumps(blocks)  # an action, and the audit is submitted
    assert "Overdue in your team*, by practitioner" in json.dumps(blocks)
    assert "Action on CR-N" in json.dumps(blocks) and "Chronology" in json.dumps(blocks)
    assert len(chasing_dms(slack, people["north_worker"])) == 2  # 7 and 10 December


def test_a_rerun_a_restart_or_a_second_instance_sends_nothing_new(
    engine, database_url, slack, services, people
):
    moment = at(date(2026, 12, 11), 10, 30)
    assert tick(services, moment).chasing_dms == 2  # the two team managers
    tick(services, moment)
    restarted = make_services(engine, database_url, slack)
    tick(restarted, at(date(2026, 12, 11), 15))
    assert len(chasing_dms(slack, people["north_tm"])) == 1
    with services.make_session() as session:
        keys = session.exec(select(OutboxMessage.idempotency_key)).all()
        assert len(keys) == len(set(keys))


def test_nothing_is_sent_before_the_nudge_time_at_weekends_or_on_bank_holidays(
    services, slack, people
):
    for moment in (
        at(date(2026, 12, 14), 9, 59),  # Monday, before 10:00
        at(date(2026, 12, 19)),  # Saturday
        at(date(2026, 12, 28)),  # Boxing Day (substitute)
        at(date(2026, 12, 14), 17, 30),  # after working hours
    ):
        assert tick(services, moment).chasing_dms == 0
    assert not chasing_dms(slack, people["north_tm"])


def test_a_snooze_needs_a_known_person_and_is_recorded(services, people):
    services.moment[0] = at(date(2026, 12, 18), 11)  # Friday: tomorrow is Monday
    assert "don't recognise you" in snooze_chasing(services, "U0NOBODY", "tomorrow").text
    answer = snooze_chasing(services, people["south_tm"].slack_user_id, "tomorrow")
    assert "Monday 21 December 2026" in answer.text
    with services.make_session() as session:
        snoozes = session.exec(select(ChaseSnooze)).all()
        assert [(s.staff_id, s.until) for s in snoozes] == [
            (people["south_tm"].id, date(2026, 12, 21))
        ]
        assert session.exec(select(func.count()).select_from(ChaseSnooze)).one() == 1


def more_time_buttons(message: dict) -> list[tuple[str, str]]:
    return [
        (element["action_id"], element["value"])
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"].startswith("extension.open")
    ]


def test_more_time_is_offered_for_an_unsubmitted_audit_unless_a_request_waits(
    services, slack, people
):
    with transaction(services.make_session) as session:
        selections = {s.manager_id: s.id for s in session.exec(select(Selection)).all()}
        north = selections[people["north_tm"].id]
        session.add(
            Extension(
                selection_id=north,
                requested_by_id=people["north_tm"].id,
                decider_id=people["service_manager"].id,
                reason="The practitioner is on leave until the new year.",
                old_due_on=date(2026, 12, 31),
                new_due_on=date(2027, 1, 29),
                working_days=20,
                status="pending",
                created_at=DRAW,
            )
        )
    south = selections[people["south_tm"].id]
    # The discussions not booked by the 10th, then the audits overdue from 4 January.
    for day, button in ((date(2026, 12, 11), "Book the discussion"), (date(2027, 1, 4), "Open")):
        tick(services, at(day))
        [south_dm] = chasing_dms(slack, people["south_tm"])[-1:]
        assert more_time_buttons(south_dm) == [("extension.open.1", str(south))]
        assert button in json.dumps(south_dm["blocks"])
        [north_dm] = chasing_dms(slack, people["north_tm"])[-1:]
        assert more_time_buttons(north_dm) == []  # Nina's request waits for Sam
        assert "chase.act.1" in json.dumps(north_dm["blocks"])
    tick(services, at(date(2027, 1, 6)))  # the audits reach Sam
    [sam_dm] = chasing_dms(slack, people["service_manager"])
    assert "Submit the December 2026 audit of CR-S" in json.dumps(sam_dm["blocks"])
    assert more_time_buttons(sam_dm) == []  # escalated: only the owner asks
