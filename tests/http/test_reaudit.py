"""The re-audit through the signed HTTP endpoint: the draw by command, the moderator's form
with its checks and drafts, one submission, the outcome, re-audit actions and permissions."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.core.calendar import LONDON
from models import Audit, AuditAction, ModeratedJudgement, Reaudit, ReauditRound
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import Clock, click_for_view, ephemeral_replies, updates_of

pytestmark = pytest.mark.integration
DECEMBER_1 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
REASON = "Visits are recorded weeks late, so the child's story can't be followed from the file."
LOWER = "Requires improvement to be good"


@pytest.fixture
def clock():
    return Clock(DECEMBER_1)


def people_with_an_october_audit(session):
    """The authority, a second service manager, and an audit submitted in October (kept as
    "october_audit")."""
    people = factories.authority(session, cases_per_team=2)
    people["other_sm"] = factories.person(session, "Ruth Other", "service_manager")
    case = factories.case(session, people["north"], people["north_worker"], ref="CR-OCT01")
    people["october_audit"] = factories.submitted_audit(
        session, people["north_tm"], case, datetime(2026, 10, 20, 14, tzinfo=UTC)
    )
    return people


@pytest.fixture
def running(start_bot, clock):
    bot = start_bot(clock, people=people_with_an_october_audit)
    bot.audit_id = bot.people.pop("october_audit").id
    return bot


def uid(bot, key):
    return bot.people[key].slack_user_id


def draw(bot):
    return bot.command(uid(bot, "admin"), "reaudit 2026-12")


def start(bot, user=None):
    moderator = uid(bot, "service_manager")
    message = bot.dms_to(moderator)[0]
    return click_for_view(bot, user or moderator, message, "reaudit.start", "reaudit.step")


def verdicts(view, verdict="agree", grade=None, why=None):
    values = {}
    for block in view["blocks"]:
        block_id = block.get("block_id", "")
        if block_id.startswith("verdict__"):
            values[block_id] = {"verdict": {"selected_option": {"value": verdict}}}
        elif block_id.startswith("grade__"):
            option = {"value": grade} if grade else None
            values[block_id] = {"grade": {"selected_option": option}}
        elif block_id.startswith("why__"):
            values[block_id] = {"why": {"value": why}}
    return values


def final_values(bot, addressed="partly", note="The chronology is still a month behind.", **more):
    values = {
        "addressed": {
            "addressed": {"selected_option": {"value": addressed} if addressed else None}
        },
        "addressed_note": {"addressed_note": {"value": note}},
        "comment": {"comment": {"value": more.get("comment", "A careful audit; grades generous.")}},
    }
    if more.get("action", True):
        values |= {
            "action_what_1": {"a": {"value": "Bring the visit records up to date."}},
            "action_owner_1": {"owner": {"selected_user": uid(bot, "north_worker")}},
            "action_due_1": {"due": {"selected_date": "2026-12-18"}},
        }
    return values


def submit(bot, view, values, user=None):
    return bot.submit(user or uid(bot, "service_manager"), view, values)


def walk_to_last_step(bot, first_step_values=None):
    """Answer every domain step (the first with `first_step_values`); return the last step."""
    view = start(bot)
    values = first_step_values or verdicts(view)
    while view["submit"]["text"] != "Submit the re-audit":
        answer = submit(bot, view, values)
        assert answer.json["response_action"] == "update", answer.json
        view = {**answer.json["view"], "id": view["id"]}
        values = verdicts(view)
    return view


def disagree_with_the_first(view):
    values = verdicts(view)
    first = next(k for k in values if k.startswith("verdict__")).removeprefix("verdict__")
    values[f"verdict__{first}"] = {"verdict": {"selected_option": {"value": "disagree"}}}
    values[f"grade__{first}"] = {"grade": {"selected_option": {"value": LOWER}}}
    values[f"why__{first}"] = {"why": {"value": REASON}}
    return values


def the_reaudit(bot):
    with bot.services.make_session() as session:
        return session.exec(select(Reaudit)).one()


def test_the_draw_tells_the_moderator_the_manager_and_the_practitioner_once(running):
    reply = draw(running).text
    assert "December 2026 re-audits drawn" in reply and "1 audit chosen" in reply
    assert "Sam Service (1)" in reply and "CR-OCT01" not in reply
    again = draw(running).text
    assert "already drawn" in again and "nothing has changed" in again
    moderator_dm = running.dms_to(uid(running, "service_manager"))[0]
    assert "CR-OCT01" in moderator_dm["text"]
    assert "Start the re-audit" in json.dumps(moderator_dm["blocks"])
    assert "Update the chronology" in json.dumps(moderator_dm["blocks"])
    [manager_dm] = running.dms_to(uid(running, "north_tm"))
    assert manager_dm["text"] == "Your audit of CR-OCT01 has been chosen for re-audit"
    [worker_dm] = running.dms_to(uid(running, "north_worker"))
    assert "may change" in json.dumps(worker_dm["blocks"])
    channel_posts = [
        c
        for c in running.slack.calls("chat.postMessage")
        if str(c.params.get("channel", "")).startswith("C")
    ]
    assert not any("CR-" in json.dumps(c.params) for c in channel_posts)


def test_only_administrators_and_service_managers_may_draw(running):
    refusal = running.command(uid(running, "north_tm"), "reaudit 2026-12").text
    assert "only admins, service managers can use `/audit reaudit`" in refusal
    with running.services.make_session() as session:
        assert session.exec(select(ReauditRound)).all() == []
    bad = running.command(uid(running, "admin"), "reaudit December").text
    assert "is not a month" in bad and "reaudit [YYYY-MM]" in bad
    assert "re-audits drawn" in running.command(uid(running, "service_manager"), "reaudit").text


def test_each_domain_shows_the_original_and_disagreeing_needs_a_grade_and_reason(running):
    draw(running)
    view = start(running)
    assert view["title"]["text"] == "Re-audit: step 1 of 5"
    shown = json.dumps(view["blocks"])
    assert "*Original grade:* Good" in shown and factories.JUSTIFICATION in shown
    values = verdicts(view, verdict="disagree")
    first = next(k for k in values if k.startswith("why__"))
    errors = submit(running, view, values).json["errors"]
    assert "a changed judgement needs a reason" in errors[first]
    assert "choose the grade you would give" in errors[first.replace("why__", "grade__")]
    errors = submit(running, view, verdicts(view, "disagree", "Good", REASON)).json["errors"]
    assert "That is the original grade" in errors[first.replace("why__", "grade__")]
    errors = submit(running, view, verdicts(view, verdict=None)).json["errors"]
    assert "whether you agree" in errors[first.replace("why__", "verdict__")]
    assert submit(running, view, verdicts(view)).json["response_action"] == "update"


def test_submitting_stores_the_moderation_beside_the_audit_and_tells_everyone(running):
    draw(running)
    first_view = start(running)
    view = walk_to_last_step(running, disagree_with_the_first(first_view))
    assert "Update the chronology" in json.dumps(view["blocks"])
    errors = submit(running, view, final_values(running, addressed=None)).json["errors"]
    assert "whether the audit's actions were addressed" in errors["addressed"]
    errors = submit(running, view, final_values(running, note="")).json["errors"]
    assert "still outstanding" in errors["addressed_note"]
    assert not submit(running, view, final_values(running)).body
    assert "already been submitted" in json.dumps(submit(running, view, final_values(running)).json)
    reaudit = the_reaudit(running)
    assert reaudit.status == "submitted" and reaudit.actions_addressed == "partly"
    with running.services.make_session() as session:
        judgements = session.exec(select(ModeratedJudgement)).all()
        audit = session.get(Audit, running.audit_id)
        new_actions = session.exec(
            select(AuditAction).where(AuditAction.reaudit_id == reaudit.id)
        ).all()
    assert len(judgements) == 7
    [changed] = [j for j in judgements if not j.agreed]
    assert (changed.original_grade, changed.moderated_grade, changed.moved) == (
        "Good",
        LOWER,
        "down",
    )
    assert all(answer.get("grade") == "Good" for k, answer in audit.answers.items() if k != "final")
    assert len(new_actions) == 1 and new_actions[0].audit_id == running.audit_id
    for person in ("north_tm", "north_worker"):
        dms = running.dms_to(uid(running, person), 2)
        outcome = [m for m in dms if m["text"] == "The re-audit of CR-OCT01 is complete"]
        assert outcome, person
        text = json.dumps(outcome[0]["blocks"], ensure_ascii=False)
        assert f"Good → {LOWER}" in text and "Agreed* (6)" in text and "Partly" in text
    worker_dms = running.dms_to(uid(running, "north_worker"), 3)
    assert any(m["text"] == "New action from the re-audit of CR-OCT01" for m in worker_dms)
    moderator_dm = running.dms_to(uid(running, "service_manager"))[0]
    assert running.slack.wait_for(
        lambda: "Re-audit submitted" in json.dumps(updates_of(running, moderator_dm["ts"])[-1:])
    )


def test_only_the_assigned_moderator_can_open_or_submit(running):
    draw(running)
    view = start(running)
    for intruder in ("other_sm", "north_tm"):
        moderator_dm = running.dms_to(uid(running, "service_manager"))[0]
        running.click(uid(running, intruder), moderator_dm, "reaudit.start")
        answer = submit(running, view, verdicts(view), user=uid(running, intruder))
        assert "Only the moderator" in json.dumps(answer.json)
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 2)
    assert all("Only the moderator" in text for text in ephemeral_replies(running))
    assert the_reaudit(running).answers == {}


def test_closing_keeps_the_answers_and_resume_returns_to_the_first_gap(running):
    draw(running)
    view = start(running)
    second = {**submit(running, view, verdicts(view)).json["view"], "id": view["id"]}
    half = verdicts(second, verdict="disagree", why="Half a thought")
    running.post_view_closed(uid(running, "service_manager"), second, half)
    resumed = start(running)
    assert resumed["title"]["text"] == "Re-audit: step 2 of 5"
    why = next(b for b in resumed["blocks"] if b.get("block_id", "").startswith("why__"))
    assert why["element"]["initial_value"] == "Half a thought"
    moderator_dm = running.dms_to(uid(running, "service_manager"))[0]
    assert running.slack.wait_for(
        lambda: "Resume the re-audit" in json.dumps(updates_of(running, moderator_dm["ts"])[-1:])
    )
    assert the_reaudit(running).status == "started"


def test_re_audit_actions_are_reminded_and_marked_done_like_audit_actions(running, clock):
    draw(running)
    view = walk_to_last_step(running)
    assert not submit(running, view, final_values(running)).body  # due Friday 18 December
    worker = uid(running, "north_worker")
    for moment in (
        datetime(2026, 12, 16, 9, 0, tzinfo=LONDON),
        datetime(2026, 12, 16, 9, 0, tzinfo=LONDON),
    ):
        clock.now = moment
        run_due_work(running.services, moment)
    reminders = [m for m in running.dms_to(worker, 4) if m["text"].startswith("Reminder")]
    assert len(reminders) == 1
    form = click_for_view(running, worker, reminders[0], "action.done", "action.done")
    note = {"reason": {"reason": {"value": "Visit records brought up to date."}}}
    assert not running.submit(worker, form, note).body
    for person in ("north_tm", "service_manager"):
        dms = running.dms_to(uid(running, person), 3 if person == "north_tm" else 2)
        assert any("What was done" in json.dumps(m) for m in dms), person


def test_status_counts_re_audits_drawn_done_and_overdue(running, clock):
    admin = uid(running, "admin")
    assert "not drawn yet for December 2026" in running.command(admin, "status 2026-12").text
    draw(running)
    assert "*1* drawn, *0* done, *0* overdue" in running.command(admin, "status 2026-12").text
    clock.now = datetime(2027, 1, 4, 10, tzinfo=UTC)
    assert "*1* drawn, *0* done, *1* overdue" in running.command(admin, "status 2026-12").text


def test_the_scheduler_draws_on_the_first_working_day_when_nobody_has(running, clock):
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)
    clock.now = moment
    report = run_due_work(running.services, moment)
    assert "drew 1 monthly re-audit(s) for 2026-12" in report.summary()
    assert "Start the re-audit" in json.dumps(running.dms_to(uid(running, "service_manager")))
    assert "already drawn" in draw(running).text
