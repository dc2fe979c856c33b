"""Audit rounds through the signed HTTP endpoint: the administrator's form and its inline errors,
the draw across service areas with one case per auditor, attendance with its reminders, a
themed question set through the guided audit, and the thematic schedule."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.core.months import Month
from bot.policy.schema import Policy, RoundsPolicy, ThematicSchedule
from bot.report.delivery import briefing_as_of
from bot.report.markdown import briefing_markdown
from bot.report.period import Period
from bot.report.tables import round_tables
from models import Audit, AuditAction, AuditRound, Case, RoundCase, SelectionRound, Team
from scheduler.jobs import run_due_work
from tests.http.test_audit import domain_values, final_values
from tests.support import factories
from tests.support.harness import (
    Clock,
    click_for_view,
    updates_of,
    views_opened,
)

pytestmark = pytest.mark.integration
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
AREAS = {"North": "Safeguarding", "South": "Children in care", "East": "Disabilities"}


def people(session) -> dict[str, object]:
    """Three teams in three service areas, a manager and a practitioner in each, four cases per
    team, and the senior managers and an administrator."""
    found = {"admin": factories.person(session, "Ada Admin", "admin")}
    found["head"] = factories.person(session, "Hana Head", "head_of_service")
    found["service_manager"] = factories.person(
        session, "Sam Service", "service_manager", manager=found["head"]
    )
    for name, area in AREAS.items():
        team = Team(name=name, service_area=area, team_type="short_term", channel_id=None)
        session.add(team)
        session.flush()
        key = name.lower()
        manager = factories.person(
            session, f"{name} Manager", "team_manager", team, found["service_manager"]
        )
        worker = factories.person(session, f"{name} Worker", "practitioner", team, manager)
        for index in range(4):
            factories.case(session, team, worker, ref=f"CR-{name[0]}{index:03d}")
        found |= {key: team, f"{key}_tm": manager, f"{key}_worker": worker}
    return found


@pytest.fixture
def clock():
    return Clock(MONDAY)


@pytest.fixture
def running(start_bot, clock):
    return start_bot(clock, people=people)


def uid(bot, key):
    return bot.people[key].slack_user_id


def open_form(bot):
    before = len(views_opened(bot, "round.new"))
    bot.command(uid(bot, "admin"), "round new")
    assert bot.slack.wait_for(lambda: len(views_opened(bot, "round.new")) > before)
    return views_opened(bot, "round.new")[-1]


def form(bot, **answers):
    """The form's state: a valid audit day for the three managers and the service manager
    unless `answers` change it (None leaves a field empty)."""
    chosen = {
        "name": "audit-day-q1",
        "kind": "audit_day",
        "theme": None,
        "cases": "3",
        "auditors": ["north_tm", "south_tm", "east_tm", "service_manager"],
        "auditor_role": None,
        "one_each": True,
        "selection_date": None,
        "audit_date": "2027-01-11",
        "audit_until": None,
    } | answers
    text = {"type": "plain_text_input"}
    select_ = {"type": "static_select"}
    return {
        "name": {"name": {**text, "value": chosen["name"]}},
        "kind": {"kind": {**select_, "selected_option": _option(chosen["kind"])}},
        "theme": {"theme": {**select_, "selected_option": _option(chosen["theme"])}},
        "cases": {"cases": {**text, "value": chosen["cases"]}},
        "min_open_days": {"min_open_days": {**text, "value": "28"}},
        "auditors": {
            "auditors": {
                "type": "multi_users_select",
                "selected_users": [uid(bot, key) for key in chosen["auditors"]],
            }
        },
        "auditor_role": {
            "auditor_role": {**select_, "selected_option": _option(chosen["auditor_role"])}
        },
        "one_case_per_auditor": {
            "one_case_per_auditor": {
                "type": "checkboxes",
                "selected_options": [{"value": "one_each"}] if chosen["one_each"] else [],
            }
        },
        **{
            block: {block: {"type": "datepicker", "selected_date": chosen[block]}}
            for block in ("selection_date", "audit_date", "audit_until")
        },
    }


def _option(value):
    return {"value": value} if value else None


def rounds(bot):
    with bot.services.make_session() as session:
        return session.exec(select(AuditRound)).all()


def round_cases(bot):
    with bot.services.make_session() as session:
        rows = session.exec(
            select(RoundCase, Case).join(Case, Case.id == RoundCase.case_id).order_by(RoundCase.id)
        ).all()
        return [(round_case, case) for round_case, case in rows]


def tick(bot, clock, moment):
    clock.now = moment
    report = run_due_work(bot.services, moment)
    bot.wait_until_sent()
    return report


def define(bot, **answers):
    answer = bot.submit(uid(bot, "admin"), open_form(bot), form(bot, **answers))
    assert not answer.body, answer.body


def test_only_administrators_get_the_form(running):
    answer = running.command(uid(running, "north_tm"), "round new")
    assert "only admins can define an audit round" in answer.text
    assert not views_opened(running, "round.new")
    assert (
        "/audit round new | round status [NAME]"
        in running.command(uid(running, "admin"), "help").text
    )
    bad = running.command(uid(running, "admin"), "round cancel audit-day-q1").text
    assert "`/audit round` takes" in bad and "Usage" in bad
    view = open_form(running)
    blocks = {block.get("block_id") for block in view["blocks"]}
    assert {"name", "kind", "theme", "service_areas", "teams", "auditors", "audit_date"} <= blocks


@pytest.mark.parametrize(
    ("answers", "block", "says"),
    [
        ({"name": "Audit Day!"}, "name", "lower-case letters"),
        ({"kind": None}, "kind", "choose the kind"),
        ({"kind": "thematic"}, "theme", "needs a theme"),
        ({"theme": "knife_crime"}, "theme", "not one of the policy's themes"),
        ({"auditors": []}, "auditors", "the auditors, or an auditor role"),
        ({"auditors": ["north_tm", "south_tm"]}, "cases", "3 cases but 2 auditor(s)"),
        ({"cases": "three"}, "cases", "whole number"),
        ({"kind": "whole_file", "audit_date": "2026-11-27"}, "audit_date", "after today"),
        ({"selection_date": "2026-11-27"}, "selection_date", "has passed"),
        ({"selection_date": "2027-01-12"}, "selection_date", "before audit_date"),
        ({"audit_until": "2027-01-08"}, "audit_until", "not be before audit_date"),
        ({"audit_date": "2026-12-21"}, "audit_date", "drawn 5 weeks before it"),
        ({"audit_date": "2026-11-27"}, "audit_date", "after today"),  # not the empty draw date
        ({"audit_date": "2027-01-09"}, "audit_date", "Saturday 9 January 2027 is not a working"),
        ({"audit_date": "2026-12-28"}, "audit_date", "is a bank holiday (Boxing Day"),
        ({"audit_until": "2027-01-17"}, "audit_until", "Sunday 17 January 2027 is not a working"),
    ],
)
def test_each_bad_answer_is_refused_on_its_field_and_nothing_is_defined(
    running, answers, block, says
):
    answer = running.submit(uid(running, "admin"), open_form(running), form(running, **answers))
    assert answer.json["response_action"] == "errors"
    assert says in answer.json["errors"][block], answer.json["errors"]
    assert rounds(running) == []


def test_an_audit_day_is_drawn_five_weeks_before_across_service_areas_one_case_each(running, clock):
    define(running)
    [audit_round] = rounds(running)
    assert str(audit_round.selection_on) == "2026-12-07"  # five weeks before 11 January
    assert tick(running, clock, datetime(2026, 12, 4, 10, 0, tzinfo=UTC)).rounds.drawn == []
    report = tick(running, clock, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert report.rounds.drawn == ["audit-day-q1"]
    drawn = round_cases(running)
    assert len(drawn) == 3
    assert sorted(round_case.service_area for round_case, _ in drawn) == sorted(AREAS.values())
    auditors = [round_case.auditor_id for round_case, _ in drawn]
    assert len(set(auditors)) == 3
    for round_case, case in drawn:
        assert round_case.auditor_id != running.people[f"{_team_key(running, case)}_tm"].id
        dm = running.dms_containing(_slack_id(running, round_case.auditor_id), case.case_ref)[0]
        assert "Audit day" in dm["text"] or "Audit day" in json.dumps(dm["blocks"])
        worker = running.dms_containing(_worker_id(running, case), "confirm")[0]
        assert case.case_ref in json.dumps(worker["blocks"])
    with running.services.make_session() as session:
        recorded = session.get(SelectionRound, rounds(running)[0].selection_round_id)
        assert recorded.seed and recorded.criteria["not_selected_since"] == "2025-12"
    told = running.dms_containing(uid(running, "admin"), "audit-day-q1 drawn")[0]
    assert "3* of the 3 case(s)" in json.dumps(told["blocks"]) and "CR-" not in json.dumps(told)
    calls = len(running.slack.calls())
    assert tick(running, clock, datetime(2026, 12, 7, 9, 0, tzinfo=UTC)).rounds.drawn == []
    assert len(running.slack.calls()) == calls


def test_attendance_is_confirmed_or_declined_and_the_rest_are_reminded_once_each(running, clock):
    define(running)
    tick(running, clock, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    (yes_case, yes_ref), (no_case, no_ref), (silent_case, silent_ref) = [
        (round_case, case.case_ref) for round_case, case in round_cases(running)
    ]
    yes_worker = _slack_id(running, _worker_of(running, yes_case))
    request = running.dms_containing(yes_worker, yes_ref)[0]
    running.click(yes_worker, request, "round.attend")
    auditor_dm = running.dms_containing(_slack_id(running, yes_case.auditor_id), yes_ref)[0]
    assert running.slack.wait_for(
        lambda: (
            "has confirmed they will attend" in json.dumps(updates_of(running, auditor_dm["ts"]))
        )
    )
    assert running.slack.wait_for(
        lambda: "You have confirmed" in json.dumps(updates_of(running, request["ts"]))
    )

    no_worker = _slack_id(running, _worker_of(running, no_case))
    no_request = running.dms_containing(no_worker, no_ref)[0]
    modal = click_for_view(running, no_worker, no_request, "round.decline", "round.decline")
    empty = {"reason": {"reason": {"type": "plain_text_input", "value": "leave"}}}
    assert (
        "at least 10 characters" in running.submit(no_worker, modal, empty).json["errors"]["reason"]
    )
    reason = {
        "reason": {"reason": {"type": "plain_text_input", "value": "On annual leave that week"}}
    }
    assert not running.submit(no_worker, modal, reason).body
    no_auditor_dm = running.dms_containing(_slack_id(running, no_case.auditor_id), no_ref)[0]
    assert running.slack.wait_for(
        lambda: "On annual leave" in json.dumps(updates_of(running, no_auditor_dm["ts"]))
    )

    silent_worker = _slack_id(running, _worker_of(running, silent_case))
    tick(running, clock, datetime(2026, 12, 8, 12, 0, tzinfo=UTC))
    assert not _reminders(running)
    tick(running, clock, datetime(2026, 12, 9, 9, 0, tzinfo=UTC))  # two working days after
    tick(running, clock, datetime(2026, 12, 9, 15, 0, tzinfo=UTC))
    assert _reminders(running) == [silent_worker[1:]]
    tick(running, clock, datetime(2027, 1, 4, 9, 0, tzinfo=UTC))  # a week before the audit
    tick(running, clock, datetime(2027, 1, 5, 9, 0, tzinfo=UTC))
    assert _reminders(running) == [silent_worker[1:]] * 2

    status = running.command(uid(running, "admin"), "round status audit-day-q1").text
    assert "3 case(s) drawn" in status and "1 attendance confirmed, 1 can't attend" in status
    assert "On annual leave that week" in status and silent_ref in status
    overview = running.command(uid(running, "service_manager"), "round status").text
    assert "audit-day-q1" in overview and silent_ref not in overview
    programme = running.command(uid(running, "admin"), "status 2027-01").text
    assert "Audit rounds this month" in programme and "1 attendance confirmed" in programme
    assert not any(case.case_ref in programme for _, case in round_cases(running))
    assert "audit-day-q1" not in running.command(uid(running, "admin"), "status 2026-12").text
    refused = running.command(uid(running, "north_worker"), "round status").text
    assert "Sorry, only" in refused


def test_a_themed_question_set_is_completed_through_the_guided_audit(running, clock):
    define(
        running,
        name="neglect-dec",
        kind="thematic",
        theme="neglect",
        cases="1",
        auditors=["head"],
        selection_date="2026-12-01",
        audit_date="2026-12-14",
        audit_until="2026-12-18",
    )
    tick(running, clock, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    [(round_case, case)] = round_cases(running)
    head = uid(running, "head")
    dm = running.dms_containing(head, case.case_ref)[0]
    view = click_for_view(running, head, dm, "audit.start", "audit.step")
    assert view["title"]["text"] == "Audit: step 1 of 3"
    assert "neglect recognised" in json.dumps(view["blocks"])
    assert "Thematic audit: neglect" in json.dumps(view["blocks"])
    errors = running.submit(head, view, domain_values(view, why="")).json["errors"]
    assert "a grade without a justification" in errors["why__neglect_recognised"]
    while view["submit"]["text"] != "Submit the audit":
        answer = running.submit(
            head, view, domain_values(view, grade="Requires improvement to be good")
        )
        assert answer.json["response_action"] == "update", answer.json
        view = {**answer.json["view"], "id": view["id"]}
    worker_key = f"{_team_key(running, case)}_worker"
    values = final_values(
        running,
        actions=(("Complete the neglect screening tool", worker_key, "2026-12-31"),),
        took_part=("took_part", "took_part"),
    )
    assert not running.submit(head, view, values).body
    with running.services.make_session() as session:
        [audit] = session.exec(select(Audit)).all()
        assert audit.framework == "Thematic audit: neglect" and audit.status == "submitted"
        assert set(audit.answers) >= {
            "neglect_recognised",
            "neglect_plan",
            "neglect_lived_experience",
        }
        [action] = session.exec(select(AuditAction)).all()
        assert action.owner_id == running.people[worker_key].id
    assert running.dms_containing(uid(running, worker_key), "Complete the neglect screening tool")
    assert running.slack.wait_for(
        lambda: "Audit submitted" in json.dumps(updates_of(running, dm["ts"])[-1:])
    )
    status = running.command(uid(running, "admin"), "round status neglect-dec").text
    assert "1 audit(s) done" in status and "1 action(s), 0 done" in status
    assert "Requires improvement to be good: 1" in status
    with running.services.make_session() as session:
        services = running.services
        briefing = briefing_as_of(
            session,
            services.policy,
            services.calendar,
            Period.month(Month(2026, 12)),
            date(2027, 1, 4),
        )
    tables = {table.name: [table.header, *table.rows] for table in round_tables(briefing)}
    assert tables["rounds"][1][:2] == ["neglect-dec", "Thematic audit"]
    assert tables["rounds"][1][4:] == [1, 0, 0, 1, 1, 0, 1, 0, 1, 0]
    ri = "Requires improvement to be good"
    assert [row[1:] for row in tables["round-findings"][1:]] == [
        [domain.title, ri, 1] for domain in running.services.policy.rounds.themes["neglect"].domains
    ]
    summary = briefing_markdown(briefing)
    assert "## 7. Audit rounds" in summary and case.case_ref not in summary


def test_an_immediate_concern_in_a_round_alerts_the_cases_team_manager_too(running, clock):
    define(
        running,
        name="voice-dec",
        kind="thematic",
        theme="voice_of_the_child",
        cases="1",
        auditors=["service_manager"],
        selection_date="2026-12-01",
        audit_date="2026-12-14",
    )
    tick(running, clock, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    [(_, case)] = round_cases(running)
    auditor = uid(running, "service_manager")
    dm = running.dms_containing(auditor, case.case_ref)[0]
    view = click_for_view(running, auditor, dm, "audit.start", "audit.step")
    while view["submit"]["text"] != "Submit the audit":
        view = {**running.submit(auditor, view, domain_values(view)).json["view"], "id": view["id"]}
    note = "The child said she is afraid to go home tonight."
    values = final_values(
        running,
        concern="category_1",
        note=note,
        actions=(),
        no_actions="Referred to the MASH at once.",
        took_part=("not_available", "took_part"),
    )
    assert not running.submit(auditor, view, values).body
    team_manager = uid(running, f"{_team_key(running, case)}_tm")
    alert = running.dms_containing(team_manager, "A child may be at risk now")[0]
    assert note in json.dumps(alert["blocks"])
    assert running.dms_containing(uid(running, "head"), "A child may be at risk now")


def test_the_thematic_schedule_creates_and_draws_the_months_round_once(start_bot, clock):
    policy = Policy(
        rounds=RoundsPolicy(schedule=ThematicSchedule(months={1: "voice_of_the_child"}, cases=5))
    )
    bot = start_bot(clock, policy=policy, people=people)
    tick(bot, clock, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    assert rounds(bot) == []
    report = tick(bot, clock, datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    assert report.rounds.defined == ["voice-of-the-child-2027-01"]
    assert report.rounds.drawn == ["voice-of-the-child-2027-01"]
    [audit_round] = rounds(bot)
    assert audit_round.source == "schedule" and audit_round.theme == "voice_of_the_child"
    assert str(audit_round.audit_on) == "2027-01-15"
    drawn = round_cases(bot)
    # One case for each of the three team managers: fewer than the five asked for.
    assert len(drawn) == 3 and len({rc.auditor_id for rc, _ in drawn}) == 3
    told = bot.dms_containing(uid(bot, "admin"), "voice-of-the-child-2027-01 drawn")[0]
    assert "*3* of the 5" in json.dumps(told["blocks"]) and "Fewer cases" in json.dumps(told)
    managers = {bot.people[f"{key}_tm"].id for key in ("north", "south", "east")}
    assert {rc.auditor_id for rc, _ in drawn} <= managers
    again = tick(bot, clock, datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    assert again.rounds.defined == [] and again.rounds.drawn == []
    assert len(rounds(bot)) == 1 and len(round_cases(bot)) == 3


def _team_key(bot, case) -> str:
    return next(k for k in ("north", "south", "east") if bot.people[k].id == case.team_id)


def _worker_of(bot, round_case) -> int:
    with bot.services.make_session() as session:
        return session.get(Case, round_case.case_id).worker_id


def _worker_id(bot, case) -> str:
    return _slack_id(bot, case.worker_id)


def _slack_id(bot, staff_id: int) -> str:
    return next(
        p.slack_user_id
        for p in bot.people.values()
        if getattr(p, "id", None) == staff_id and hasattr(p, "slack_user_id")
    )


def _reminders(bot):
    """Who got an attendance reminder, in order (the user id without its U/D prefix)."""
    return [
        call.params["channel"][1:]
        for call in bot.slack.calls("chat.postMessage")
        if call.params.get("text", "").startswith("Reminder: please confirm")
    ]


def test_two_instances_at_the_same_moments_draw_and_remind_once(start_bot, clock):
    bot = start_bot(clock, people=people)
    second = start_bot(clock, slack=bot.slack)
    define(bot)
    for moment in (
        datetime(2026, 12, 7, 9, 0, tzinfo=UTC),
        datetime(2026, 12, 9, 9, 0, tzinfo=UTC),
        datetime(2027, 1, 4, 9, 0, tzinfo=UTC),
    ):
        clock.now = moment
        with ThreadPoolExecutor(2) as pool:
            sweeps = [pool.submit(run_due_work, b.services, moment) for b in (bot, second)]
            drew = [sweep.result().rounds.drawn for sweep in sweeps]
        if moment.day == 7:
            assert sorted(drew) == [[], ["audit-day-q1"]]  # one instance drew it
    bot.wait_until_sent()
    drawn = round_cases(bot)
    assert len(drawn) == 3
    posts = [c.params for c in bot.slack.calls("chat.postMessage")]
    for _, case in drawn:
        worker = _worker_id(bot, case)[1:]
        about = [p for p in posts if p["channel"][1:] == worker and case.case_ref in json.dumps(p)]
        assert len(about) == 3  # the request and two reminders, each once
    auditor_dms = [p for p in posts if "you are auditing" in p.get("text", "")]
    assert len(auditor_dms) == 3
