"""Another auditor's discussion through the signed HTTP endpoint: an auditor who is not the
case's team manager (a round's auditor) is asked whether the case's manager and practitioner
took part; a team manager auditing their own team's case is not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from models import Audit
from tests.http.test_audit import domain_values, final_values, walk_domain_steps
from tests.http.test_rounds import AREAS, define, people, round_cases, tick
from tests.support import factories
from tests.support.harness import Clock, click_for_view

pytestmark = pytest.mark.integration
QUESTIONS = ("manager_engagement", "practitioner_engagement")


def blocks_of(view) -> dict[str, dict]:
    return {block.get("block_id"): block for block in view["blocks"]}


def the_audit(bot) -> Audit:
    with bot.services.make_session() as session:
        return session.exec(select(Audit)).one()


def test_a_round_auditor_is_asked_whether_the_manager_and_practitioner_took_part(start_bot):
    clock = Clock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    bot = start_bot(clock, people=people)
    define(
        bot,
        name="voice-dec",
        kind="thematic",
        theme="voice_of_the_child",
        cases="1",
        auditors=["service_manager"],
        selection_date="2026-12-01",
        audit_date="2026-12-14",
    )
    tick(bot, clock, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    [(_, case)] = round_cases(bot)
    auditor = bot.people["service_manager"].slack_user_id
    dm = bot.dms_containing(auditor, case.case_ref)[0]
    view = click_for_view(bot, auditor, dm, "audit.start", "audit.step")
    while view["submit"]["text"] != "Submit the audit":
        view = {**bot.submit(auditor, view, domain_values(view)).json["view"], "id": view["id"]}
    blocks = blocks_of(view)
    for question in QUESTIONS:
        options = [option["value"] for option in blocks[question]["element"]["options"]]
        assert options == ["took_part", "not_available"]
    team = next(name.lower() for name in AREAS if bot.people[name.lower()].id == case.team_id)
    team_manager = bot.people[f"{team}_tm"].slack_user_id
    assert f"<@{team_manager}>" in str(view["blocks"])  # who the case's team manager is

    answer = bot.submit(auditor, view, final_values(bot, took_part=(None, "took_part")))
    assert set(answer.json["errors"]) == {"manager_engagement"}
    answer = bot.submit(auditor, view, final_values(bot, took_part=("not_available", None)))
    assert set(answer.json["errors"]) == {"practitioner_engagement"}
    assert the_audit(bot).status == "draft"

    values = final_values(bot, took_part=("not_available", "took_part"))
    assert not bot.submit(auditor, view, values).body
    audit = the_audit(bot)
    assert audit.status == "submitted"
    assert (audit.manager_engagement, audit.practitioner_engagement) == (
        "not_available",
        "took_part",
    )


def test_a_team_manager_auditing_their_own_teams_case_is_not_asked(start_bot):
    clock = Clock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    bot = start_bot(clock, people=lambda s: factories.authority(s, cases_per_team=4))
    bot.command(bot.people["admin"].slack_user_id, "select 2026-12")
    view = walk_domain_steps(bot)
    assert not set(QUESTIONS) & set(blocks_of(view))
    assert not bot.submit(bot.people["north_tm"].slack_user_id, view, final_values(bot)).body
    audit = the_audit(bot)
    assert audit.status == "submitted"
    assert (audit.manager_engagement, audit.practitioner_engagement) == (None, None)
