"""The Category 1 concern's whole life and the cases-of-concern register, through the signed
HTTP endpoint: acknowledged, reviewed and closed by the head of service; a Category 2 kept on
the register until the audit's actions are done; the register by DM to the people entitled to
it, with its size at each month end; refusals that change nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.demo.slack_requests import view_submission_body
from models import AuditLogEntry
from models.concern import ConcernReview, on_register_at
from tests.http.test_audit import final_values, running_bot, submit, uid, walk_domain_steps
from tests.support import factories
from tests.support.harness import Clock, click_for_view, ephemeral_replies
from tests.support.reliability import burst

pytestmark = pytest.mark.integration
RAISED = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # Friday
DONE = "Head of service reviewed the case: the child is seen weekly and the plan is in place."


@pytest.fixture
def clock():
    return Clock(RAISED)


@pytest.fixture
def running(start_bot, clock):
    return running_bot(start_bot, clock)


def raise_concern(bot, category, note="The plan does not meet her needs at all now."):
    view = walk_domain_steps(bot)
    assert not submit(bot, view, final_values(bot, concern=category, note=note)).body


def register_dm(bot, key):
    """`/audit register` for the person: the private answer and the DM it sends."""
    user = uid(bot, key)
    before = len(bot.dms_containing(user, "Cases-of-concern register", 0))
    answer = bot.command(user, "register").text
    dms = bot.dms_containing(user, "Cases-of-concern register", before + 1)
    return answer, dms[-1]


def review_form(bot, key, message):
    return click_for_view(bot, uid(bot, key), message, "concern.review", "concern.submit")


def review_values(text=DONE, close=False):
    ticked = [{"value": "close"}] if close else []
    return {
        "actions_taken": {"actions_taken": {"type": "plain_text_input", "value": text}},
        "close": {"close": {"type": "checkboxes", "selected_options": ticked}},
    }


def reviews(bot):
    with bot.services.make_session() as session:
        return session.exec(select(ConcernReview)).all()


def test_a_category_1_concern_is_acknowledged_reviewed_and_closed_by_the_head(running, clock):
    raise_concern(running, "category_1", note="Bruising seen at the last visit, not followed up.")
    head = uid(running, "head")
    alert = running.dms_containing(head, "alert.ack")[0]

    # Before anyone acts on the alert, the head may record a review but not close it.
    _, register = register_dm(running, "head")
    form = review_form(running, "head", register)
    refused = running.submit(head, form, review_values(close=True)).json["errors"]
    assert "I am acting on this" in refused["close"]
    assert reviews(running) == []

    running.click(head, alert, "alert.ack")
    assert running.slack.wait_for(  # the alert the head was sent: "Record the review and close"
        lambda: any(
            "concern.review" in json.dumps(call.params)
            for call in running.slack.calls("chat.update")
        )
    )
    form = review_form(running, "head", register)
    assert "is acting on its alert" in json.dumps(form)
    short = running.submit(head, form, review_values(text="Seen.", close=True)).json["errors"]
    assert "say what has been done" in short["actions_taken"]
    clock.now = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
    assert not running.submit(head, form, review_values(close=True)).body

    [review] = reviews(running)
    assert review.closed_by == running.people["head"].id and review.actions_taken == DONE
    assert review.closed_at == clock.now
    for key in ("north_tm", "service_manager", "head"):
        [closed] = running.dms_containing(uid(running, key), "Removed from the cases-of-concern")
        assert "CR-N" in json.dumps(closed) and "Head of service reviewed" in json.dumps(closed)
    again = running.submit(head, form, review_values(close=True)).json["errors"]
    assert "Hana Head removed this case from the register" in again["actions_taken"]
    with running.services.make_session() as session:
        logged = session.exec(
            select(AuditLogEntry.action, AuditLogEntry.actor).where(
                AuditLogEntry.action.startswith("concern.")
            )
        ).all()
        assert logged == [("concern.close", running.people["head"].email)]
        # The register at each month end: on it at the end of November, off it by December's.
        assert on_register_at(session, datetime(2026, 12, 1, tzinfo=UTC)) == 1
        assert on_register_at(session, datetime(2027, 1, 1, tzinfo=UTC)) == 0
        assert on_register_at(session) == 0


def test_a_category_2_concern_stays_on_the_register_until_the_audits_actions_are_done(running):
    raise_concern(running, "category_2")
    head, worker = uid(running, "head"), uid(running, "north_worker")
    answer, register = register_dm(running, "head")
    assert "1 open, 0 closed in your line" in answer and "CR-N" not in answer
    assert "Category 2" in json.dumps(register) and "actions 0 of 1 done" in json.dumps(register)

    form = review_form(running, "head", register)
    refused = running.submit(head, form, review_values(close=True)).json["errors"]
    assert "1 of the audit's 1 actions is not done yet" in refused["close"]
    assert reviews(running) == []
    assert not running.submit(head, form, review_values()).body  # recorded, still open
    [review] = reviews(running)
    assert review.closed_at is None and review.actions_taken == DONE
    _, register = register_dm(running, "head")
    assert "Review: " in json.dumps(register) and "*Open: 1*" in json.dumps(register)

    action = running.dms_containing(worker, "New action")[0]
    done = click_for_view(running, worker, action, "action.done", "action.done")
    note = {"reason": {"reason": {"type": "plain_text_input", "value": "Plan rewritten with her."}}}
    assert not running.submit(worker, done, note).body

    form = review_form(running, "head", register)
    assert DONE in json.dumps(form)  # what was recorded so far, to add to
    assert not running.submit(head, form, review_values(close=True)).body
    [review] = reviews(running)
    assert review.closed_at is not None
    _, register = register_dm(running, "admin")
    assert "*Open: 0*" in json.dumps(register) and "*Closed: 1*" in json.dumps(register)
    assert "concern.review" not in json.dumps(register)  # nothing left to review
    status = running.command(uid(running, "admin"), "status 2026-12").text
    assert "0* open on the cases-of-concern register" in status


def test_only_the_line_sees_the_register_and_only_its_head_closes(running, start_bot):
    raise_concern(running, "category_2")
    with running.services.make_session() as session:
        other = factories.person(session, "Otto Other", "head_of_service")
        session.commit()
        other_id = other.slack_user_id
    running.people["other_head"] = other

    answer, register = register_dm(running, "other_head")
    assert "0 open, 0 closed in your line" in answer and "CR-N" not in json.dumps(register)
    _, admins = register_dm(running, "admin")
    assert "CR-N" in json.dumps(admins) and "concern.review" not in json.dumps(admins)
    _, service_managers = register_dm(running, "service_manager")
    assert "CR-N" in json.dumps(service_managers)
    assert "concern.review" not in json.dumps(service_managers)

    # A forged "Review" from the other head's or the service manager's DM changes nothing.
    _, heads = register_dm(running, "head")
    for user in (other_id, uid(running, "service_manager")):
        running.click(user, heads, "concern.review")
    assert running.slack.wait_for(lambda: len(ephemeral_replies(running)) == 2)
    assert all("Only the head of service" in reply for reply in ephemeral_replies(running))
    refusal = running.command(uid(running, "north_worker"), "register").text
    assert "only admins, service managers, heads of service can use" in refusal.lower()
    assert reviews(running) == []


def test_closing_submitted_twice_at_once_and_retried_by_slack_closes_once(running):
    """A double click on Save and a Slack retry, all at once: one review, one closure in the
    audit log, one DM each."""
    raise_concern(running, "category_1")
    head = uid(running, "head")
    running.click(head, running.dms_containing(head, "alert.ack")[0], "alert.ack")
    _, register = register_dm(running, "head")
    form = review_form(running, "head", register)
    body = view_submission_body(user_id=head, view=form, values=review_values(close=True))
    assert all(answer.status == 200 for answer in burst(running, body, copies=2, retries=1))
    running.wait_until_sent()

    [review] = reviews(running)
    assert review.closed_at is not None
    with running.services.make_session() as session:
        closes = session.exec(
            select(AuditLogEntry).where(AuditLogEntry.action == "concern.close")
        ).all()
    assert len(closes) == 1
    for key in ("north_tm", "service_manager", "head"):
        closed = running.dms_containing(uid(running, key), "Removed from the cases-of-concern")
        assert len(closed) == 1
