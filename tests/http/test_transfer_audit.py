"""The transfer audit (issue 25, Bolton): a cases.csv import moves a case to another team; the
head of service above the team it left is asked by DM to audit the file, says whether it is fit
for purpose, grades it and says why; it is recorded once, on the case's record, through the
signed HTTP endpoint and the Slack stand-in. Off by default."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.policy.schema import Policy
from models import AuditLogEntry, TransferAudit
from scheduler.jobs import run_due_work
from tests.support import factories, transfers
from tests.support.harness import Clock, click_for_view, ephemeral_replies

pytestmark = pytest.mark.integration
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # Wednesday
WHY = "Chronology up to date, plan reviewed last month, child seen and views recorded."
BOLTON = Policy(transfer_audit={"enabled": True})


def start(start_bot, policy, clock):
    return start_bot(
        clock, policy=policy, people=lambda s: factories.authority(s, cases_per_team=1)
    )


def uid(bot, key: str) -> str:
    return bot.people[key].slack_user_id


def move_north_case_to_south(bot, tmp_path):
    return transfers.move_north_case_to_south(bot, tmp_path, NOW)


def transfer_audits(bot) -> list[TransferAudit]:
    with bot.services.make_session() as session:
        return session.exec(select(TransferAudit)).all()


def values(fit="fit", grade="Good", why=WHY):
    return {
        "fit": {"fit": {"type": "radio_buttons", "selected_option": fit and {"value": fit}}},
        "judgement": {
            "judgement": {"type": "static_select", "selected_option": grade and {"value": grade}}
        },
        "justification": {"justification": {"type": "plain_text_input", "value": why}},
    }


def test_the_head_of_service_audits_the_file_of_a_case_that_moved_team(start_bot, tmp_path):
    clock = Clock(NOW)
    bot = start(start_bot, BOLTON, clock)
    move_north_case_to_south(bot, tmp_path)
    head = uid(bot, "head")
    [request] = bot.dms_containing(head, "Transfer audit")
    text = json.dumps(request["blocks"])
    assert "CR-N000" in text and "from North to South" in text
    assert "head of service for the team it left, North" in text
    assert "Wednesday 16 December" in text or "2026-12-16" in text  # 10 working days
    [asked] = transfer_audits(bot)
    assert asked.auditor_id == bot.people["head"].id and str(asked.due_on) == "2026-12-16"

    # Someone else pressing the button is refused, and nothing opens.
    bot.click(uid(bot, "north_tm"), request, "transfer_audit.open")
    assert bot.slack.wait_for(lambda: any("Only the manager" in r for r in ephemeral_replies(bot)))

    form = click_for_view(bot, head, request, "transfer_audit.open", "transfer_audit.submit")
    assert "Is the file fit for purpose?" in json.dumps(form)
    errors = bot.submit(head, form, values(fit=None, grade=None, why="Fine.")).json["errors"]
    assert set(errors) == {"fit", "judgement", "justification"}
    assert transfer_audits(bot)[0].status == "requested"

    clock.now = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)
    assert not bot.submit(
        head, form, values(fit="not_fit", grade="Requires improvement to be good")
    ).body
    [done] = transfer_audits(bot)
    assert (done.status, done.fit_for_purpose, done.judgement) == (
        "done",
        False,
        "Requires improvement to be good",
    )
    assert done.justification == WHY and done.completed_by_id == bot.people["head"].id
    again = bot.submit(head, form, values()).json["errors"]
    assert "Hana Head recorded this file's transfer audit" in again["justification"]
    bot.wait_until_sent()
    [update] = [
        c.params
        for c in bot.slack.calls("chat.update")
        if "Transfer audit recorded" in c.params["text"]
    ]
    assert "*not* fit for purpose" in json.dumps(update["blocks"])
    assert "transfer_audit.open" not in json.dumps(update["blocks"])

    move_north_case_to_south(bot, tmp_path)  # the same file again: nothing moved, nothing asked
    assert len(transfer_audits(bot)) == 1
    with bot.services.make_session() as session:
        logged = session.exec(
            select(AuditLogEntry.action)
            .where(AuditLogEntry.action.startswith("transfer_audit."))
            .order_by(AuditLogEntry.id)
        ).all()
    assert logged == ["transfer_audit.requested", "transfer_audit.done"]


def test_off_by_default_no_one_is_asked(start_bot, tmp_path):
    bot = start(start_bot, Policy(), Clock(NOW))
    move_north_case_to_south(bot, tmp_path)
    bot.wait_until_sent()
    assert transfer_audits(bot) == []
    assert bot.dms_containing(uid(bot, "head"), "Transfer audit", 0) == []


def test_a_transfer_audit_not_recorded_by_its_due_date_is_chased(start_bot, tmp_path):
    clock = Clock(NOW)
    bot = start(start_bot, BOLTON, clock)
    move_north_case_to_south(bot, tmp_path)
    head = uid(bot, "head")
    clock.now = datetime(2026, 12, 17, 10, 30, tzinfo=UTC)  # a working day after the due date
    run_due_work(bot.services, clock.now)
    [chase] = bot.dms_containing(head, "chase.snooze")
    text = json.dumps(chase["blocks"])
    assert "Audit the file of CR-N000, which moved team" in text
    form = click_for_view(bot, head, chase, "chase.act.1", "transfer_audit.submit")
    assert not bot.submit(head, form, values()).body
    assert transfer_audits(bot)[0].status == "done"
