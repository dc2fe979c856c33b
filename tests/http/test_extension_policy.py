"""Extensions turned off or capped by policy (issue 22, part 6), through the signed HTTP
endpoint: turned off, no "Ask for more time" is offered and a forged click or form is refused;
capped, a later date is refused on its field and nothing changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.policy.schema import AuditPolicy, Policy
from models import Extension
from tests.support import factories
from tests.support.harness import Clock, click_for_view, ephemeral_replies

pytestmark = pytest.mark.integration
REASON = "The practitioner is on leave until the new year."
UNTIL = {"until": {"until": {"type": "datepicker", "selected_date": "2027-01-08"}}}


def start(start_bot, audit: AuditPolicy):
    clock = Clock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    bot = start_bot(
        clock,
        policy=Policy(audit=audit),
        people=lambda s: factories.authority(s, cases_per_team=3),
    )
    bot.tm = bot.people["north_tm"].slack_user_id
    bot.command(bot.people["admin"].slack_user_id, "select 2026-12")
    bot.selection_dm = bot.dms_containing(bot.tm, "CR-N")[0]
    clock.now = datetime(2026, 12, 29, 11, 0, tzinfo=UTC)
    return bot


def extensions(bot) -> list[Extension]:
    with bot.services.make_session() as session:
        return list(session.exec(select(Extension)).all())


def forged_button(selection_dm: dict) -> dict:
    """The selection DM with an "Ask for more time" button added, as a forger would send."""
    button = {"type": "button", "action_id": "extension.open", "value": "1", "text": {}}
    selection_id = next(
        element["value"]
        for block in selection_dm["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    )
    button["value"] = selection_id
    return {**selection_dm, "blocks": [{"type": "actions", "elements": [button]}]}


def test_turned_off_no_button_is_offered_and_a_forged_request_is_refused(start_bot):
    bot = start(start_bot, AuditPolicy(extensions_enabled=False))
    assert "extension.open" not in json.dumps(bot.selection_dm["blocks"])
    bot.click(bot.tm, forged_button(bot.selection_dm), "extension.open")
    assert bot.slack.wait_for(lambda: ephemeral_replies(bot))
    assert "Extensions are turned off" in ephemeral_replies(bot)[-1]
    assert extensions(bot) == []


def test_capped_a_later_date_is_refused_inline(start_bot):
    bot = start(start_bot, AuditPolicy(extension_max_working_days=5))
    form = click_for_view(bot, bot.tm, bot.selection_dm, "extension.open", "extension.submit")
    assert "The latest date you can ask for is" in json.dumps(form["blocks"])
    values = {
        "until": {"until": {"type": "datepicker", "selected_date": "2027-01-11"}},
        "reason": {"reason": {"type": "plain_text_input", "value": REASON}},
    }
    answer = bot.submit(bot.tm, form, values)
    assert answer.status == 200
    errors = json.loads(answer.body)["errors"]
    assert errors == {
        "until": "An extension can be at most 5 working days: pick Friday 8 January 2027 or "
        "earlier."
    }
    assert extensions(bot) == []
    values["until"] = UNTIL["until"]
    assert not bot.submit(bot.tm, form, values).body
    assert [e.new_due_on.isoformat() for e in extensions(bot)] == ["2027-01-08"]
