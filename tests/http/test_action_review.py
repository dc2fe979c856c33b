"""The manager's reviews of an audit's actions (issue 25, Bolton: "reviewed within 1 month, and
again the following month"), through the signed HTTP endpoint and the Slack stand-in: asked
for once a month after the audit and once the month after, answered per action, recorded once
and shown in the audit's record. Off by default."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.audit.record_data import collect_audit_record
from bot.audit.record_document import audit_record_docx
from bot.policy.schema import Policy
from models import ActionProgress, ActionReview, AuditAction, Case
from models.db import transaction
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import Clock, click_for_view, ephemeral_replies
from tests.support.word import document_text, headings

pytestmark = pytest.mark.integration
AUDITED = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)  # Monday
BOLTON = Policy(audit={"action_review_months": [1, 2]})
NOTE = "Chronology half done: Pat is on leave until the 10th."


def people_with_an_audit(session):
    people = factories.authority(session, cases_per_team=1)
    case_row = session.exec(select(Case).where(Case.case_ref == "CR-N000")).one()
    audit = factories.submitted_audit(session, people["north_tm"], case_row, AUDITED)
    session.add(
        AuditAction(
            audit_id=audit.id, what="Visit the child at school", owner_id=case_row.worker_id,
            due_on=AUDITED.date(), created_at=AUDITED,
        )
    )  # fmt: skip
    return people | {"audit": audit}


def start(start_bot, policy, clock):
    return start_bot(clock, policy=policy, people=people_with_an_audit)


def tick(bot, clock, moment):
    clock.now = moment
    run_due_work(bot.services, moment)


def action_ids(bot) -> list[int]:
    with bot.services.make_session() as session:
        return list(session.exec(select(AuditAction.id).order_by(AuditAction.id)).all())


def answers(bot, progress, notes):
    values = {}
    for action_id, state, note in zip(action_ids(bot), progress, notes, strict=True):
        chosen = {"value": state} if state else None
        values[f"progress_{action_id}"] = {
            "progress": {"type": "radio_buttons", "selected_option": chosen}
        }
        values[f"note_{action_id}"] = {"note": {"type": "plain_text_input", "value": note}}
    return values


def test_the_manager_reviews_the_actions_a_month_after_the_audit_and_again(start_bot):
    clock = Clock(AUDITED)
    bot = start(start_bot, BOLTON, clock)
    nina = bot.people["north_tm"].slack_user_id
    tick(bot, clock, datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # not yet a month
    tick(bot, clock, datetime(2026, 12, 2, 8, 30, tzinfo=UTC))  # the day, before 09:00
    assert bot.dms_containing(nina, "Review the actions", 0) == []

    tick(bot, clock, datetime(2026, 12, 2, 9, 30, tzinfo=UTC))
    tick(bot, clock, datetime(2026, 12, 2, 14, 0, tzinfo=UTC))  # again: asked once
    [prompt] = bot.dms_containing(nina, "Review the actions")
    text = json.dumps(prompt["blocks"])
    assert "CR-N000" in text and "1 month on" in text and "Visit the child at school" in text

    bot.click(bot.people["south_tm"].slack_user_id, prompt, "action_review.open")
    assert bot.slack.wait_for(lambda: any("Only the manager" in r for r in ephemeral_replies(bot)))
    form = click_for_view(bot, nina, prompt, "action_review.open", "action_review.submit")
    first, second = action_ids(bot)
    errors = bot.submit(nina, form, answers(bot, ["in_progress", None], ["", ""])).json["errors"]
    assert set(errors) == {f"note_{first}", f"progress_{second}"}
    assert not bot.submit(nina, form, answers(bot, ["in_progress", "done"], [NOTE, ""])).body
    again = bot.submit(nina, form, answers(bot, ["done", "done"], ["", ""])).json["errors"]
    assert "Nina North recorded this review" in again[f"progress_{first}"]
    with bot.services.make_session() as session:
        rows = session.exec(select(ActionProgress).order_by(ActionProgress.action_id)).all()
        assert [(r.progress, r.note) for r in rows] == [("in_progress", NOTE), ("done", None)]
    bot.wait_until_sent()
    [update] = [
        c.params for c in bot.slack.calls("chat.update") if "Actions reviewed" in c.params["text"]
    ]
    assert "*In progress*: " + NOTE in json.dumps(update["blocks"])

    # 2 January 2027 is a Saturday: the second review is asked for on Monday the 4th.
    tick(bot, clock, datetime(2027, 1, 4, 9, 30, tzinfo=UTC))
    tick(bot, clock, datetime(2027, 1, 5, 9, 30, tzinfo=UTC))
    [_, second_prompt] = bot.dms_containing(nina, "Review the actions", 2)
    assert "2 months on" in json.dumps(second_prompt["blocks"])
    with bot.services.make_session() as session:
        reviews = session.exec(select(ActionReview).order_by(ActionReview.id)).all()
        assert [(r.months_after, str(r.due_on)) for r in reviews] == [
            (1, "2026-12-02"),
            (2, "2027-01-04"),
        ]
        record = collect_audit_record(
            session, bot.services.policy, bot.people["audit"], UTC, clock.now
        )
    first_review, pending = record.action_reviews
    assert first_review.reviewer == "Nina North" and str(first_review.reviewed_on) == "2026-12-02"
    assert first_review.progress[0] == ("Update the chronology", "In progress", NOTE)
    assert pending.reviewed_on is None
    document = audit_record_docx(record)
    assert headings(document)[-2:] == [
        "The actions reviewed, 1 month after the audit",
        "The actions reviewed, 2 months after the audit",
    ]
    assert NOTE in document_text(document) and "not recorded yet" in document_text(document)


def test_off_by_default_no_review_is_asked_for(start_bot):
    clock = Clock(AUDITED)
    bot = start(start_bot, Policy(), clock)
    tick(bot, clock, datetime(2026, 12, 2, 9, 30, tzinfo=UTC))
    with transaction(bot.services.make_session) as session:
        assert session.exec(select(ActionReview)).all() == []
