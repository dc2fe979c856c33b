"""An audit marked inadmissible through the signed HTTP endpoint: from the result DM's button
and its form, or by an administrator's `/audit inadmissible`; who may, and once only."""

from __future__ import annotations

import json
import threading

import pytest
from sqlmodel import func, select

from models import Audit, AuditLogEntry
from tests.http.test_audit import FRIDAY, final_values, running_bot, submit, uid, walk_domain_steps
from tests.support.harness import Clock, click_for_view, ephemeral_replies, updates_of

pytestmark = pytest.mark.integration
NOTE = "The chronology stops in 2024 and the plan is missing."


@pytest.fixture
def submitted(start_bot):
    """North's December audit, submitted; its result DM to the manager has been sent."""
    bot = running_bot(start_bot, Clock(FRIDAY))
    assert not submit(bot, walk_domain_steps(bot), final_values(bot)).body
    bot.result_dm = bot.dms_containing(uid(bot, "north_tm"), "Audit submitted")[0]
    return bot


def the_audit(bot) -> Audit:
    with bot.services.make_session() as session:
        return session.exec(select(Audit)).one()


def case_ref(bot) -> str:
    return bot.result_dm["text"].removeprefix("Audit submitted: ")


def marked(bot) -> int:
    with bot.services.make_session() as session:
        return session.exec(
            select(func.count())
            .select_from(AuditLogEntry)
            .where(AuditLogEntry.action == "audit.inadmissible")
        ).one()


def form_values(reason, note=None):
    option = {"value": reason} if reason else None
    return {
        "reason": {"reason": {"type": "static_select", "selected_option": option}},
        "note": {"note": {"type": "plain_text_input", "value": note}},
    }


def open_form(bot, user=None):
    user = user or uid(bot, "north_tm")
    return click_for_view(bot, user, bot.result_dm, "audit.inadmissible", "audit.inadmissible")


def test_the_auditor_marks_it_from_the_result_dm_and_the_service_manager_is_told(submitted):
    bot = submitted
    assert "Mark as inadmissible" in json.dumps(bot.result_dm["blocks"])
    form = open_form(bot)
    assert case_ref(bot) in json.dumps(form["blocks"])
    assert not bot.submit(uid(bot, "north_tm"), form, form_values("file_incomplete", NOTE)).body
    audit = the_audit(bot)
    assert audit.inadmissible_reason == "file_incomplete" and audit.inadmissible_note == NOTE
    assert audit.inadmissible_by == bot.people["north_tm"].id
    told = bot.dms_containing(uid(bot, "service_manager"), "marked inadmissible")
    assert case_ref(bot) in told[0]["text"] and NOTE in json.dumps(told[0]["blocks"])
    assert bot.slack.wait_for(lambda: updates_of(bot, bot.result_dm["ts"]))
    updated = json.dumps(updates_of(bot, bot.result_dm["ts"])[-1])
    assert "*Marked inadmissible* by" in updated and "File incomplete" in updated
    assert "audit.inadmissible" not in updated
    bot.wait_until_sent()
    assert not bot.dms_containing(uid(bot, "north_tm"), "marked inadmissible", count=0)


def test_other_needs_a_note_and_a_reason_is_required(submitted):
    bot = submitted
    form = open_form(bot)
    answer = bot.submit(uid(bot, "north_tm"), form, form_values("other", "Odd file"))
    assert answer.json["response_action"] == "errors"
    assert "at least 10 characters (8 so far)" in answer.json["errors"]["note"]
    answer = bot.submit(uid(bot, "north_tm"), form, form_values(None, NOTE))
    assert answer.json["errors"] == {"reason": "Please choose why the audit is inadmissible."}
    assert not the_audit(bot).is_inadmissible and marked(bot) == 0
    assert not bot.submit(uid(bot, "north_tm"), form, form_values("other", NOTE)).body
    assert the_audit(bot).inadmissible_reason == "other"


@pytest.mark.parametrize("stranger", ["south_tm", "north_worker", "U0NOTSTAFF"])
def test_a_strangers_forged_click_or_form_is_refused_and_changes_nothing(submitted, stranger):
    bot = submitted
    user = bot.people[stranger].slack_user_id if stranger in bot.people else stranger
    form = open_form(bot)  # the auditor's own form, replayed by someone else
    bot.click(user, bot.result_dm, "audit.inadmissible")
    assert bot.slack.wait_for(lambda: ephemeral_replies(bot))
    refusal = ephemeral_replies(bot)[-1]
    assert "Nothing has been changed" in refusal or "don't recognise you" in refusal
    answer = bot.submit(user, form, form_values("wrong_case_type"))
    assert answer.json["response_action"] == "errors"
    assert not the_audit(bot).is_inadmissible and marked(bot) == 0
    bot.wait_until_sent()
    assert not updates_of(bot, bot.result_dm["ts"])
    assert not bot.dms_containing(uid(bot, "service_manager"), "marked inadmissible", count=0)


def test_the_service_manager_may_mark_it_and_the_auditor_is_told(submitted):
    bot = submitted
    form = open_form(bot, uid(bot, "service_manager"))
    values = form_values("case_transferred")
    assert not bot.submit(uid(bot, "service_manager"), form, values).body
    assert the_audit(bot).inadmissible_by == bot.people["service_manager"].id
    assert bot.dms_containing(uid(bot, "north_tm"), "marked inadmissible")


def test_a_double_submit_raced_and_retried_marks_it_once(submitted):
    bot = submitted
    form = open_form(bot)
    values = form_values("wrong_case_type")
    answers = []
    racers = [
        threading.Thread(
            target=lambda: answers.append(bot.submit(uid(bot, "north_tm"), form, values))
        )
        for _ in range(2)
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    answers.append(bot.submit(uid(bot, "north_tm"), form, values))  # Slack's retry
    assert [a.status for a in answers] == [200, 200, 200] and not any(a.body for a in answers)
    bot.wait_until_sent()
    assert marked(bot) == 1
    assert len(bot.dms_containing(uid(bot, "service_manager"), "marked inadmissible")) == 1
    assert len(updates_of(bot, bot.result_dm["ts"])) == 1
    again = open_form_refused(bot)
    assert "already marked this audit" in again and "nothing has been changed" in again


def open_form_refused(bot) -> str:
    before = len(ephemeral_replies(bot))
    bot.click(uid(bot, "north_tm"), bot.result_dm, "audit.inadmissible")
    assert bot.slack.wait_for(lambda: len(ephemeral_replies(bot)) > before)
    return ephemeral_replies(bot)[-1]


# -- `/audit inadmissible CASE_REF REASON [note]` -------------------------------------------------


def test_an_administrator_marks_it_by_command(submitted):
    bot = submitted
    reply = bot.command(uid(bot, "admin"), f"inadmissible {case_ref(bot)} case_transferred {NOTE}")
    assert "is marked inadmissible: Case transferred" in reply.text
    audit = the_audit(bot)
    assert audit.inadmissible_reason == "case_transferred" and audit.inadmissible_note == NOTE
    assert bot.dms_containing(uid(bot, "service_manager"), "marked inadmissible")
    assert bot.dms_containing(uid(bot, "north_tm"), "marked inadmissible")
    again = bot.command(uid(bot, "admin"), f"inadmissible {case_ref(bot)} other {NOTE}")
    assert "already marked this audit" in again.text and marked(bot) == 1


@pytest.mark.parametrize(
    ("who", "text", "says"),
    [
        ("north_tm", "inadmissible {ref} file_incomplete", "only admins can use"),
        ("service_manager", "inadmissible {ref} file_incomplete", "only admins can use"),
        ("admin", "inadmissible", "Say which case and why"),
        ("admin", "inadmissible {ref}", "Say which case and why"),
        ("admin", "inadmissible {ref} boring", "`boring` is not a reason"),
        ("admin", "inadmissible {ref} other", 'For "other", please say why'),
        ("admin", "inadmissible CR-NOPE file_incomplete", "CR-NOPE has no submitted audit"),
    ],
)
def test_the_command_refuses_others_and_bad_input_and_changes_nothing(submitted, who, text, says):
    bot = submitted
    reply = bot.command(uid(bot, who), text.format(ref=case_ref(bot)))
    assert says in reply.text
    if "Say which" in says or "not a reason" in says:
        assert "inadmissible CASE_REF REASON [note]" in reply.text  # the usage line
    assert not the_audit(bot).is_inadmissible and marked(bot) == 0
