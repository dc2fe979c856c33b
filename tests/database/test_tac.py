"""The TAC checkpoint's use cases on the database (SQLite and PostgreSQL), and its scheduled
work driven by `run_due_work` at fixed times against the Slack stand-in."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, func, select

from bot.core.config import Settings
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.outbox import _queue
from bot.demo.slack_standin import SlackStandIn
from bot.policy.schema import Policy
from bot.slack.sender import FILE_UPLOAD
from bot.tac.checkpoint import CASES_PER_PAGE, TAC_CHECKPOINT, open_checkpoint
from bot.tac.tasks import record_summary_completed, summary_completed_view
from models import (
    AuditLogEntry,
    Case,
    OutboxMessage,
    Staff,
    TacDecision,
    TacSummary,
    TacSupervision,
    TacTask,
)
from models.db import transaction
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.acting import acting_as
from tests.support.ticking import ticking_services

LONDON = Settings().timezone
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday 30 November 2026 (GMT)
TODAY = date(2026, 11, 30)
POLICY = Policy().tac


def tac_case(session: Session, team, worker, ref: str, last: date | None = None, **kw) -> Case:
    case = factories.case(session, team, worker, ref=ref, case_type="TAC", **kw)
    case.tac_last_summary_on = last
    session.add(case)
    session.flush()
    return case


@pytest.fixture
def world(make_session):
    with transaction(make_session) as session:
        north = factories.team(session, "North", "short_term")
        south = factories.team(session, "South", "long_term")
        admin = factories.person(session, "Ada Admin", "admin")
        nina = factories.person(session, "Nina North", "team_manager", north)
        sol = factories.person(session, "Sol South", "team_manager", south)
        pat = factories.person(session, "Pat Worker", "practitioner", north, nina)
        rae = factories.person(session, "Rae Worker", "practitioner", south, sol)
        pat.newly_qualified = True
        session.add(pat)
        tac_case(session, north, pat, "CR-NOTDUE", date(2026, 11, 1))  # due 10 January
        tac_case(session, north, pat, "CR-SOON", date(2026, 9, 25))  # due 4 December
        tac_case(session, north, pat, "CR-NEVER")
        tac_case(session, north, pat, "CR-OVERDUE", date(2026, 8, 1))  # due 10 October
        tac_case(session, north, pat, "CR-CLOSED", status="closed")
        factories.case(session, north, pat, ref="CR-CP")  # not a TAC case
        tac_case(session, south, rae, "CR-RAE", date(2026, 10, 1))  # long-term: due 1 April
    return {
        "admin": admin,
        "nina": nina,
        "sol": sol,
        "pat": pat,
        "rae": rae,
        "north": north,
        "south": south,
    }


def open_for(make_session, actor: Staff, practitioner: Staff | None, now=NOW) -> dict:
    with acting_as(make_session, actor, now) as uow:
        return open_checkpoint(uow, practitioner).view


def submit(make_session, actor: Staff, view: dict, values: dict, now=NOW):
    """A page of the checkpoint submitted: its Reply (errors, the next page, or neither)."""
    metadata = json.loads(view["private_metadata"])
    with acting_as(make_session, actor, now) as uow:
        supervision = uow.lock(TacSupervision, metadata["supervision_id"])
        return TAC_CHECKPOINT.submit_step(uow, supervision, metadata["step"], values)


def case_ids_in(view: dict) -> list[int]:
    return [
        int(block["block_id"].split("-", 1)[1])
        for block in view["blocks"]
        if block.get("block_id", "").startswith("decision-")
    ]


def answers(view: dict, decision: str = "not_needed", **overrides) -> dict:
    values: dict = {"held_on": TODAY.isoformat()} if _asks_date(view) else {}
    for case_id in case_ids_in(view):
        values[f"decision-{case_id}"] = decision
        if decision == "complete_by":
            values[f"date-{case_id}"] = "2026-12-16"
        else:
            values[f"reason-{case_id}"] = "Reviewed in September; plan is on track."
    values.update(overrides)
    return values


def _asks_date(view: dict) -> bool:
    return any(block.get("block_id") == "held_on" for block in view["blocks"])


def refs_in(view: dict) -> list[str]:
    return [
        block["text"]["text"].split("*")[1]
        for block in view["blocks"]
        if block["type"] == "section" and block["text"]["text"].startswith("*CR-")
    ]


def count(make_session, table, *where) -> int:
    with make_session() as session:
        return session.exec(select(func.count()).select_from(table).where(*where)).one()


def outbox_keys(make_session) -> list[str]:
    with make_session() as session:
        return sorted(session.exec(select(OutboxMessage.idempotency_key)).all())


# -- permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "subject", "error", "words"),
    [
        ("pat", "pat", NotAllowed, "only team managers"),
        ("admin", "pat", NotAllowed, "only team managers"),
        ("sol", "pat", NotAllowed, "not in your team"),
        ("nina", "admin", InvalidRequest, "not a practitioner"),
        ("nina", "nina", InvalidRequest, "Your own TAC cases"),
        ("nina", None, InvalidRequest, "can't find that person"),
    ],
)
def test_who_may_run_the_checkpoint(make_session, world, actor, subject, error, words):
    with pytest.raises(error, match=words):
        open_for(make_session, world[actor], world[subject] if subject else None)
    assert count(make_session, TacSupervision) == 0


def test_a_practitioner_who_has_left_cannot_be_supervised(make_session, world):
    with transaction(make_session) as session:
        pat = session.get(Staff, world["pat"].id)
        pat.status = "left"
        session.add(pat)
    with pytest.raises(InvalidRequest, match="or they have left"):
        open_for(make_session, world["nina"], pat)


def test_a_practitioner_without_tac_cases_gets_a_clear_answer(make_session, world):
    with transaction(make_session) as session:
        sam = factories.person(session, "Sam New", "practitioner", world["north"], world["nina"])
    with pytest.raises(InvalidRequest, match="holds no open TAC cases"):
        open_for(make_session, world["nina"], sam)


def test_a_manager_may_supervise_people_they_line_manage_in_another_team(make_session, world):
    with transaction(make_session) as session:
        west = factories.team(session, "West", "long_term")
        wyn = factories.person(session, "Wyn West", "practitioner", west, world["nina"])
        tac_case(session, west, wyn, "CR-WEST")
    view = open_for(make_session, world["nina"], wyn)
    assert refs_in(view) == ["CR-WEST"]
    assert "every 6 months" in str(view)


# -- the modal --------------------------------------------------------------------------------


def test_the_modal_lists_open_tac_cases_most_urgent_first_with_their_flags(make_session, world):
    view = open_for(make_session, world["nina"], world["pat"])
    assert view["callback_id"] == "tac.checkpoint"
    assert view["title"]["text"] == "TAC checkpoint"
    assert view["submit"]["text"] == "Record decisions"
    assert refs_in(view) == ["CR-NEVER", "CR-OVERDUE", "CR-SOON", "CR-NOTDUE"]
    sections = {ref: text for ref, text in zip(refs_in(view), _case_texts(view), strict=True)}
    # opened 1 January 2025 (the factory's date): first due ten weeks later
    assert "Last summary: never · Next due: Wednesday 12 March 2025" in sections["CR-NEVER"]
    assert "Never summarised" in sections["CR-NEVER"]
    assert "Next due: Saturday 10 October 2026" in sections["CR-OVERDUE"]
    assert "Overdue" in sections["CR-OVERDUE"]
    assert "Due within 14 days" in sections["CR-SOON"]
    assert "Newly qualified practitioner" in sections["CR-NOTDUE"]
    assert "every 10 weeks" in sections["CR-NOTDUE"]
    intro = view["blocks"][0]["text"]["text"]
    # the case never summarised is also overdue: its first was due ten weeks after it opened
    assert "4 open TAC cases (1 never summarised, 2 overdue, 1 due within 14 days)" in intro
    trigger_block = next(b for b in view["blocks"] if b.get("block_id", "").startswith("triggers-"))
    labels = [o["text"]["text"] for o in trigger_block["element"]["options"]]
    assert labels == [
        "Juncture: step up",
        "Juncture: step down",
        "Possible drift",
        "Other issue or difficulty",
    ]
    with make_session() as session:
        draft = session.exec(select(TacSupervision)).one()
        logged = session.exec(select(AuditLogEntry.action)).all()
    assert draft.status == "draft" and len(draft.case_ids) == 4
    assert logged == ["tac.checkpoint.start"]


def _case_texts(view: dict) -> list[str]:
    return [
        block["text"]["text"]
        for block in view["blocks"]
        if block["type"] == "section" and block["text"]["text"].startswith("*CR-")
    ]


# -- validation ---------------------------------------------------------------------------------


def test_every_case_needs_a_decision_and_its_date_or_reason(make_session, world):
    view = open_for(make_session, world["nina"], world["pat"])
    never, overdue, soon, notdue = case_ids_in(view)
    values = {
        "held_on": "2026-12-01",  # in the future
        f"decision-{overdue}": "complete_by",  # no date
        f"decision-{soon}": "complete_by",
        f"date-{soon}": "2026-11-27",  # in the past
        f"decision-{notdue}": "not_needed",
        f"reason-{notdue}": "fine",  # too short
        f"triggers-{overdue}": ["drift", "other"],  # other needs a note
    }
    outcome = submit(make_session, world["nina"], view, values)
    assert outcome.errors == {
        "held_on": "The supervision date can't be in the future.",
        f"decision-{never}": (
            "Record your decision for this case: a summary by a date, or not needed now."
        ),
        f"date-{overdue}": "Give the date the summary is to be completed by.",
        f"note-{overdue}": "Describe the issue you ticked.",
        f"date-{soon}": "The date can't be in the past.",
        f"reason-{notdue}": "Say why a summary is not needed now (a sentence is enough).",
    }
    assert count(make_session, TacDecision) == 0
    assert count(make_session, TacSupervision, TacSupervision.status == "recorded") == 0


def test_someone_else_cannot_submit_a_managers_checkpoint(make_session, world):
    view = open_for(make_session, world["nina"], world["pat"])
    with pytest.raises(NotAllowed):
        submit(make_session, world["sol"], view, answers(view))


# -- recording ----------------------------------------------------------------------------------


def test_recording_keeps_each_decision_and_sets_tasks(make_session, world):
    view = open_for(make_session, world["nina"], world["pat"])
    never, overdue, soon, notdue = case_ids_in(view)
    values = answers(view)
    values.update(
        {
            f"decision-{never}": "complete_by",
            f"date-{never}": "2026-12-16",
            f"triggers-{never}": ["step_down", "other"],
            f"note-{never}": "Stepping down to early help.",
            f"decision-{overdue}": "complete_by",
            f"date-{overdue}": "2026-12-04",
        }
    )
    assert submit(make_session, world["nina"], view, values).errors is None
    with make_session() as session:
        supervision = session.exec(select(TacSupervision)).one()
        decisions = {d.case_id: d for d in session.exec(select(TacDecision)).all()}
        tasks = session.exec(select(TacTask).order_by(TacTask.id)).all()
        actions = session.exec(select(AuditLogEntry.action).order_by(AuditLogEntry.id)).all()
    assert supervision.status == "recorded" and supervision.held_on == TODAY
    assert decisions[never].triggers == ["step_down", "other"]
    assert decisions[never].trigger_note == "Stepping down to early help."
    assert decisions[never].flags == ["never", "overdue", "newly_qualified"]
    assert decisions[overdue].last_summary_on == date(2026, 8, 1)
    assert decisions[overdue].next_due_on == date(2026, 10, 10)
    assert decisions[notdue].decision == "not_needed"
    assert decisions[notdue].reason == "Reviewed in September; plan is on track."
    assert decisions[notdue].complete_by is None
    assert [(t.case_id, t.due_on, t.status) for t in tasks] == [
        (never, date(2026, 12, 16), "open"),
        (overdue, date(2026, 12, 4), "open"),
    ]
    assert outbox_keys(make_session) == sorted(
        [f"tac-checkpoint:{supervision.id}"]
        + [f"tac-not-needed:{decisions[case].id}" for case in (soon, notdue)]
        + [f"tac-task:{t.id}" for t in tasks]
    )
    assert actions == [
        "tac.checkpoint.start",
        "tac.task.create",
        "tac.task.create",
        "tac.checkpoint.record",
    ]


def test_a_double_submit_records_once(make_session, world):
    view = open_for(make_session, world["nina"], world["pat"])
    values = answers(view, "complete_by")
    assert submit(make_session, world["nina"], view, values).errors is None
    again = submit(make_session, world["nina"], view, values)
    assert again.errors is None and again.view is None
    assert count(make_session, TacSupervision, TacSupervision.status == "recorded") == 1
    assert count(make_session, TacDecision) == 4
    assert count(make_session, TacTask) == 4
    assert count(make_session, AuditLogEntry, AuditLogEntry.action == "tac.checkpoint.record") == 1


def test_a_later_decision_keeps_replaces_or_cancels_the_open_task(make_session, world):
    view = open_for(make_session, world["nina"], world["pat"])
    submit(make_session, world["nina"], view, answers(view, "complete_by"))  # all by 16 Dec
    never, overdue, soon, _notdue = case_ids_in(view)
    later = open_for(make_session, world["nina"], world["pat"])
    values = answers(later, "complete_by")  # the same date: the task stands
    values[f"date-{overdue}"] = "2026-12-09"  # a new date: replaced
    values[f"decision-{soon}"] = "not_needed"  # cancelled
    values[f"reason-{soon}"] = "Case closing next week after the review."
    assert "Summary planned by Wednesday 16 December 2026 (task open)" in str(later)
    submit(make_session, world["nina"], later, values)
    with make_session() as session:
        tasks = session.exec(select(TacTask).order_by(TacTask.id)).all()
    by_case = {}
    for task in tasks:
        by_case.setdefault(task.case_id, []).append((task.due_on.day, task.status))
    assert by_case[never] == [(16, "open")]
    assert by_case[overdue] == [(16, "superseded"), (9, "open")]
    assert by_case[soon] == [(16, "cancelled")]
    keys = outbox_keys(make_session)
    assert len([k for k in keys if k.startswith("tac-task:")]) == 5
    assert len([k for k in keys if k.startswith("tac-task-cancelled:")]) == 1


# -- pagination ---------------------------------------------------------------------------------


def test_sixty_cases_are_shown_on_pages_within_slacks_limits_and_all_recorded(make_session, world):
    with transaction(make_session) as session:
        for index in range(56):
            last = None if index % 7 == 0 else date(2026, 1 + index % 11, 1 + index % 27)
            tac_case(session, world["north"], world["pat"], f"CR-MANY-{index:03d}", last)
    view = open_for(make_session, world["nina"], world["pat"])
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        assert len(view["blocks"]) <= 100
        assert len(view["title"]["text"]) <= 24
        assert len(view["private_metadata"]) <= 3000
        assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view["blocks"])
        assert len(case_ids_in(view)) <= CASES_PER_PAGE
        seen += refs_in(view)
        if pages == 2:  # an error on a later page stays on that page
            first = case_ids_in(view)[0]
            broken = submit(
                make_session, world["nina"], view, answers(view, **{f"decision-{first}": None})
            )
            assert list(broken.errors) == [f"decision-{first}"]
        outcome = submit(make_session, world["nina"], view, answers(view))
        assert outcome.errors is None
        if outcome.view is None:
            break
        view = outcome.view
        assert view["submit"]["text"] in ("Next page", "Record decisions")
    assert pages == 4
    assert len(seen) == len(set(seen)) == 60
    assert "CR-NEVER" in seen[:9]  # the 9 never-summarised cases come first
    assert "CR-NOTDUE" not in seen[:30]
    assert count(make_session, TacDecision) == 60
    assert count(make_session, TacSupervision, TacSupervision.status == "recorded") == 1
    assert count(make_session, AuditLogEntry, AuditLogEntry.action == "tac.checkpoint.page") == 3


# -- "Summary completed" ------------------------------------------------------------------------


def set_tasks(make_session, world, due="2026-12-16") -> list[TacTask]:
    view = open_for(make_session, world["nina"], world["pat"])
    submit(
        make_session,
        world["nina"],
        view,
        answers(view, "complete_by", **{f"date-{i}": due for i in case_ids_in(view)}),
    )
    with make_session() as session:
        return session.exec(select(TacTask).order_by(TacTask.id)).all()


def complete(make_session, actor, task, on, now=NOW):
    """Record the summary completed; the form's inline errors, or None when recorded."""
    with acting_as(make_session, actor, now) as uow:
        reply = record_summary_completed(uow, uow.lock(TacTask, task.id), on)
    return reply.errors if reply else None


def completed_form(make_session, actor, task, now=NOW) -> dict:
    with acting_as(make_session, actor, now) as uow:
        return summary_completed_view(uow, uow.session.get(TacTask, task.id))


def test_completing_a_summary_sets_the_next_due_date_and_tells_the_manager(make_session, world):
    overdue_task = set_tasks(make_session, world)[1]
    view = completed_form(make_session, world["pat"], overdue_task)
    assert view["blocks"][1]["element"]["initial_date"] == "2026-11-30"
    assert complete(make_session, world["pat"], overdue_task, "2026-12-01") == {
        "completed_on": "The date can't be in the future."
    }
    assert complete(make_session, world["pat"], overdue_task, None) == {
        "completed_on": "Give the date the summary was completed."
    }
    assert complete(make_session, world["pat"], overdue_task, "2026-11-27") is None
    assert complete(make_session, world["pat"], overdue_task, "2026-11-27") is None  # double
    with make_session() as session:
        case = session.get(Case, overdue_task.case_id)
        task = session.get(TacTask, overdue_task.id)
        summaries = session.exec(select(TacSummary)).all()
    nina_view = open_for(make_session, world["nina"], world["pat"])
    assert case.tac_last_summary_on == date(2026, 11, 27)
    assert task.status == "completed" and task.closed_by == world["pat"].email
    assert [(s.case_id, s.completed_on, s.task_id) for s in summaries] == [
        (case.id, date(2026, 11, 27), task.id)
    ]
    # 27 November + 10 weeks: no longer overdue, now last in the list
    assert refs_in(nina_view)[-1] == "CR-OVERDUE"
    assert "Next due: Friday 5 February 2027" in str(nina_view)
    keys = outbox_keys(make_session)
    assert f"tac-task-done:{task.id}" in keys and f"tac-summary:{summaries[0].id}" in keys
    assert count(make_session, AuditLogEntry, AuditLogEntry.action == "tac.summary.record") == 1


def test_only_the_practitioner_or_manager_may_record_a_summary(make_session, world):
    task = set_tasks(make_session, world)[0]
    with pytest.raises(NotAllowed):
        complete(make_session, world["sol"], task, "2026-11-30")
    assert complete(make_session, world["nina"], task, "2026-11-30") is None  # the manager may
    with pytest.raises(InvalidRequest, match="already been recorded"):
        completed_form(make_session, world["pat"], task)


def test_an_earlier_completion_date_does_not_move_the_last_summary_back(make_session, world):
    with transaction(make_session) as session:
        notdue = session.exec(select(Case).where(Case.case_ref == "CR-NOTDUE")).one()
    task = next(t for t in set_tasks(make_session, world) if t.case_id == notdue.id)
    complete(make_session, world["pat"], task, "2026-10-20")
    with make_session() as session:
        assert session.get(Case, notdue.id).tac_last_summary_on == date(2026, 11, 1)


# -- the schedule, through run_due_work ---------------------------------------------------------


@pytest.fixture
def slack():
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def services(engine, database_url, slack):
    """Services whose clock (and so the sender's) reads the `now` given to `run_due_work`."""
    return ticking_services(engine, database_url, slack, Policy(), NOW)


def tick(services, text: str):
    """`auditbot tick --now TEXT` (UTC)."""
    services.moment[0] = datetime.fromisoformat(text).replace(tzinfo=UTC)
    return run_due_work(services, services.moment[0])


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def digests_to(slack, person: Staff) -> list[dict]:
    return [
        m
        for m in slack.messages_to(person.slack_user_id)
        if "to consider in supervision this week" in m["text"]
    ]


def test_the_monday_digest_goes_once_to_managers_with_cases_to_consider(services, slack, world):
    assert tick(services, "2026-11-30T08:59").tac.digests == 0
    report = tick(services, "2026-11-30T09:00")
    assert report.tac.digests == 1 and "queued 1 TAC digest(s)" in report.summary()
    [digest] = slack.messages_to(world["nina"].slack_user_id)
    assert digest["text"] == "3 TAC cases to consider in supervision this week"
    body = str(digest["blocks"])
    for ref in ("CR-NEVER", "CR-OVERDUE", "CR-SOON"):
        assert ref in body
    assert "CR-NOTDUE" not in body and "CR-CLOSED" not in body and "CR-CP" not in body
    assert "(newly qualified)" in body
    buttons = [e for b in digest["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        ("tac.checkpoint.open", str(world["pat"].id))
    ]
    assert not slack.messages_to(world["sol"].slack_user_id)  # Rae's case is not due
    # re-running, or later that week, sends nothing new
    tick(services, "2026-11-30T09:00")
    tick(services, "2026-12-02T11:00")
    assert len(digests_to(slack, world["nina"])) == 1
    # the next Monday's digest is a new one
    tick(services, "2026-12-07T09:30")
    assert len(digests_to(slack, world["nina"])) == 2


def test_managers_loaded_together_each_get_their_own_teams_cases(
    services, slack, world, make_session
):
    with transaction(make_session) as session:
        tac_case(session, world["south"], world["rae"], "CR-RAE-NEVER")
    assert tick(services, "2026-11-30T09:00").tac.digests == 2
    [nina] = digests_to(slack, world["nina"])
    [sol] = digests_to(slack, world["sol"])
    assert nina["text"] == "3 TAC cases to consider in supervision this week"
    assert sol["text"] == "1 TAC case to consider in supervision this week"
    assert "CR-RAE-NEVER" in str(sol["blocks"]) and "CR-RAE-NEVER" not in str(nina["blocks"])
    assert "CR-NEVER" not in str(sol["blocks"])


def test_the_digest_waits_for_tuesday_after_a_bank_holiday_monday(services, slack, world):
    tick(services, "2026-05-25T09:00")  # Spring bank holiday (BST: 10:00 local)
    assert not digests_to(slack, world["nina"])
    tick(services, "2026-05-26T07:59")  # 08:59 BST
    assert not digests_to(slack, world["nina"])
    tick(services, "2026-05-26T08:00")  # 09:00 BST
    assert len(digests_to(slack, world["nina"])) == 1


def test_the_month_end_list_goes_to_administrators_with_a_csv(services, slack, world, make_session):
    tasks = set_tasks(make_session, world)
    complete(make_session, world["pat"], tasks[0], "2026-11-20")
    complete(make_session, world["nina"], tasks[1], "2026-11-30")
    assert tick(services, "2026-11-30T15:59").tac.month_end_lists == 0
    assert tick(services, "2026-11-30T16:00").tac.month_end_lists == 1
    [listing] = slack.messages_to(world["admin"].slack_user_id)
    assert listing["text"] == "TAC summaries completed in November 2026: 2"
    body = str(listing["blocks"])
    assert "CR-NEVER · Pat Worker · North · Friday 20 November 2026" in body
    assert "CR-OVERDUE · Pat Worker · North · Monday 30 November 2026" in body
    [opened] = slack.calls("conversations.open")
    assert opened.params["users"] == world["admin"].slack_user_id
    [upload] = slack.calls("files.completeUploadExternal")
    assert upload.params["channel_id"] == "D" + world["admin"].slack_user_id[1:]
    assert "November 2026" in upload.params["initial_comment"]
    content = slack.uploaded_file(upload.params["files"][0]["id"]).decode()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [(r["case_ref"], r["practitioner"], r["team"], r["completed_on"]) for r in rows] == [
        ("CR-NEVER", "Pat Worker", "North", "2026-11-20"),
        ("CR-OVERDUE", "Pat Worker", "North", "2026-11-30"),
    ]
    # a re-run, or the catch-up window next month, sends nothing new
    tick(services, "2026-11-30T16:00")
    tick(services, "2026-12-01T10:00")
    assert len(slack.messages_to(world["admin"].slack_user_id)) == 1
    assert len(slack.calls("files.completeUploadExternal")) == 1
    nina = slack.messages_to(world["nina"].slack_user_id)
    assert nina and all("TAC summaries completed" not in m["text"] for m in nina)  # admins only


def test_a_summary_recorded_after_the_list_goes_in_the_next_one(
    services, slack, world, make_session
):
    tasks = set_tasks(make_session, world)
    tick(services, "2026-11-30T16:00")  # nothing completed yet
    [empty] = slack.messages_to(world["admin"].slack_user_id)
    assert "No TAC reflective case summaries" in str(empty["blocks"])
    assert not slack.calls("files.completeUploadExternal")  # no empty CSV
    complete(make_session, world["pat"], tasks[0], "2026-11-30", now=utc("2026-11-30T17:00"))
    with transaction(make_session) as session:
        later = session.exec(select(TacTask).where(TacTask.id == tasks[1].id)).one()
    complete(make_session, world["pat"], later, "2026-12-10", now=utc("2026-12-10T12:00"))
    tick(services, "2026-12-31T16:00")
    december = slack.messages_to(world["admin"].slack_user_id)[-1]
    assert december["text"] == "TAC summaries completed in December 2026: 1"
    body = str(december["blocks"])
    assert "Recorded late*: 1 completed before December 2026" in body
    assert "CR-NEVER" in body and "CR-OVERDUE" in body


def test_task_reminders_are_sent_once_before_the_date(services, slack, world, make_session):
    set_tasks(make_session, world, due="2026-12-16")
    tick(services, "2026-12-11T09:00")
    pat = world["pat"].slack_user_id
    assert not [m for m in slack.messages_to(pat) if m["text"].startswith("Reminder")]
    report = tick(services, "2026-12-14T09:00")  # 2 working days before
    assert report.tac.reminders == 4
    reminders = [m for m in slack.messages_to(pat) if m["text"].startswith("Reminder")]
    assert len(reminders) == 4
    assert "due by Wednesday 16 December 2026" in reminders[0]["text"]
    tick(services, "2026-12-14T09:00")
    tick(services, "2026-12-15T09:00")
    assert len([m for m in slack.messages_to(pat) if m["text"].startswith("Reminder")]) == 4
    assert count(services.make_session, OutboxMessage, OutboxMessage.status == "failed") == 0


# -- the sender's file upload -------------------------------------------------------------------


def queue_upload(make_session, channel: str) -> None:
    with transaction(make_session) as session:
        _queue(
            session,
            idempotency_key=f"upload:{channel}",
            method=FILE_UPLOAD,
            recipient_staff_id=None,
            channel=channel,
            payload={"filename": "x.csv", "content": "a,b\n1,2\n", "title": "X"},
            concern="test",
            now=NOW,
        )


def test_a_file_for_a_channel_is_uploaded_there(services, slack, make_session):
    queue_upload(make_session, "C0CHANNEL1")
    assert services.sender.deliver_due().sent == 1
    assert not slack.calls("conversations.open")
    [upload] = slack.calls("files.completeUploadExternal")
    assert upload.params["channel_id"] == "C0CHANNEL1"
    assert slack.uploaded_file(upload.params["files"][0]["id"]) == b"a,b\n1,2\n"


def test_a_failed_upload_is_retried_not_lost(services, slack, make_session):
    queue_upload(make_session, "U0ADMIN01")
    slack.fail_next("conversations.open", error="ratelimited")
    report = services.sender.deliver_due()
    assert (report.sent, report.retried) == (0, 1)
    with make_session() as session:
        row = session.exec(select(OutboxMessage)).one()
    assert row.status == "pending" and "ratelimited" in row.last_error
