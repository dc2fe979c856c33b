"""The outcome of the family contact through the signed HTTP endpoint: the child and the parents
or carers recorded apart, each with its outcome and, when they did not take part, its reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.core.calendar import LONDON
from models import FamilyEngagement
from scheduler.jobs import run_due_work
from tests.http.test_booking import contact, contact_outcome
from tests.support import factories
from tests.support.harness import Clock, click_for_view, updates_of

pytestmark = pytest.mark.integration
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
VIEWS = "Feels listened to and wants more time with her sister."


@pytest.fixture
def clock():
    return Clock(FRIDAY)


@pytest.fixture
def asked(start_bot, clock):
    """December drawn; North's manager planned a phone call for Friday 4 December and, on
    Monday at 9:00, is asked how it went."""
    bot = start_bot(clock, people=lambda s: factories.authority(s, cases_per_team=4))
    bot.command(bot.people["admin"].slack_user_id, "select 2026-12")
    manager = bot.people["north_tm"].slack_user_id
    view = click_for_view(
        bot, manager, bot.dms_to(manager)[0], "engagement.open", "engagement.submit"
    )
    assert not bot.submit(manager, view, contact("plan", "phone", "2026-12-04")).body
    clock.now = datetime(2026, 12, 7, 9, 0, tzinfo=LONDON)
    run_due_work(bot.services, clock.now)
    return bot


def outcome_form(bot):
    manager = bot.people["north_tm"].slack_user_id
    prompt = bot.dms_containing(manager, "How did the contact")[0]
    view = click_for_view(bot, manager, prompt, "engagement.outcome.record", "engagement.outcome")
    return manager, prompt, view


def engagement(bot) -> FamilyEngagement:
    with bot.services.make_session() as session:
        return session.exec(select(FamilyEngagement)).one()


@pytest.mark.parametrize(
    ("answers", "stored", "status"),
    [
        (
            dict(child="engaged", parents="not_invited", parents_reason="Mother is in hospital."),
            ("engaged", None, "not_invited", "Mother is in hospital."),
            "views_obtained",
        ),
        (
            dict(child="inappropriate", child_reason="A baby of four months.", parents="engaged"),
            ("inappropriate", "A baby of four months.", "engaged", None),
            "views_obtained",
        ),
        (
            dict(
                child="no_response", child_reason="Three texts unanswered.", parents="no_response"
            ),
            ("no_response", "Three texts unanswered.", "no_response", None),
            "no_contact",
        ),
        (
            dict(
                child="not_invited",
                child_reason="She is in hospital this month.",
                parents="not_invited",
                parents_reason="The court has said no contact.",
            ),
            (
                "not_invited",
                "She is in hospital this month.",
                "not_invited",
                "The court has said no contact.",
            ),
            "not_appropriate",
        ),
    ],
)
def test_family_contact_records_the_child_and_the_parents_apart(asked, answers, stored, status):
    manager, prompt, view = outcome_form(asked)
    blocks = {block.get("block_id"): block for block in view["blocks"]}
    child_choices = [option["value"] for option in blocks["child"]["element"]["options"]]
    parent_choices = [option["value"] for option in blocks["parents"]["element"]["options"]]
    assert child_choices == ["engaged", "inappropriate", "no_response", "not_invited"]
    assert parent_choices == ["engaged", "no_response", "not_invited"]  # age: the child's only
    took_part = "engaged" in (answers["child"], answers["parents"])
    assert not asked.submit(manager, view, contact_outcome(**answers, summary=VIEWS)).body
    record = engagement(asked)
    assert (
        record.child_outcome,
        record.child_reason,
        record.parents_outcome,
        record.parents_reason,
    ) == stored
    assert record.status == status
    assert record.summary == (VIEWS if took_part else None)
    # The whole contact's reason, which the selection DM shows, is there when nobody took part.
    assert (record.reason is None) == took_part
    assert asked.slack.wait_for(lambda: "Recorded: The child: " in prompt_now(asked, prompt))


def prompt_now(bot, prompt) -> str:
    """The outcome question as it reads after its updates."""
    return json.dumps(updates_of(bot, prompt["ts"])[-1:])


def test_family_contact_refuses_a_missing_outcome_or_reason_inline_and_changes_nothing(asked):
    manager, _prompt, view = outcome_form(asked)
    for answers, field in [
        (dict(parents="engaged"), "child"),
        (dict(child="engaged"), "parents"),
        (dict(child="not_invited", parents="no_response"), "child_reason"),
        (dict(child="inappropriate", parents="not_invited", parents_reason="no"), "parents_reason"),
        (dict(child="engaged", parents="engaged"), "summary"),
    ]:
        answer = asked.submit(manager, view, contact_outcome(**answers))
        assert answer.json["response_action"] == "errors", answers
        assert field in answer.json["errors"], (answers, answer.json)
    record = engagement(asked)
    assert record.status == "planned" and record.summary is None and record.reason is None
    assert (record.child_outcome, record.parents_outcome) == (None, None)


def test_family_contact_is_recorded_once(asked):
    manager, _prompt, view = outcome_form(asked)
    first = contact_outcome("inappropriate", "engaged", summary=VIEWS)
    assert not asked.submit(manager, view, first).body
    again = contact_outcome("no_response", "no_response")
    answer = asked.submit(manager, view, again)
    assert "already recorded" in answer.json["errors"]["child"]
    assert (engagement(asked).child_outcome, engagement(asked).parents_outcome) == (
        "inappropriate",
        "engaged",
    )
