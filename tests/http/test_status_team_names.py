"""`/audit status` through the signed HTTP endpoint (issue 22, part 6): the table never cuts a
team name, however long."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from models import Team
from tests.support import factories

pytestmark = pytest.mark.integration
LONG_NAME = "North Locality Children in Need and Child Protection Team"


def long_team_names(session):
    people = factories.authority(session, cases_per_team=3)
    session.get(Team, people["north"].id).name = LONG_NAME
    return people


def test_the_status_table_shows_whole_team_names(start_bot):
    bot = start_bot(lambda: datetime(2026, 11, 27, 10, 0, tzinfo=UTC), people=long_team_names)
    bot.command(bot.people["admin"].slack_user_id, "select 2026-12")
    text = bot.command(bot.people["admin"].slack_user_id, "status 2026-12").text
    block = next(line for line in text.splitlines() if "Selected Booked" in line)
    lines = json.loads(block)["text"]["text"].strip("`").splitlines()
    rows = [line for line in lines if line.startswith(LONG_NAME + " ")]
    assert len(rows) == 1, text
    header = next(line for line in lines if "Selected Booked" in line)
    assert header.index("Selected") == rows[0].index(" ", len(LONG_NAME)) + 1  # columns line up
