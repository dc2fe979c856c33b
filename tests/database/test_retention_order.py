"""The retention sweep runs before anything that reads what it removes (issue 24, part 2): a
catch-up tick that sends a late QA briefing builds it from text already swept, never from text
past its period."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import select

from bot.demo.slack_standin import SlackStandIn
from bot.policy.schema import Policy
from models import OutboxMessage
from models.db import transaction
from scheduler.jobs import run_due_work
from tests.support.report_fixture import build_report_world
from tests.support.ticking import ticking_services

IMPACT = "back in school"  # Nina's Good audit's impact statement, submitted in December
LATE = datetime(2027, 1, 20, 10, 0, tzinfo=UTC)  # the December briefing was never sent


def test_a_late_briefing_never_quotes_text_past_its_period(engine, database_url, make_session):
    with transaction(make_session) as session:
        build_report_world(session)
    policy = Policy.model_validate({"retention": {"free_text_days": 10}})
    with SlackStandIn() as slack:
        services = ticking_services(engine, database_url, slack, policy, LATE)
        report = run_due_work(services, LATE)
    assert report.briefings  # the December briefing went, late
    assert report.retention  # and the sweep removed what had passed its period
    with make_session() as session:
        bodies = [json.dumps(m.payload) for m in session.exec(select(OutboxMessage)).all()]
    good_practice = [body for body in bodies if "what-good-looks-like" in body]
    assert good_practice, "the entitled readers got the good-practice file"
    assert not any(IMPACT in body for body in bodies)
    assert any("[removed after 10 days]" in body for body in good_practice)
