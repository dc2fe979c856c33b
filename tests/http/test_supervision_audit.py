"""The yearly audit of supervision files (issue 25, Bolton: "the relevant Senior Manager will
undertake an Annual Audit of Supervision Files"), through the signed HTTP endpoint and the
Slack stand-in: every team manager's file asked of the head of service above them once a
year, recorded once with a grade, why and actions, the team manager told, and counted (due,
done, overdue) in /audit status. Off by default."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.policy.schema import Policy
from models import SupervisionFileAudit
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import Clock, click_for_view, ephemeral_replies

pytestmark = pytest.mark.integration
BOLTON = Policy(supervision_file_audit={"enabled": True, "month": 4})
WHY = "Supervision is monthly and recorded for all five supervisees, with reflective notes."


def start(start_bot, policy, clock):
    return start_bot(
        clock, policy=policy, people=lambda s: factories.authority(s, cases_per_team=1)
    )


def tick(bot, clock, moment):
    clock.now = moment
    run_due_work(bot.services, moment)


def audits(bot) -> list[SupervisionFileAudit]:
    with bot.services.make_session() as session:
        return session.exec(select(SupervisionFileAudit).order_by(SupervisionFileAudit.id)).all()


def values(grade="Good", why=WHY, actions=""):
    return {
        "grade": {
            "grade": {"type": "static_select", "selected_option": grade and {"value": grade}}
        },
        "justification": {"justification": {"type": "plain_text_input", "value": why}},
        "actions": {"actions": {"type": "plain_text_input", "value": actions}},
    }


def test_each_team_managers_supervision_file_is_audited_once_a_year(start_bot):
    clock = Clock(datetime(2027, 3, 31, 10, 0, tzinfo=UTC))
    bot = start(start_bot, BOLTON, clock)
    head, admin = bot.people["head"].slack_user_id, bot.people["admin"].slack_user_id
    tick(bot, clock, clock.now)  # March: nothing yet
    assert audits(bot) == []
    tick(bot, clock, datetime(2027, 4, 1, 10, 0, tzinfo=UTC))  # April's first working day
    tick(bot, clock, datetime(2027, 4, 1, 11, 0, tzinfo=UTC))  # again: asked once
    asked = audits(bot)
    assert [a.supervisor_id for a in asked] == [
        bot.people["north_tm"].id,
        bot.people["south_tm"].id,
    ]
    assert {a.auditor_id for a in asked} == {bot.people["head"].id}
    requests = bot.dms_containing(head, "Annual audit of supervision files", 2)
    [to_nina] = [r for r in requests if bot.people["north_tm"].slack_user_id in json.dumps(r)]

    bot.click(bot.people["service_manager"].slack_user_id, to_nina, "supervision_audit.open")
    assert bot.slack.wait_for(lambda: any("Only the manager" in r for r in ephemeral_replies(bot)))
    form = click_for_view(bot, head, to_nina, "supervision_audit.open", "supervision_audit.submit")
    errors = bot.submit(head, form, values(grade=None, why="Fine.")).json["errors"]
    assert set(errors) == {"grade", "justification"}
    actions = "Record the reflective discussion in each supervision by the end of May."
    assert not bot.submit(head, form, values(actions=actions)).body
    again = bot.submit(head, form, values()).json["errors"]
    assert "Hana Head recorded this supervision file audit" in again["justification"]
    [result] = bot.dms_containing(bot.people["north_tm"].slack_user_id, "supervision file")
    assert "Good" in json.dumps(result) and actions in json.dumps(result)
    done = audits(bot)[0]
    assert (done.grade, done.justification, done.actions) == ("Good", WHY, actions)

    status = bot.command(admin, "status 2027-04").text
    assert "Supervision file audits 2027:* *2* asked for, *1* done, *0* overdue" in status
    clock.now = datetime(2027, 5, 4, 10, 0, tzinfo=UTC)  # past the due date (20 working days)
    status = bot.command(admin, "status 2027-05").text
    assert "*2* asked for, *1* done, *1* overdue" in status
    assert "Nina" not in status and "Sol" not in status  # counts only


def test_off_by_default_nobody_is_asked(start_bot):
    clock = Clock(datetime(2027, 4, 1, 10, 0, tzinfo=UTC))
    bot = start(start_bot, Policy(), clock)
    tick(bot, clock, clock.now)
    assert audits(bot) == []
    assert (
        "Supervision file audits"
        not in bot.command(bot.people["admin"].slack_user_id, "status 2027-04").text
    )
