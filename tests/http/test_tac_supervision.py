"""TAC in supervision (issue 22, part 4) through the signed HTTP endpoint and the Slack stand-in:
a new TAC case's first summary falls due ten weeks after it started; the team manager's Home tab
lists the digest's cases; the digest shows each case's last decision; the practitioner is told
of "not needed now"; `/supervision history @practitioner` shows past checkpoints."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, select

from models import OutboxMessage
from models.db import transaction
from scheduler.jobs import run_due_work
from tests.http import test_tac
from tests.http.test_tac import last_view, mention, state, user
from tests.support import factories

pytestmark = pytest.mark.integration
DIGEST_MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
running = test_tac.running  # the same authority: three TAC cases for Pat in North


def add_new_tac_case(bot, ref: str = "CR-NEW", opened_on: date = date(2026, 11, 23)) -> None:
    with transaction(bot.services.make_session) as session:
        factories.case(
            session,
            bot.people["north"],
            bot.people["north_worker"],
            ref=ref,
            case_type="TAC",
            opened_on=opened_on,
        )


def digest_text(bot, manager: str, count: int = 1) -> str:
    return json.dumps(bot.dms_to(manager, count=count)[count - 1], ensure_ascii=False)


def record_checkpoint(bot, decision: str = "not_needed") -> None:
    manager = user(bot, "north_tm")
    bot.command(manager, mention(bot, "north_worker"), command="/supervision")
    view = last_view(bot)
    assert not bot.submit(manager, view, state(view, decision)).body


def test_a_new_tac_case_is_first_due_ten_weeks_after_it_started(running):
    add_new_tac_case(running)  # opened a week ago: first summary due Monday 1 February 2027
    add_new_tac_case(running, "CR-OLDER", date(2026, 9, 28))  # due 7 December: due soon
    running.moment[0] = DIGEST_MONDAY
    assert run_due_work(running.services, DIGEST_MONDAY).tac.digests == 1
    digest = running.dms_to(user(running, "north_tm"))[0]
    assert digest["text"] == "3 TAC cases to consider in supervision this week"
    text = json.dumps(digest["blocks"], ensure_ascii=False)
    assert "CR-NEW" not in text
    assert "CR-OLDER · never summarised, first due by Monday 7 December 2026" in text
    assert "CR-T1 · never summarised, overdue since" in text

    # the checkpoint still lists it, flagged as never summarised, with its first due date
    running.command(user(running, "north_tm"), mention(running, "north_worker"), "/supervision")
    view = json.dumps(last_view(running))
    assert "CR-NEW" in view and "Next due: Monday 1 February 2027" in view


def test_the_managers_home_tab_lists_what_the_digest_lists(running):
    add_new_tac_case(running)
    running.moment[0] = DIGEST_MONDAY
    run_due_work(running.services, DIGEST_MONDAY)
    manager = user(running, "north_tm")
    digest = running.dms_to(manager)[0]
    home = json.dumps(running.open_home(manager), ensure_ascii=False)
    assert "None due" not in home
    for line in ("CR-T1", "CR-T2"):
        digest_line = next(
            piece
            for block in digest["blocks"]
            if block["type"] == "section"
            for piece in block["text"]["text"].split("\n")
            if line in piece
        )
        home_line = digest_line.replace(
            f"{line} · ", f"{line} · <@{user(running, 'north_worker')}> · "
        )
        assert json.dumps(home_line, ensure_ascii=False)[1:-1] in home
    assert "CR-T3" not in home and "CR-NEW" not in home
    # another team's manager sees none of them
    south = json.dumps(running.open_home(user(running, "south_tm")), ensure_ascii=False)
    assert "CR-T1" not in south and "None due." in south


def test_not_needed_now_is_told_to_the_practitioner_and_shown_in_the_next_digest(running):
    running.moment[0] = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    record_checkpoint(running)
    worker = user(running, "north_worker")
    told = running.dms_to(worker, count=3)
    assert sorted(m["text"] for m in told) == [
        f"A TAC summary for {ref} is not needed now." for ref in ("CR-T1", "CR-T2", "CR-T3")
    ]
    assert "Reviewed last month; no change." in json.dumps(told[0]["blocks"])
    with running.services.make_session() as session:
        keys = session.exec(
            select(OutboxMessage.idempotency_key).where(
                col(OutboxMessage.idempotency_key).startswith("tac-not-needed:")
            )
        ).all()
    assert len(keys) == 3 == len(set(keys))

    running.moment[0] = NEXT_MONDAY
    run_due_work(running.services, NEXT_MONDAY)
    digest = running.dms_to(user(running, "north_tm"), count=2)[-1]
    assert digest["text"].startswith("2 TAC cases")
    text = json.dumps(digest["blocks"], ensure_ascii=False)
    assert (
        "_considered Monday 30 November 2026: not needed now, Reviewed last month; no change._"
        in text
    )


def test_a_summary_by_a_date_does_not_tell_the_practitioner_it_is_not_needed(running):
    record_checkpoint(running, "complete_by")
    worker = user(running, "north_worker")
    assert all("not needed" not in m["text"] for m in running.dms_to(worker, count=3))
    running.moment[0] = NEXT_MONDAY
    run_due_work(running.services, NEXT_MONDAY)
    text = digest_text(running, user(running, "north_tm"), count=2)
    assert "considered Monday 30 November 2026: summary by Wednesday 16 December 2026" in text
    assert "summary planned by Wednesday 16 December 2026" in text


def test_history_shows_past_checkpoints_to_those_entitled(running):
    record_checkpoint(running)
    target = mention(running, "north_worker")
    for who in ("north_tm", "service_manager", "head", "admin"):
        answer = running.command(user(running, who), f"history {target}", "/supervision")
        assert answer.status == 200
        assert answer.json.get("response_type", "ephemeral") == "ephemeral"
        assert answer.text.startswith("1 TAC checkpoint recorded for Pat Worker\n"), who
        blocks = json.dumps(answer.json["blocks"], ensure_ascii=False)
        assert "Monday 30 November 2026" in blocks
        assert "CR-T1: not needed now, Reviewed last month; no change." in blocks
        assert "CR-T3" in blocks


@pytest.mark.parametrize(
    ("who", "text", "expected"),
    [
        ("south_tm", "history {pat}", "only Pat Worker's team manager"),
        ("north_worker", "history {pat}", "only Pat Worker's team manager"),
        ("south_worker", "history {pat}", "only Pat Worker's team manager"),
        ("north_tm", "history", "Usage: /supervision @practitioner | /supervision history"),
        ("north_tm", "history pat", "Usage: /supervision @practitioner | /supervision history"),
        ("admin", "history <@U0NOBODY|nobody>", "can't find that person"),
    ],
)
def test_history_refuses_others_and_bad_input(running, who, text, expected):
    record_checkpoint(running)
    pat = mention(running, "north_worker")
    answer = running.command(user(running, who), text.format(pat=pat), "/supervision")
    assert answer.status == 200
    assert expected in answer.text
    assert "CR-T1" not in json.dumps(answer.json)
    assert answer.json.get("response_type", "ephemeral") == "ephemeral"


def test_history_before_any_checkpoint(running):
    answer = running.command(
        user(running, "north_tm"), f"history {mention(running, 'north_worker')}", "/supervision"
    )
    assert answer.text.startswith("0 TAC checkpoints recorded for Pat Worker\n")
    assert "No TAC checkpoint has been recorded" in json.dumps(answer.json["blocks"])
