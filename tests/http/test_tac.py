"""The TAC checkpoint through the real HTTP endpoint: `/supervision`, the modal's pages, the
practitioner's "Summary completed", and the weekly digest's button, against the Slack stand-in."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from models import Case, TacDecision, TacSupervision, TacTask
from models.db import transaction
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import ephemeral_replies

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday 30 November 2026


def tac_people(session) -> dict:
    """The authority with no cases of its own, and three TAC cases for Pat in North."""
    people = factories.authority(session, cases_per_team=0)
    north, pat = people["north"], people["north_worker"]
    for ref, last in (
        ("CR-T1", None),
        ("CR-T2", date(2026, 8, 1)),
        ("CR-T3", date(2026, 11, 1)),
    ):
        case = factories.case(session, north, pat, ref=ref, case_type="TAC")
        case.tac_last_summary_on = last
        session.add(case)
    return people


@pytest.fixture
def running(start_bot):
    moment = [NOW]
    bot = start_bot(lambda: moment[0], people=tac_people)
    bot.moment = moment
    return bot


def user(bot, key: str) -> str:
    return bot.people[key].slack_user_id


def mention(bot, key: str) -> str:
    return f"<@{user(bot, key)}|{key}>"


def last_view(bot) -> dict:
    assert bot.slack.wait_for(lambda: bot.slack.calls("views.open"))
    return bot.slack.calls("views.open")[-1].params["view"]


def case_ids(view: dict) -> list[int]:
    return [
        int(block["block_id"].split("-", 1)[1])
        for block in view["blocks"]
        if block.get("block_id", "").startswith("decision-")
    ]


def state(view: dict, decision: str = "complete_by", **overrides) -> dict:
    """View state as Slack sends it: {block_id: {action_id: element state}}."""
    values: dict = {}
    if any(block.get("block_id") == "held_on" for block in view["blocks"]):
        values["held_on"] = {"held_on": {"type": "datepicker", "selected_date": "2026-11-30"}}
    for case_id in case_ids(view):
        values[f"decision-{case_id}"] = {
            "decision": {"type": "radio_buttons", "selected_option": {"value": decision}}
        }
        values[f"date-{case_id}"] = {"date": {"type": "datepicker", "selected_date": "2026-12-16"}}
        values[f"reason-{case_id}"] = {
            "reason": {"type": "plain_text_input", "value": "Reviewed last month; no change."}
        }
        values[f"triggers-{case_id}"] = {"triggers": {"type": "checkboxes", "selected_options": []}}
        values[f"note-{case_id}"] = {"note": {"type": "plain_text_input", "value": None}}
    values.update(overrides)
    return values


def count(bot, table, *where) -> int:
    with bot.services.make_session() as session:
        return session.exec(select(func.count()).select_from(table).where(*where)).one()


@pytest.mark.parametrize(
    ("who", "text", "expected"),
    [
        ("north_tm", "", "Usage: /supervision @practitioner"),
        ("north_tm", "pat", "Usage: /supervision @practitioner"),
        ("north_worker", "<@U0WHOEVER|x>", "only team managers can use `/supervision`"),
        ("admin", "<@U0WHOEVER|x>", "only team managers can use `/supervision`"),
        ("north_tm", "<@U0NOBODY|nobody>", "can't find that person"),
    ],
)
def test_bad_requests_get_an_ephemeral_answer_and_change_nothing(running, who, text, expected):
    answer = running.command(user(running, who), text, command="/supervision")
    assert answer.status == 200
    assert expected in answer.text
    assert answer.json.get("response_type", "ephemeral") == "ephemeral"
    assert not running.slack.calls("views.open")
    assert count(running, TacSupervision) == 0


def test_a_manager_cannot_open_another_teams_practitioner(running):
    answer = running.command(
        user(running, "south_tm"), mention(running, "north_worker"), command="/supervision"
    )
    assert "is not in your team" in answer.text
    assert not running.slack.calls("views.open")


def test_someone_not_on_the_staff_list_is_told_so(running):
    answer = running.command("U0STRANGER", mention(running, "north_worker"), "/supervision")
    assert "don't recognise you" in answer.text


def test_the_checkpoint_from_command_to_task_to_completed_summary(running):
    manager, worker = user(running, "north_tm"), user(running, "north_worker")
    answer = running.command(manager, mention(running, "north_worker"), command="/supervision")
    assert answer.status == 200 and not answer.body
    view = last_view(running)  # opened after the command was acknowledged
    assert running.slack.calls("views.open")[-1].params["trigger_id"] == "trigger-1"
    assert view["callback_id"] == "tac.checkpoint"
    first, second, third = case_ids(view)

    missing = state(view)
    del missing[f"decision-{first}"]
    missing[f"reason-{third}"] = {"reason": {"type": "plain_text_input", "value": ""}}
    missing[f"decision-{third}"] = {
        "decision": {"type": "radio_buttons", "selected_option": {"value": "not_needed"}}
    }
    refused = running.submit(manager, view, missing)
    assert refused.json["response_action"] == "errors"
    assert set(refused.json["errors"]) == {f"decision-{first}", f"reason-{third}"}

    values = state(view)
    values[f"decision-{third}"] = missing[f"decision-{third}"]
    values[f"triggers-{second}"] = {
        "triggers": {"type": "checkboxes", "selected_options": [{"value": "drift"}]}
    }
    done = running.submit(manager, view, values)
    assert done.status == 200 and not done.body
    again = running.submit(manager, view, values)  # a double click on submit
    assert again.status == 200 and not again.body

    recorded = running.dms_to(manager)[0]
    assert recorded["text"].startswith("TAC checkpoint recorded")
    assert "Possible drift" in json.dumps(recorded["blocks"])
    # two tasks, and the "not needed now" decision on the third case, in whatever order
    told = running.dms_to(worker, count=3)
    tasks = [m for m in told if m["text"].startswith("Please complete")]
    assert sorted(m["text"] for m in tasks) == [
        "Please complete a TAC reflective case summary for CR-T1 by Wednesday 16 December 2026.",
        "Please complete a TAC reflective case summary for CR-T2 by Wednesday 16 December 2026.",
    ]
    [not_needed] = [m for m in told if m not in tasks]
    assert not_needed["text"].startswith("A TAC summary for CR-T3 is not needed now")
    assert count(running, TacSupervision, TacSupervision.status == "recorded") == 1
    assert count(running, TacDecision) == 3 and count(running, TacTask) == 2

    # the practitioner records the first summary as completed
    task_dm = next(m for m in tasks if "CR-T1" in m["text"])
    running.click(worker, task_dm, "tac.task.complete")
    assert running.slack.wait_for(lambda: len(running.slack.calls("views.open")) == 2)
    summary_view = last_view(running)
    assert summary_view["callback_id"] == "tac.summary_completed"
    future = {
        "completed_on": {"completed_on": {"type": "datepicker", "selected_date": "2026-12-01"}}
    }
    assert running.submit(worker, summary_view, future).json == {
        "response_action": "errors",
        "errors": {"completed_on": "The date can't be in the future."},
    }
    on_time = {
        "completed_on": {"completed_on": {"type": "datepicker", "selected_date": "2026-11-30"}}
    }
    assert not running.submit(worker, summary_view, on_time).body

    told = running.dms_to(manager, count=2)[1]
    assert "completed the TAC summary for CR-T1 on Monday 30 November 2026" in told["text"]
    assert "Monday 8 February 2027" in json.dumps(told["blocks"])  # 10 weeks later
    assert running.slack.wait_for(lambda: running.slack.calls("chat.update"))
    update = running.slack.calls("chat.update")[0].params
    assert update["ts"] == task_dm["ts"] and "recorded as completed" in update["text"]
    with running.services.make_session() as session:
        case = session.exec(select(Case).where(Case.case_ref == "CR-T1")).one()
    assert case.tac_last_summary_on == date(2026, 11, 30)

    # the button again: already done, said ephemerally
    running.click(worker, task_dm, "tac.task.complete")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "already been recorded" in ephemeral_replies(running)[-1]


def test_many_cases_come_in_pages(running):
    with transaction(running.services.make_session) as session:
        north, pat = running.people["north"], running.people["north_worker"]
        for index in range(20):
            factories.case(session, north, pat, ref=f"CR-P{index:02d}", case_type="TAC")
    manager = user(running, "north_tm")
    running.command(manager, mention(running, "north_worker"), command="/supervision")
    page_one = last_view(running)
    assert page_one["title"]["text"] == "TAC checkpoint 1/2"
    assert page_one["submit"]["text"] == "Next page"
    answer = running.submit(manager, page_one, state(page_one, "not_needed"))
    assert answer.json["response_action"] == "update"
    page_two = answer.json["view"]
    assert page_two["title"]["text"] == "TAC checkpoint 2/2"
    assert len(case_ids(page_one)) + len(case_ids(page_two)) == 23
    assert not set(case_ids(page_one)) & set(case_ids(page_two))
    assert not running.submit(manager, page_two, state(page_two, "not_needed")).body
    assert count(running, TacDecision) == 23
    assert count(running, TacSupervision, TacSupervision.status == "recorded") == 1


def test_the_monday_digest_button_opens_the_checkpoint(running):
    running.moment[0] = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    report = run_due_work(running.services, running.moment[0])
    assert report.tac.digests == 1
    manager = user(running, "north_tm")
    digest = running.dms_to(manager)[0]
    assert digest["text"] == "2 TAC cases to consider in supervision this week"
    running.click(manager, digest, "tac.checkpoint.open")
    view = last_view(running)
    assert running.slack.calls("views.open")[-1].params["trigger_id"] == "trigger-2"
    assert view["callback_id"] == "tac.checkpoint" and len(case_ids(view)) == 3

    # another team's manager clicking a forwarded copy is refused
    running.click(user(running, "south_tm"), digest, "tac.checkpoint.open")
    assert running.slack.wait_for(lambda: ephemeral_replies(running))
    assert "is not in your team" in ephemeral_replies(running)[-1]
    assert len(running.slack.calls("views.open")) == 1
