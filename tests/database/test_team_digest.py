"""The weekly team digest: counts to each team channel, once, never a case reference."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.commands.audit_command import run_audit_command
from bot.demo.slack_standin import SlackStandIn
from models import Case, Team
from models.db import transaction
from tests.database.test_chasing import DRAW, at, make_services, tick
from tests.support import factories


@pytest.fixture
def slack():
    with SlackStandIn() as standin:
        yield standin


def authority(services, slack, draw=True):
    """Three teams, one without a channel; December drawn (that morning's catch-up digest for
    the week of 30 November is left out of what the tests look at)."""
    with transaction(services.make_session) as session:
        people = factories.authority(session, cases_per_team=3)
        north, south = session.get(Team, people["north"].id), session.get(Team, people["south"].id)
        north.channel_id, south.channel_id = "C0NORTH", "C0SOUTH"
        session.add(factories.team(session, "West"))
        west = session.exec(select(Team).where(Team.name == "West")).one()
        west.channel_id = None
    if draw:
        tick(services, DRAW)
        slack.clear()
    return people


def channel_posts(slack) -> list[dict]:
    return [
        call.params
        for call in slack.calls("chat.postMessage")
        if call.fault is None and str(call.params.get("channel", ""))[:1] == "C"
    ]


def test_monday_digest_posts_counts_to_each_team_channel_once(engine, database_url, slack):
    services = make_services(engine, database_url, slack)
    people = authority(services, slack)
    assert tick(services, datetime(2026, 12, 7, 8, 59, tzinfo=UTC)).team_digests == 0
    assert tick(services, datetime(2026, 12, 7, 9, 0, tzinfo=UTC)).team_digests == 2
    tick(services, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    tick(services, datetime(2026, 12, 9, 11, 0, tzinfo=UTC))
    posts = channel_posts(slack)
    assert sorted(p["channel"] for p in posts) == ["C0NORTH", "C0SOUTH"]
    north = next(p for p in posts if p["channel"] == "C0NORTH")
    body = json.dumps(north["blocks"])
    assert "Cases selected this month: *1*" in body
    assert "Discussions booked: *0*" in body and "Audits overdue: *0*" in body
    assert "Actions open: *0*" in body and "TAC summaries due" in body
    assert "Re-audits drawn this month: *0*" in body and "Re-audits overdue: *0*" in body
    tick(services, at(date(2026, 12, 14), 9))  # next Monday: a new digest
    assert len(channel_posts(slack)) == 4
    status = run_audit_command(services, people["admin"].slack_user_id, "status").notice
    assert "Teams without a channel* (no weekly digest): West" in json.dumps(status)


def test_no_channel_post_carries_a_case_reference(engine, database_url, slack):
    services = make_services(engine, database_url, slack)
    authority(services, slack)
    for day in (date(2026, 12, 7), date(2026, 12, 14), date(2027, 1, 4), date(2027, 1, 11)):
        tick(services, at(day, 10))
    posts = channel_posts(slack)
    assert len(posts) == 8
    with services.make_session() as session:
        refs = session.exec(select(Case.case_ref)).all()
    for post in posts:
        for ref in refs:
            assert ref not in json.dumps(post)
    assert "Audits overdue: *1*" in json.dumps(posts[-1])  # December's, in January


def test_the_digest_waits_for_tuesday_after_a_bank_holiday_monday(engine, database_url, slack):
    services = make_services(engine, database_url, slack)
    authority(services, slack, draw=False)
    tick(services, datetime(2026, 5, 25, 9, 0, tzinfo=UTC))  # Spring bank holiday
    assert not channel_posts(slack)
    tick(services, datetime(2026, 5, 26, 8, 0, tzinfo=UTC))  # 09:00 BST on Tuesday
    assert len(channel_posts(slack)) == 2


def test_a_team_named_to_ping_its_channel_pings_nobody(engine, database_url, slack):
    """A team imported as `<!here> North` reaches its channel's digest escaped, notification
    text included: nobody is pinged."""
    services = make_services(engine, database_url, slack)
    people = authority(services, slack)
    with transaction(services.make_session) as session:
        session.get(Team, people["north"].id).name = "<!here> North"
    tick(services, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    north = next(p for p in channel_posts(slack) if p["channel"] == "C0NORTH")
    assert "<!here>" not in json.dumps(north)
    assert north["text"].startswith("Weekly audit digest for &lt;!here&gt; North")
