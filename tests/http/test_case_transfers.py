"""Case transfers (issue 13, part 4): a cases.csv import moves a case selected this month to
another team and practitioner; the audit stays or follows by policy, and everyone affected is
told once, through the outbox to the Slack stand-in."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.policy.schema import Policy
from models import Audit, AuditLogEntry, Case, Selection
from models.db import transaction
from tests.support import factories, transfers
from tests.support.harness import updates_of

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def start(start_bot, policy):
    bot = start_bot(
        lambda: NOW, policy=policy, people=lambda s: factories.authority(s, cases_per_team=1)
    )
    bot.command(bot.people["admin"].slack_user_id, "select 2026-12")
    bot.first_dm = bot.dms_to(uid(bot, "north_tm"))[0]
    bot.wait_until_sent()
    return bot


@pytest.fixture
def staying(start_bot):
    return start(start_bot, Policy())


@pytest.fixture
def following(start_bot):
    return start(start_bot, Policy(transfer="follow"))


def uid(bot, key: str) -> str:
    return bot.people[key].slack_user_id


def move_north_case_to_south(bot, tmp_path):
    return transfers.move_north_case_to_south(bot, tmp_path, NOW)


def north_selection(bot) -> Selection:
    with bot.services.make_session() as session:
        case = session.exec(select(Case).where(Case.case_ref == "CR-N000")).one()
        return session.exec(select(Selection).where(Selection.case_id == case.id)).one()


def test_by_default_the_audit_stays_and_everyone_affected_is_told_once(staying, tmp_path):
    report = move_north_case_to_south(staying, tmp_path)
    assert "1 selected case moved" in report.summary()
    assert north_selection(staying).manager_id == staying.people["north_tm"].id
    nina, sol = uid(staying, "north_tm"), uid(staying, "south_tm")
    pat, rae = uid(staying, "north_worker"), uid(staying, "south_worker")
    [to_nina] = staying.dms_containing(nina, "has moved")
    assert "it stays with you" in json.dumps(to_nina["blocks"])
    assert f"Arrange the audit discussion with <@{rae}>" in json.dumps(to_nina["blocks"])
    [to_sol] = staying.dms_containing(sol, "has moved")
    assert f"stays with <@{nina}>" in json.dumps(to_sol["blocks"])
    [to_pat] = staying.dms_containing(pat, "has moved")
    assert "You no longer hold it" in json.dumps(to_pat["blocks"])
    [to_rae] = staying.dms_containing(rae, "has moved")
    assert "You now hold it" in json.dumps(to_rae["blocks"])
    # Nina's case message now names Rae as the practitioner.
    staying.wait_until_sent()
    [update] = updates_of(staying, staying.first_dm["ts"])
    assert f"<@{rae}>" in json.dumps(update["blocks"])

    again = move_north_case_to_south(staying, tmp_path)  # the same file: nothing has moved
    assert again.transfers == 0
    staying.wait_until_sent()
    for person in (nina, sol, pat, rae):
        assert len(staying.dms_containing(person, "has moved")) == 1
    with staying.services.make_session() as session:
        logged = session.exec(
            select(AuditLogEntry).where(AuditLogEntry.action == "case.transfer")
        ).all()
    assert [entry.details["rule"] for entry in logged] == ["stay"]


def test_when_the_audit_follows_the_new_teams_manager_gets_it(following, tmp_path):
    move_north_case_to_south(following, tmp_path)
    selection = north_selection(following)
    assert selection.manager_id == following.people["south_tm"].id
    assert selection.team_id == following.people["south"].id
    nina, sol = uid(following, "north_tm"), uid(following, "south_tm")
    [to_sol] = following.dms_containing(sol, "has moved")
    assert "audit has moved to you" in json.dumps(to_sol["blocks"])
    # Sol's own case message, and now one for the case that followed, with its buttons.
    [case_message] = following.dms_containing(
        sol, "Your case for the December 2026 audit is CR-N000"
    )
    assert "audit.start" in json.dumps(case_message["blocks"])
    [to_nina] = following.dms_containing(nina, "has moved")
    assert f"audit has moved to <@{sol}>" in json.dumps(to_nina["blocks"])
    following.wait_until_sent()
    [crossed_out] = updates_of(following, following.first_dm["ts"])
    assert "audit.start" not in json.dumps(crossed_out["blocks"])  # Nina's buttons are gone
    assert "You no longer hold it" in json.dumps(
        following.dms_containing(uid(following, "north_worker"), "has moved")[0]["blocks"]
    )


def test_an_audit_already_begun_stays_even_when_the_policy_says_follow(following, tmp_path):
    selection = north_selection(following)
    with transaction(following.services.make_session) as session:
        session.add(
            Audit(
                selection_id=selection.id, manager_id=selection.manager_id, answers={},
                framework="Sefton practice framework", started_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip
    move_north_case_to_south(following, tmp_path)
    assert north_selection(following).manager_id == following.people["north_tm"].id
    [to_nina] = following.dms_containing(uid(following, "north_tm"), "has moved")
    assert "stays with you (the audit has already begun)" in json.dumps(to_nina["blocks"])
