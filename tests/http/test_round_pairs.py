"""Halton's audit days through the signed HTTP endpoint (issue 25): auditors paired from the
draw, either of a pair completing the audit and the other agreeing (two submitting at once make
one audit), and the lead reviewer's quality assurance: returned with a comment, revised by the
pair, approved; only then final in the round's status."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.policy.schema import Policy, RoundDefinition, RoundsPolicy
from models import Audit, AuditLogEntry, RoundCase, RoundJudgement
from tests.http.test_audit import domain_values, final_values
from tests.http.test_rounds import form, open_form, people, round_cases, rounds, tick
from tests.support.harness import Clock, click_for_view, ephemeral_replies, updates_of

pytestmark = pytest.mark.integration
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
DRAW_DAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # five weeks before the audit day
AUDITORS = ("north_tm", "south_tm", "east_tm", "service_manager")


def halton_policy(lead_reviewer: str | None = "hana.head@example.gov.uk") -> Policy:
    return Policy(
        rounds=RoundsPolicy(
            rounds=[
                RoundDefinition(
                    name="audit-day-q1",
                    kind="audit_day",
                    cases=2,
                    auditors=[f"{n.lower()}@example.gov.uk" for n in _names()],
                    pairs=True,
                    lead_reviewer=lead_reviewer,
                    audit_date=date(2027, 1, 11),
                )
            ]
        )
    )


def _names() -> list[str]:
    return ["North.Manager", "South.Manager", "East.Manager", "Sam.Service"]


@pytest.fixture
def clock():
    return Clock(MONDAY)


@pytest.fixture
def running(start_bot, clock):
    bot = start_bot(clock, policy=halton_policy(), people=people)
    tick(bot, clock, DRAW_DAY)
    return bot


def slack_id(bot, staff_id: int) -> str:
    return next(
        p.slack_user_id
        for p in bot.people.values()
        if getattr(p, "id", None) == staff_id and hasattr(p, "slack_user_id")
    )


def to_final_step(bot, user, dm):
    view = click_for_view(bot, user, dm, "audit.start", "audit.step")
    while view["submit"]["text"] != "Submit the audit":
        answer = bot.submit(user, view, domain_values(view))
        view = {**answer.json["view"], "id": view["id"]}
    return view


def submitted_values(bot, impact="Plans are SMART and the child's day is visible."):
    return final_values(
        bot,
        actions=(),
        no_actions="None needed.",
        impact=impact,
        took_part=("took_part", "took_part"),
    )


def test_each_case_goes_to_a_pair_and_two_submitting_at_once_make_one_judgement(running):
    drawn = round_cases(running)
    assert len(drawn) == 2
    members = [{rc.auditor_id, rc.partner_id} for rc, _ in drawn]
    everyone = {running.people[key].id for key in AUDITORS}
    assert all(len(pair) == 2 and pair <= everyone for pair in members)
    assert members[0] == members[1] or not members[0] & members[1]  # pairs fixed at the draw
    assert len({rc.auditor_id for rc, _ in drawn}) == 2  # one case recorded under each auditor
    for round_case, case in drawn:
        for member in (round_case.auditor_id, round_case.partner_id):
            dm = running.dms_containing(slack_id(running, member), case.case_ref)[0]
            assert "Your pair" in json.dumps(dm["blocks"])
            assert "audit.start" in json.dumps(dm["blocks"])

    round_case, case = drawn[0]
    lead, partner = (
        slack_id(running, round_case.auditor_id),
        slack_id(running, round_case.partner_id),
    )
    lead_dm = running.dms_containing(lead, case.case_ref)[0]
    partner_dm = running.dms_containing(partner, case.case_ref)[0]
    with ThreadPoolExecutor(2) as pool:  # both start at once: one draft
        list(
            pool.map(
                lambda who: running.click(*who, "audit.start"),
                [(lead, lead_dm), (partner, partner_dm)],
            )
        )
    lead_view = to_final_step(running, lead, lead_dm)
    partner_view = click_for_view(running, partner, partner_dm, "audit.start", "audit.step")
    assert partner_view["submit"]["text"] == "Submit the audit"  # the pair's shared draft
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                lambda who: running.submit(who[0], who[1], submitted_values(running)),
                [(lead, lead_view), (partner, partner_view)],
            )
        )
    assert sorted(a.status for a in answers) == [200, 200]
    assert [a.body for a in answers].count("") >= 1, [a.body for a in answers]
    with running.services.make_session() as session:
        [audit] = session.exec(select(Audit)).all()
        assert audit.status == "submitted" and audit.manager_id == round_case.auditor_id
        [judgement] = session.exec(select(RoundJudgement)).all()
        assert judgement.stage == "awaiting_agreement"
        submitter = judgement.submitted_by_id
        submits = session.exec(
            select(AuditLogEntry).where(AuditLogEntry.action == "audit.submit")
        ).all()
        assert len(submits) == 1
    other = round_case.partner_id if submitter == round_case.auditor_id else round_case.auditor_id
    asked = running.dms_containing(slack_id(running, other), "do you agree")
    assert len(asked) == 1 and "Plans are SMART" in json.dumps(asked[0]["blocks"])
    running.click(slack_id(running, submitter), asked[0], "round.pair.agree")
    assert running.slack.wait_for(
        lambda: any("Only the other auditor" in reply for reply in ephemeral_replies(running))
    )
    running.click(slack_id(running, other), asked[0], "round.pair.agree")
    qa = running.dms_containing(running.people["head"].slack_user_id, "Quality assurance")
    assert case.case_ref in json.dumps(qa[0])
    with running.services.make_session() as session:
        judgement = session.exec(select(RoundJudgement)).one()
        assert judgement.agreed_by_id == other and judgement.stage == "awaiting_qa"
    status = running.command(running.people["admin"].slack_user_id, "round status audit-day-q1")
    assert "0 audit(s) done (1 more awaiting agreement or QA)" in status.text
    assert "awaiting QA" in status.text


def test_the_lead_returns_the_analysis_the_pair_revises_it_and_only_approval_makes_it_final(
    running,
):
    round_case, case = round_cases(running)[0]
    lead, partner = (
        slack_id(running, round_case.auditor_id),
        slack_id(running, round_case.partner_id),
    )
    dm = running.dms_containing(partner, case.case_ref)[0]
    view = to_final_step(running, partner, dm)
    assert not running.submit(
        partner, view, submitted_values(running, impact="Things seem a little better.")
    ).body
    running.click(lead, running.dms_containing(lead, "do you agree")[0], "round.pair.agree")
    head = running.people["head"].slack_user_id
    qa = running.dms_containing(head, "Quality assurance")[0]

    running.click(lead, qa, "round.qa.approve")  # only the lead reviewer
    assert running.slack.wait_for(
        lambda: any("Only the round's lead reviewer" in r for r in ephemeral_replies(running))
    )
    modal = click_for_view(running, head, qa, "round.qa.return", "round.qa.return")
    short = {"comment": {"comment": {"type": "plain_text_input", "value": "more"}}}
    assert "at least 10" in running.submit(head, modal, short).json["errors"]["comment"]
    comment = "Say what difference the plan made for the child at school."
    said = {"comment": {"comment": {"type": "plain_text_input", "value": comment}}}
    assert not running.submit(head, modal, said).body
    for member in (lead, partner):
        returned = running.dms_containing(member, "returned your analysis")[0]
        assert comment in json.dumps(returned["blocks"])
    assert running.slack.wait_for(
        lambda: "Returned" in json.dumps(updates_of(running, qa["ts"])[-1:])
    )

    returned = running.dms_containing(lead, "returned your analysis")[0]
    revise = click_for_view(running, lead, returned, "round.revise", "round.revise")
    assert "a little better" in json.dumps(revise["blocks"])
    blank = {"impact": {"impact": {"type": "plain_text_input", "value": ""}}}
    assert "write the analysis" in running.submit(lead, revise, blank).json["errors"]["impact"]
    better = "Attendance rose from 60% to 95% since the plan named the school's role."
    value = {"impact": {"impact": {"type": "plain_text_input", "value": better}}}
    assert not running.submit(lead, revise, value).body
    again = running.dms_containing(head, "Quality assurance", count=2)[-1]
    assert better in json.dumps(again["blocks"]) and "revised" in json.dumps(again["blocks"])
    admin = running.people["admin"].slack_user_id
    assert "0 audit(s) done" in running.command(admin, "round status audit-day-q1").text

    running.click(head, again, "round.qa.approve")
    assert running.slack.wait_for(
        lambda: "Approved" in json.dumps(updates_of(running, again["ts"])[-1:])
    )
    running.click(head, again, "round.qa.approve")  # a second click changes nothing
    assert running.slack.wait_for(
        lambda: any("not waiting for quality assurance" in r for r in ephemeral_replies(running))
    )
    with running.services.make_session() as session:
        judgement = session.exec(select(RoundJudgement)).one()
        assert (judgement.stage, judgement.returns) == ("approved", 1)
        assert judgement.reviewed_by_id == running.people["head"].id
        audit = session.exec(select(Audit)).one()
        assert audit.answers["final"]["impact"] == better
        assert session.get(RoundCase, round_case.id).partner_id == round_case.partner_id
    status = running.command(admin, "round status audit-day-q1").text
    assert "1 audit(s) done" in status and "awaiting" not in status


def test_an_administrator_defines_a_paired_audit_day_with_a_lead_in_slack(start_bot, clock):
    bot = start_bot(clock, people=people)

    def answers(practices, lead, **changes):
        chosen = form(bot, **changes)
        chosen["audit_day_practices"] = {
            "audit_day_practices": {
                "type": "checkboxes",
                "selected_options": [{"value": value} for value in practices],
            }
        }
        chosen["lead_reviewer"] = {"lead_reviewer": {"type": "users_select", "selected_user": lead}}
        return chosen

    admin, head = bot.people["admin"].slack_user_id, bot.people["head"].slack_user_id
    view = open_form(bot)
    assert {"audit_day_practices", "lead_reviewer"} <= {b.get("block_id") for b in view["blocks"]}
    alone = answers(["pairs"], head, auditors=["north_tm"], cases="1")
    errors = bot.submit(admin, view, alone).json["errors"]
    assert "at least two auditors" in errors["audit_day_practices"]
    stranger = answers(["pairs"], "U0NOTSTAFF")
    assert (
        "not on the staff list" in bot.submit(admin, view, stranger).json["errors"]["lead_reviewer"]
    )
    assert rounds(bot) == []
    assert not bot.submit(admin, view, answers(["pairs", "poor_practice"], head)).body
    [defined] = rounds(bot)
    assert defined.definition["pairs"] and defined.definition["poor_practice"]
    assert defined.definition["lead_reviewer"] == "hana.head@example.gov.uk"
