"""The guided audit through the signed HTTP endpoint: steps, drafts, validation, submission,
safeguarding alerts, actions and permissions."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from bot.core.calendar import LONDON
from bot.policy.schema import load_policy
from models import Audit, AuditAction, OutboxMessage, SafeguardingAlert
from models.statuses import Priority
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import Clock, click_for_view, ephemeral_replies, updates_of

pytestmark = pytest.mark.integration
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
WHY = "The plan is clear and reviewed monthly; the child's voice is recorded throughout."


@pytest.fixture
def clock():
    return Clock(FRIDAY)


def running_bot(start_bot, clock, policy=None):
    """December drawn for an authority with four cases a team."""
    bot = start_bot(clock, policy=policy, people=lambda s: factories.authority(s, cases_per_team=4))
    bot.command(bot.people["admin"].slack_user_id, "select 2026-12")
    return bot


@pytest.fixture
def running(start_bot, clock):
    return running_bot(start_bot, clock)


def uid(bot, key):
    return bot.people[key].slack_user_id


def start_audit(bot):
    manager = uid(bot, "north_tm")
    return click_for_view(bot, manager, bot.dms_to(manager)[0], "audit.start", "audit.step")


def domain_values(view, grade="Good", why=WHY):
    values = {}
    for block in view["blocks"]:
        block_id = block.get("block_id", "")
        if block_id.startswith("grade__"):
            values[block_id] = {
                "grade": {
                    "type": "static_select",
                    "selected_option": {"value": grade} if grade else None,
                }
            }
        elif block_id.startswith("why__"):
            values[block_id] = {"why": {"type": "plain_text_input", "value": why}}
    return values


def final_values(
    bot,
    *,
    actions=(("Update the chronology", "north_worker", "2026-12-18"),),
    concern="none",
    note=None,
    no_actions=None,
    impact="She is safer at home now.",
    views="She says school feels calmer.",
    overall="Good",
    took_part=None,
):
    """The last step's answers; `took_part` (the case's manager's and the practitioner's) for
    an auditor who is not the case's team manager."""
    values = {
        "impact": {"impact": {"type": "plain_text_input", "value": impact}},
        "views": {"views": {"type": "plain_text_input", "value": views}},
        "overall": {"overall": {"type": "static_select", "selected_option": {"value": overall}}},
        "concern": {"concern": {"type": "radio_buttons", "selected_option": {"value": concern}}},
        "concern_note": {"concern_note": {"type": "plain_text_input", "value": note}},
        "no_actions": {"no_actions": {"type": "plain_text_input", "value": no_actions}},
    }
    for slot, (what, owner, due) in enumerate(actions, start=1):
        values[f"action_what_{slot}"] = {"a": {"type": "plain_text_input", "value": what}}
        values[f"action_owner_{slot}"] = {
            "owner": {"type": "users_select", "selected_user": uid(bot, owner) if owner else None}
        }
        values[f"action_due_{slot}"] = {"due": {"type": "datepicker", "selected_date": due}}
    if took_part:
        for block, answer in zip(
            ("manager_engagement", "practitioner_engagement"), took_part, strict=True
        ):
            chosen = {"value": answer} if answer else None
            values[block] = {block: {"type": "radio_buttons", "selected_option": chosen}}
    return values


def submit(bot, view, values, user=None):
    return bot.submit(user or uid(bot, "north_tm"), view, values)


def walk_domain_steps(bot):
    """Answer every domain step; return the last (final) step's view."""
    view = start_audit(bot)
    while view["submit"]["text"] != "Submit the audit":
        answer = submit(bot, view, domain_values(view))
        assert answer.json["response_action"] == "update", answer.json
        view = {**answer.json["view"], "id": view["id"]}
    return view


def audits(bot):
    with bot.services.make_session() as session:
        return session.exec(select(Audit)).all()


def test_each_domain_needs_a_grade_and_a_justification_of_the_policy_length(running):
    view = start_audit(running)
    assert view["title"]["text"] == "Audit: step 1 of 5"
    first = next(b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("why__"))
    domain = first.removeprefix("why__")
    errors = submit(running, view, domain_values(view, why="")).json["errors"]
    assert "a grade without a justification can't be accepted" in errors[f"why__{domain}"]
    errors = submit(running, view, domain_values(view, why="Fine.")).json["errors"]
    assert "at least 40 characters (5 so far)" in errors[f"why__{domain}"]
    errors = submit(running, view, domain_values(view, grade=None)).json["errors"]
    assert errors[f"grade__{domain}"] == "Please choose a grade."
    answer = submit(running, view, domain_values(view))
    assert answer.json["response_action"] == "update"
    assert answer.json["view"]["title"]["text"] == "Audit: step 2 of 5"


def test_closing_keeps_the_answers_and_resume_returns_to_the_first_gap(running):
    view = start_audit(running)
    second = submit(running, view, domain_values(view)).json["view"]
    half = domain_values(second)
    last_why = [k for k in half if k.startswith("why__")][-1]
    half[last_why]["why"]["value"] = "Half-written thought"
    running.post_view_closed(uid(running, "north_tm"), {**second, "id": view["id"]}, half)
    resumed = start_audit(running)
    assert resumed["title"]["text"] == "Audit: step 2 of 5"
    prefilled = [b for b in resumed["blocks"] if b.get("block_id") == last_why][0]
    assert prefilled["element"]["initial_value"] == "Half-written thought"
    dm = running.dms_to(uid(running, "north_tm"))[0]
    assert running.slack.wait_for(lambda: updates_of(running, dm["ts"]))
    assert "Resume the audit" in json.dumps(updates_of(running, dm["ts"])[-1])
    assert len(audits(running)) == 1 and audits(running)[0].status == "draft"


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        (dict(impact=""), "impact", "what difference"),
        (dict(views=""), "views", "views"),
        (dict(concern="category_1"), "concern_note", "describe the concern"),
        (dict(actions=()), "no_actions", "say why no actions are needed"),
        (dict(actions=(("Update the plan", "north_worker", None),)), "action_due_1", "by"),
        (
            dict(actions=(("Update the plan", "north_worker", "2026-11-01"),)),
            "action_due_1",
            "has passed",
        ),
        (dict(actions=(("Update the plan", None, "2026-12-18"),)), "action_owner_1", "who"),
        (dict(actions=(("", "north_worker", "2026-12-18"),)), "action_what_1", "what needs"),
    ],
)
def test_the_last_step_refuses_what_is_missing(running, changes, field, says):
    view = walk_domain_steps(running)
    errors = submit(running, view, final_values(running, **changes)).json["errors"]
    assert says in errors[field]
    assert audits(running)[0].status == "draft"


def test_submitting_creates_one_audit_and_tells_everyone(running):
    view = walk_domain_steps(running)
    values = final_values(running)
    assert not submit(running, view, values).body
    again = submit(running, view, values)
    assert "already been submitted" in json.dumps(again.json)
    [audit] = audits(running)
    assert audit.status == "submitted" and audit.overall == "Good"
    with running.services.make_session() as session:
        assert session.exec(select(func.count()).select_from(AuditAction)).one() == 1
    worker, manager = uid(running, "north_worker"), uid(running, "north_tm")
    feedback = running.dms_containing(worker, "your feedback")
    assert feedback and WHY in json.dumps(feedback[0]["blocks"])
    action_dm = running.dms_containing(worker, "New action")[0]
    assert "Update the chronology" in json.dumps(action_dm["blocks"])
    confirmation = running.dms_containing(manager, "Audit submitted")
    assert confirmation
    first = running.dms_to(manager)[0]
    assert running.slack.wait_for(
        lambda: "Audit submitted" in json.dumps(updates_of(running, first["ts"])[-1:])
    )
    assert "audit.start" not in json.dumps(updates_of(running, first["ts"])[-1])


def test_category_1_alerts_the_service_manager_and_head_of_service(running):
    view = walk_domain_steps(running)
    note = "Bruising seen at the last visit has not been followed up."
    assert not submit(running, view, final_values(running, concern="category_1", note=note)).body
    service_manager, head = uid(running, "service_manager"), uid(running, "head")
    alert = running.dms_to(service_manager)[0]
    assert running.dms_to(head)[0]["text"].startswith("Immediate safeguarding concern")
    assert note in json.dumps(alert["blocks"])
    running.click(uid(running, "north_worker"), alert, "alert.ack")
    running.click(service_manager, alert, "alert.ack")
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 2)
    assert "Only the service manager" in ephemeral_replies(running)[0]
    # the team manager hears who is acting, whatever else reached them first
    assert running.dms_containing(uid(running, "north_tm"), "is acting on")
    status = running.command(uid(running, "admin"), "status 2026-12").text
    assert "0* Category 1 alerts awaiting" in status


def priorities(bot) -> dict[str, int]:
    with bot.services.make_session() as session:
        rows = session.exec(select(OutboxMessage.idempotency_key, OutboxMessage.priority)).all()
    return dict(rows)


def test_an_alert_is_urgent_the_managers_own_result_an_answer_the_rest_routine(running):
    """What the submitting manager sees goes before routine traffic; the alert before all."""
    view = walk_domain_steps(running)
    note = "Bruising seen at the last visit has not been followed up."
    assert not submit(running, view, final_values(running, concern="category_1", note=note)).body
    queued = priorities(running)
    audit_id = audits(running)[0].id
    alerts = {key: priority for key, priority in queued.items() if key.startswith("alert:")}
    assert len(alerts) == 2 and set(alerts.values()) == {Priority.URGENT}
    assert queued[f"audit:{audit_id}:manager"] == Priority.ANSWER
    assert queued[f"audit:{audit_id}:practitioner"] == Priority.ROUTINE
    assert {queued[key] for key in queued if key.startswith("home:")} <= {Priority.ROUTINE}


def test_an_unacknowledged_alert_is_sent_again_and_administrators_are_told(running, clock):
    view = walk_domain_steps(running)
    note = "The child disclosed harm at school today."
    assert not submit(running, view, final_values(running, concern="category_1", note=note)).body
    status = running.command(uid(running, "admin"), "status 2026-12").text
    assert "1* Category 1 alert awaiting" in status
    admin, head = uid(running, "admin"), uid(running, "head")
    # Raised on Friday 27 November at 10:00 UTC: 4 working hours later is 14:00 the same day.
    for moment, admin_dms in [
        (datetime(2026, 11, 27, 13, 59, tzinfo=LONDON), 0),
        (datetime(2026, 11, 27, 14, 0, tzinfo=LONDON), 1),
        (datetime(2026, 11, 27, 14, 30, tzinfo=LONDON), 1),
    ]:
        clock.now = moment
        run_due_work(running.services, moment)
        running.services.sender.deliver_due()
        # Waits: the background delivery may hold the notice's claim while it sends it.
        notices = running.dms_containing(admin, "Not yet acknowledged", count=admin_dms)
        assert len(notices) == admin_dms, moment
    assert running.slack.wait_for(lambda: len(running.slack.messages_to(head)) == 2)
    assert running.slack.messages_to(head)[1]["text"].startswith("Still waiting")

    # Acknowledged at last: the administrator's "not yet acknowledged" becomes "now
    # acknowledged", and both alerts each recipient was sent show who is acting on it.
    service_manager = uid(running, "service_manager")
    running.click(service_manager, running.dms_to(service_manager, 2)[-1], "alert.ack")
    [notice] = running.dms_containing(admin, "Not yet acknowledged")
    assert running.slack.wait_for(lambda: updates_of(running, notice["ts"]))
    update = json.dumps(updates_of(running, notice["ts"])[-1])
    assert "Now acknowledged:" in update and f"<@{service_manager}> is acting on" in update
    for alert in running.dms_to(head, 2):
        assert running.slack.wait_for(lambda alert=alert: updates_of(running, alert["ts"]))
        assert "is acting on this" in json.dumps(updates_of(running, alert["ts"])[-1])
        assert "alert.ack" not in json.dumps(updates_of(running, alert["ts"])[-1])


def test_category_2_goes_on_the_cases_of_concern_register(running):
    view = walk_domain_steps(running)
    note = "The plan does not meet her needs: the service is not appropriate."
    assert not submit(running, view, final_values(running, concern="category_2", note=note)).body
    status = running.command(uid(running, "admin"), "status 2026-12").text
    assert "1* open on the cases-of-concern register" in status
    with running.services.make_session() as session:
        assert session.exec(select(SafeguardingAlert)).all() == []


def test_actions_are_reminded_once_and_done_only_with_a_note(running, clock):
    view = walk_domain_steps(running)
    assert not submit(running, view, final_values(running)).body  # due Friday 18 December
    worker = uid(running, "north_worker")
    assert running.slack.wait_for(lambda: len(running.slack.messages_to(worker)) >= 2)
    for moment in (
        datetime(2026, 12, 16, 8, 59, tzinfo=LONDON),
        datetime(2026, 12, 16, 9, 0, tzinfo=LONDON),
        datetime(2026, 12, 16, 9, 0, tzinfo=LONDON),
    ):
        clock.now = moment
        run_due_work(running.services, moment)
    reminders = [m for m in running.dms_to(worker, count=3) if m["text"].startswith("Reminder")]
    assert len(reminders) == 1
    form = click_for_view(running, worker, reminders[0], "action.done", "action.done")
    short = {"reason": {"reason": {"type": "plain_text_input", "value": "done"}}}
    assert "short note" in running.submit(worker, form, short).json["errors"]["reason"]
    note = {
        "reason": {"reason": {"type": "plain_text_input", "value": "Chronology updated to 30 Nov."}}
    }
    assert not running.submit(worker, form, note).body
    with running.services.make_session() as session:
        action = session.exec(select(AuditAction)).one()
    assert action.status == "done" and action.done_note.startswith("Chronology")
    manager_dms = running.dms_to(uid(running, "north_tm"), count=3)
    assert any("What was done" in json.dumps(m) for m in manager_dms)


def test_next_months_dm_lists_the_open_actions(running, clock):
    view = walk_domain_steps(running)
    assert not submit(running, view, final_values(running)).body
    clock.now = datetime(2026, 12, 28, 10, 0, tzinfo=UTC)
    running.command(uid(running, "admin"), "select 2027-01")
    january = [
        m for m in running.dms_to(uid(running, "north_tm"), count=3) if "January 2027" in m["text"]
    ][0]
    assert "Open actions from your earlier audits" in json.dumps(january["blocks"])
    assert "Update the chronology" in json.dumps(january["blocks"])


def test_another_manager_can_neither_open_nor_submit_the_audit(running):
    view = start_audit(running)
    intruder = uid(running, "south_tm")
    running.click(intruder, running.dms_to(uid(running, "north_tm"))[0], "audit.start")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "Only the team manager" in ephemeral_replies(running)[-1]
    answer = running.submit(intruder, view, domain_values(view))
    assert "Only the team manager" in json.dumps(answer.json)
    assert audits(running)[0].answers == {}


def test_an_evaluative_framework_without_grades(start_bot, clock, tmp_path):
    policy_file = tmp_path / "halton.yml"
    policy_file.write_text(
        "framework:\n"
        "  name: Halton evaluative statements\n"
        "  grades: []\n"
        "  domains_per_step: 3\n"
        "  min_justification_chars: 20\n"
        "  domains:\n"
        "    - {id: voice, title: The voice of the child}\n"
        "    - {id: planning, title: Planning and review}\n"
        "    - {id: oversight, title: Management oversight}\n",
        encoding="utf-8",
    )
    bot = running_bot(start_bot, clock, policy=load_policy(policy_file))
    view = start_audit(bot)
    assert view["title"]["text"] == "Audit: step 1 of 2"
    assert not [b for b in view["blocks"] if b.get("block_id", "").startswith("grade__")]
    final = {
        **submit(bot, view, domain_values(view, grade=None)).json["view"],
        "id": view["id"],
    }
    overall = next(b for b in final["blocks"] if b.get("block_id") == "overall")
    assert overall["element"]["type"] == "plain_text_input"
    values = final_values(bot)
    values["overall"] = {"overall": {"type": "plain_text_input", "value": "Good progress."}}
    assert not submit(bot, final, values).body
    assert audits(bot)[0].overall == "Good progress."
