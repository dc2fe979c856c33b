"""Cover that can act (issue 22, part 3), through the signed HTTP endpoint: whoever gets an
absent person's DMs can act on each kind of them (an action, a re-audit, the TAC checkpoint and
its task, the answer to a booking, an escalated chasing item, a request for more time), and
each act says for whom it was done, in the message and in the audit log. Anyone else is
refused and nothing changes; once the absence is cleared, so is the cover."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.audit.actions import case_of, queue_action_dm
from bot.chasing.escalated import NOT_YOURS
from bot.reaudit.form import ONLY_THE_MODERATOR
from models import (
    Audit,
    AuditAction,
    AuditLogEntry,
    Booking,
    Extension,
    Reaudit,
    RoundCase,
    TacSupervision,
    TacTask,
)
from models.db import transaction
from scheduler.jobs import run_due_work
from tests.http import test_chasing_escalated as escalated
from tests.http import test_reaudit as reaudit_flow
from tests.http import test_tac as tac_flow
from tests.http.test_audit import running_bot
from tests.http.test_booking import slot
from tests.http.test_concerns import RAISED, raise_concern
from tests.http.test_rounds import MONDAY, define, round_cases, tick
from tests.http.test_rounds import people as rounds_people
from tests.support import factories
from tests.support.harness import Clock, click_for_view, ephemeral_replies, updates_of

pytestmark = pytest.mark.integration
DECEMBER_1 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def uid(bot, key: str) -> str:
    return bot.people[key].slack_user_id


def mention(bot, key: str) -> str:
    return f"<@{uid(bot, key)}|{key}>"


def set_away(bot, key: str, cover: str, first="2026-11-23", last="2026-12-31") -> None:
    """An administrator marks `key` away from `first` to `last`, with `cover` covering."""
    text = f"away {mention(bot, key)} {first} {last} {mention(bot, cover)}"
    answer = bot.command(uid(bot, "admin"), text)
    assert "is away from" in answer.json["text"], answer.json


def back(bot, key: str) -> None:
    answer = bot.command(uid(bot, "admin"), f"away {mention(bot, key)} clear")
    assert "is no longer marked away" in answer.json["text"], answer.json


def refusal(bot, user: str, message: dict, action_id: str) -> str:
    before = len(ephemeral_replies(bot))
    bot.click(user, message, action_id)
    assert bot.slack.wait_for(lambda: len(ephemeral_replies(bot)) > before)
    return ephemeral_replies(bot)[-1]


def on_behalf(bot, cover: str, owner: str) -> str:
    cover_name, owner_name = bot.people[cover].name, bot.people[owner].name
    return f"Done by {cover_name} on behalf of {owner_name} (away)."


def logged(bot, action: str) -> list[tuple[str, str | None]]:
    with bot.services.make_session() as session:
        entries = session.exec(select(AuditLogEntry).where(AuditLogEntry.action == action)).all()
    return [(entry.actor, entry.details.get("on_behalf_of")) for entry in entries]


def latest_update(bot, message: dict, says: str) -> dict:
    assert bot.slack.wait_for(
        lambda: says in json.dumps(updates_of(bot, message["ts"])[-1:], ensure_ascii=False)
    )
    return updates_of(bot, message["ts"])[-1]


# -- an action from an audit -------------------------------------------------------------------


def people_with_an_open_action(session):
    """The authority and an October audit whose action Pat holds."""
    people = factories.authority(session, cases_per_team=1)
    case = factories.case(session, people["north"], people["north_worker"], ref="CR-OCT01")
    factories.submitted_audit(
        session, people["north_tm"], case, datetime(2026, 10, 20, 14, tzinfo=UTC)
    )
    return people


@pytest.fixture
def action_bot(start_bot):
    bot = start_bot(Clock(DECEMBER_1), people=people_with_an_open_action)
    set_away(bot, "north_worker", cover="south_worker")  # Pat away; Rae covers
    with transaction(bot.services.make_session) as session:
        action = session.exec(select(AuditAction)).one()
        case = case_of(session, session.get(Audit, action.audit_id))
        queue_action_dm(session, action, case, DECEMBER_1)
    bot.services.deliver_soon()
    bot.action_dm = bot.dms_containing(uid(bot, "south_worker"), "Update the chronology")[0]
    return bot


def the_action(bot) -> AuditAction:
    with bot.services.make_session() as session:
        return session.exec(select(AuditAction)).one()


NOTE = {
    "reason": {"reason": {"type": "plain_text_input", "value": "Chronology updated to 30 Nov."}}
}


def test_the_cover_marks_an_action_done_for_its_owner(action_bot):
    bot, rae, pat = action_bot, uid(action_bot, "south_worker"), action_bot.people["north_worker"]
    assert bot.action_dm["text"].startswith("Covering for Pat Worker")
    form = click_for_view(bot, rae, bot.action_dm, "action.done", "action.done")
    assert "marking Pat Worker's action done for them" in json.dumps(form)
    assert not bot.submit(rae, form, NOTE).body
    action = the_action(bot)
    assert (action.status, action.owner_id, action.done_by_id) == (
        "done",
        pat.id,
        bot.people["south_worker"].id,
    )
    assert logged(bot, "action.done") == [(bot.people["south_worker"].email, pat.email)]
    note = on_behalf(bot, "south_worker", "north_worker")
    assert note in json.dumps(latest_update(bot, bot.action_dm, note))
    [told] = bot.dms_containing(uid(bot, "north_tm"), "has done an action")
    assert told["text"].startswith("Pat Worker has done an action") and note in json.dumps(told)


def test_anyone_else_and_the_cover_once_the_owner_is_back_are_refused(action_bot):
    bot = action_bot
    says = refusal(bot, uid(bot, "south_tm"), bot.action_dm, "action.done")
    assert says == "Only the person this action belongs to can mark it done."
    back(bot, "north_worker")
    says = refusal(bot, uid(bot, "south_worker"), bot.action_dm, "action.done")
    assert says == "Only the person this action belongs to can mark it done."
    assert the_action(bot).status == "open" and not logged(bot, "action.done")


# -- a re-audit --------------------------------------------------------------------------------


@pytest.fixture
def reaudit_bot(start_bot):
    bot = start_bot(Clock(DECEMBER_1), people=reaudit_flow.people_with_an_october_audit)
    bot.people.pop("october_audit")
    set_away(bot, "service_manager", cover="other_sm")  # Sam away; Ruth covers
    reaudit_flow.draw(bot)
    bot.moderator_dm = bot.dms_containing(uid(bot, "other_sm"), "reaudit.start")[0]
    return bot


def test_the_cover_moderates_a_reaudit_for_the_moderator(reaudit_bot):
    bot, ruth = reaudit_bot, uid(reaudit_bot, "other_sm")
    assert bot.moderator_dm["text"].startswith("Covering for Sam Service")
    view = click_for_view(bot, ruth, bot.moderator_dm, "reaudit.start", "reaudit.step")
    values = reaudit_flow.verdicts(view)
    while view["submit"]["text"] != "Submit the re-audit":
        answer = bot.submit(ruth, view, values)
        assert answer.json["response_action"] == "update", answer.json
        view = {**answer.json["view"], "id": view["id"]}
        values = reaudit_flow.verdicts(view)
    assert not bot.submit(ruth, view, reaudit_flow.final_values(bot)).body
    with bot.services.make_session() as session:
        done = session.exec(select(Reaudit)).one()
    sam, other = bot.people["service_manager"], bot.people["other_sm"]
    assert (done.status, done.moderator_id, done.on_behalf_of_id) == ("submitted", other.id, sam.id)
    assert logged(bot, "reaudit.submit") == [(other.email, sam.email)]
    assert logged(bot, "reaudit.start") == [(other.email, sam.email)]
    note = on_behalf(bot, "other_sm", "service_manager")
    [outcome] = bot.dms_containing(uid(bot, "north_tm"), "re-audit of CR-OCT01 is complete")
    assert note in json.dumps(outcome)
    assert note in json.dumps(latest_update(bot, bot.moderator_dm, "Re-audit submitted"))


def test_anyone_else_and_the_cover_once_the_moderator_is_back_are_refused(reaudit_bot):
    bot = reaudit_bot
    says = refusal(bot, uid(bot, "south_tm"), bot.moderator_dm, "reaudit.start")
    assert says == ONLY_THE_MODERATOR
    back(bot, "service_manager")
    says = refusal(bot, uid(bot, "other_sm"), bot.moderator_dm, "reaudit.start")
    assert says == ONLY_THE_MODERATOR
    with bot.services.make_session() as session:
        assert session.exec(select(Reaudit)).one().status == "drawn"


# -- the TAC checkpoint and its task -----------------------------------------------------------


@pytest.fixture
def tac_bot(start_bot):
    moment = [tac_flow.NOW]
    bot = start_bot(lambda: moment[0], people=tac_flow.tac_people)
    set_away(bot, "north_tm", cover="south_tm")  # Nina away; Sol covers
    set_away(bot, "north_worker", cover="south_worker")  # Pat away; Rae covers
    return bot


def hold_checkpoint_as_cover(bot) -> None:
    sol = uid(bot, "south_tm")
    bot.command(sol, mention(bot, "north_worker"), command="/supervision")
    view = tac_flow.last_view(bot)
    assert not bot.submit(sol, view, tac_flow.state(view)).body


def test_the_cover_holds_the_checkpoint_for_the_team_manager(tac_bot):
    bot = tac_bot
    hold_checkpoint_as_cover(bot)
    nina, sol = bot.people["north_tm"], bot.people["south_tm"]
    with bot.services.make_session() as session:
        supervision = session.exec(select(TacSupervision)).one()
        tasks = session.exec(select(TacTask)).all()
    assert (supervision.manager_id, supervision.on_behalf_of_id) == (sol.id, nina.id)
    assert len(tasks) == 3 and {task.manager_id for task in tasks} == {nina.id}
    assert logged(bot, "tac.checkpoint.record") == [(sol.email, nina.email)]
    [recorded] = bot.dms_containing(sol.slack_user_id, "TAC checkpoint recorded")
    assert on_behalf(bot, "south_tm", "north_tm") in json.dumps(recorded)


def test_the_practitioners_cover_records_the_summary(tac_bot):
    bot, rae = tac_bot, uid(tac_bot, "south_worker")
    hold_checkpoint_as_cover(bot)
    task_dm = bot.dms_containing(rae, "CR-T1", count=1)[0]
    assert task_dm["text"].startswith("Covering for Pat Worker")
    assert "Only the practitioner and manager" in refusal(
        bot, uid(bot, "head"), task_dm, "tac.task.complete"
    )
    form = click_for_view(bot, rae, task_dm, "tac.task.complete", "tac.summary_completed")
    on_time = {
        "completed_on": {"completed_on": {"type": "datepicker", "selected_date": "2026-11-30"}}
    }
    assert not bot.submit(rae, form, on_time).body
    with bot.services.make_session() as session:
        task = session.exec(select(TacTask).where(TacTask.status == "completed")).one()
    assert task.practitioner_id == bot.people["north_worker"].id
    assert task.closed_by == bot.people["south_worker"].email
    pat = bot.people["north_worker"]
    assert logged(bot, "tac.summary.record") == [(bot.people["south_worker"].email, pat.email)]
    note = on_behalf(bot, "south_worker", "north_worker")
    assert note in json.dumps(latest_update(bot, task_dm, "Recorded as completed"))


def test_once_the_team_manager_is_back_their_cover_cannot_hold_the_checkpoint(tac_bot):
    bot = tac_bot
    back(bot, "north_tm")
    answer = bot.command(uid(bot, "south_tm"), mention(bot, "north_worker"), "/supervision")
    assert "is not in your team" in json.dumps(answer.json)
    with bot.services.make_session() as session:
        assert session.exec(select(TacSupervision)).all() == []


def test_a_cover_cannot_finish_a_checkpoint_once_the_team_manager_is_back(tac_bot):
    bot, sol = tac_bot, uid(tac_bot, "south_tm")
    bot.command(sol, mention(bot, "north_worker"), command="/supervision")
    view = tac_flow.last_view(bot)
    back(bot, "north_tm")
    answer = bot.submit(sol, view, tac_flow.state(view))
    assert "the team manager is back" in json.dumps(answer.json)
    with bot.services.make_session() as session:
        assert session.exec(select(TacTask)).all() == []


# -- the practitioner's answer to a booking ----------------------------------------------------


@pytest.fixture
def booking_bot(start_bot):
    clock = Clock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    bot = start_bot(clock, people=lambda s: factories.authority(s, cases_per_team=4))
    set_away(bot, "north_worker", cover="south_worker", first="2026-11-27")
    bot.command(uid(bot, "admin"), "select 2026-12")
    nina = uid(bot, "north_tm")
    selection_dm = bot.dms_containing(nina, "CR-N")[0]
    view = click_for_view(bot, nina, selection_dm, "booking.open", "booking.submit")
    assert not bot.submit(nina, view, slot()).body
    bot.invite = bot.dms_containing(uid(bot, "south_worker"), "booking.can")[0]
    return bot


def practitioner_reply(bot) -> str | None:
    with bot.services.make_session() as session:
        return session.exec(select(Booking)).one().practitioner_reply


def test_the_practitioners_cover_answers_a_booking(booking_bot):
    bot, rae = booking_bot, uid(booking_bot, "south_worker")
    assert bot.invite["text"].startswith("Covering for Pat Worker")
    note = on_behalf(bot, "south_worker", "north_worker")
    assert refusal(bot, rae, bot.invite, "booking.can") == (
        f"{note} The manager can see that they can make it."
    )
    assert practitioner_reply(bot) == "can"
    pat = bot.people["north_worker"]
    assert logged(bot, "booking.practitioner_can") == [
        (bot.people["south_worker"].email, pat.email)
    ]
    assert note in json.dumps(latest_update(bot, bot.invite, "Answered: can make it"))


def test_anyone_else_and_the_cover_once_the_practitioner_is_back_are_refused(booking_bot):
    bot = booking_bot
    only = "Only the practitioner for this case can answer that."
    assert refusal(bot, uid(bot, "south_tm"), bot.invite, "booking.can") == only
    back(bot, "north_worker")
    assert refusal(bot, uid(bot, "south_worker"), bot.invite, "booking.can") == only
    assert practitioner_reply(bot) is None


# -- an item escalated in a service manager's chasing DM ---------------------------------------


@pytest.fixture
def escalated_bot(start_bot):
    """Sam has the day's escalated items, then is away from the next day with Olly covering:
    escalation passes an absent service manager by, so the buttons a cover sees are on the DM
    that reached Sam."""
    clock = Clock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    bot = start_bot(clock, people=escalated.authority_with_another_service_manager)
    bot.command(uid(bot, "admin"), "select 2026-12")
    clock.now = escalated.ESCALATED
    run_due_work(bot.services, escalated.ESCALATED)
    bot.wait_until_sent()
    bot.chasing_dm = escalated.sams_chasing_dm(bot)
    set_away(bot, "service_manager", cover="other_sm", first="2026-12-17")
    return bot


def test_the_service_managers_cover_nudges_the_manager_for_them(escalated_bot):
    bot, olly = escalated_bot, uid(escalated_bot, "other_sm")
    item = escalated.ninas_item(bot)
    note = on_behalf(bot, "other_sm", "service_manager")
    assert refusal(bot, olly, bot.chasing_dm, f"chase.nudge.{item}") == (
        f"I've nudged Nina North about it. {note}"
    )
    [nudge] = bot.dms_containing(uid(bot, "north_tm"), "nudged you")
    assert nudge["text"].startswith("Olly Other nudged you") and note in json.dumps(nudge)
    sam, other = bot.people["service_manager"], bot.people["other_sm"]
    assert logged(bot, "chase.nudge") == [(other.email, sam.email)]
    modal = click_for_view(bot, olly, bot.chasing_dm, f"chase.open.{item}", "chase.item")
    assert "CR-N" in json.dumps(modal)


def test_anyone_else_and_the_cover_once_the_service_manager_is_back_are_refused(escalated_bot):
    bot = escalated_bot
    item = escalated.ninas_item(bot)
    says = refusal(bot, uid(bot, "south_tm"), bot.chasing_dm, f"chase.nudge.{item}")
    assert says == NOT_YOURS
    back(bot, "service_manager")
    says = refusal(bot, uid(bot, "other_sm"), bot.chasing_dm, f"chase.nudge.{item}")
    assert says == NOT_YOURS
    bot.wait_until_sent()
    assert not escalated.nudges_to(bot, "north_tm") and not logged(bot, "chase.nudge")


# -- a request for more time -------------------------------------------------------------------


@pytest.fixture
def extension_bot(start_bot):
    clock = Clock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    bot = start_bot(clock, people=escalated.authority_with_another_service_manager)
    bot.command(uid(bot, "admin"), "select 2026-12")
    nina = uid(bot, "north_tm")
    selection_dm = bot.dms_containing(nina, "CR-N")[0]
    set_away(bot, "service_manager", cover="other_sm")
    clock.now = datetime(2026, 12, 29, 11, 0, tzinfo=UTC)
    form = click_for_view(bot, nina, selection_dm, "extension.open", "extension.submit")
    values = {
        "until": {"until": {"type": "datepicker", "selected_date": "2027-01-15"}},
        "reason": {"reason": {"type": "plain_text_input", "value": "On leave until January."}},
    }
    assert not bot.submit(nina, form, values).body
    bot.request = bot.dms_containing(uid(bot, "other_sm"), "needs your decision")[0]
    return bot


def extension_status(bot) -> str:
    with bot.services.make_session() as session:
        return session.exec(select(Extension)).one().status


def test_the_service_managers_cover_decides_a_request_for_more_time(extension_bot):
    bot, olly = extension_bot, uid(extension_bot, "other_sm")
    assert bot.request["text"].startswith("Covering for Sam Service")
    bot.click(olly, bot.request, "extension.approve")
    assert bot.slack.wait_for(lambda: ephemeral_replies(bot))
    assert extension_status(bot) == "approved"
    sam, other = bot.people["service_manager"], bot.people["other_sm"]
    assert logged(bot, "extension.approved") == [(other.email, sam.email)]
    note = on_behalf(bot, "other_sm", "service_manager")
    assert note in json.dumps(latest_update(bot, bot.request, "Approved"))
    [told] = bot.dms_containing(uid(bot, "north_tm"), "More time approved")
    assert note in json.dumps(told)


def test_anyone_else_and_the_cover_once_the_service_manager_is_back_cannot_decide(
    extension_bot,
):
    bot = extension_bot
    only = "Only the service manager asked can decide this request."
    assert refusal(bot, uid(bot, "south_tm"), bot.request, "extension.approve") == only
    back(bot, "service_manager")
    assert refusal(bot, uid(bot, "other_sm"), bot.request, "extension.approve") == only
    assert extension_status(bot) == "pending"


# -- a safeguarding alert ----------------------------------------------------------------------


def test_the_cover_of_an_away_service_manager_acknowledges_the_alert_on_their_behalf(start_bot):
    bot = running_bot(start_bot, Clock(RAISED))
    set_away(bot, "service_manager", cover="south_tm", first="2026-11-27")
    raise_concern(bot, "category_1", note="Bruising seen at the last visit, not followed up.")
    alert = bot.dms_containing(uid(bot, "south_tm"), "alert.ack")[0]
    assert "Covering for Sam Service" in json.dumps(alert)

    assert "Only the service manager" in refusal(bot, uid(bot, "south_worker"), alert, "alert.ack")
    bot.click(uid(bot, "south_tm"), alert, "alert.ack")
    assert bot.slack.wait_for(lambda: logged(bot, "alert.acknowledge"))
    assert logged(bot, "alert.acknowledge") == [
        (bot.people["south_tm"].email, bot.people["service_manager"].email)
    ]


# -- the answer to a round's attendance request ------------------------------------------------


def test_the_cover_of_an_away_practitioner_answers_the_round_attendance_on_their_behalf(
    start_bot,
):
    clock = Clock(MONDAY)
    bot = start_bot(clock, people=rounds_people)
    set_away(bot, "north_worker", cover="head", first="2026-11-30")
    define(bot)
    tick(bot, clock, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    [(round_case, case)] = [
        (rc, c) for rc, c in round_cases(bot) if c.worker_id == bot.people["north_worker"].id
    ]
    request = bot.dms_containing(uid(bot, "head"), case.case_ref)[0]
    assert "Covering for North Worker" in json.dumps(request)

    stranger = uid(bot, "south_worker")
    assert "practitioner" in refusal(bot, stranger, request, "round.attend")
    bot.click(uid(bot, "head"), request, "round.attend")
    assert bot.slack.wait_for(lambda: logged(bot, "round.attendance.yes"))
    assert logged(bot, "round.attendance.yes") == [
        (bot.people["head"].email, bot.people["north_worker"].email)
    ]
    with bot.services.make_session() as session:
        assert session.get(RoundCase, round_case.id).attendance == "yes"
