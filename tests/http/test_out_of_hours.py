"""A Category 1 raised out of hours, through the signed HTTP endpoint: by policy the re-send
clock runs in calendar hours (a Saturday alert is not left until Monday), and the out-of-hours
contact is told at once and may acknowledge it; within working hours they are not disturbed."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import pytest
from sqlmodel import select

from bot.core.calendar import LONDON
from bot.policy.schema import AuditPolicy, Policy
from models import SafeguardingAlert
from scheduler.jobs import run_due_work
from tests.http.test_audit import final_values, submit, uid, walk_domain_steps
from tests.support import factories
from tests.support.harness import Clock, ephemeral_replies, updates_of

pytestmark = pytest.mark.integration
DRAWN = datetime(2026, 11, 27, 10, 0, tzinfo=LONDON)  # Friday
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=LONDON)
DUTY_EMAIL = "dee.duty@example.gov.uk"


def with_duty_manager(session):
    return {**factories.authority(session, cases_per_team=4), "duty": factories.person(
        session, "Dee Duty", "service_manager"
    )}  # fmt: skip


def start(start_bot, **audit):
    clock = Clock(DRAWN)
    bot = start_bot(clock, policy=Policy(audit=AuditPolicy(**audit)), people=with_duty_manager)
    bot.command(uid(bot, "admin"), "select 2026-12")
    bot.clock = clock
    return bot


def raise_category_1(bot, at):
    bot.clock.now = at
    view = walk_domain_steps(bot)
    note = "The child disclosed harm at the weekend club this morning."
    assert not submit(bot, view, final_values(bot, concern="category_1", note=note)).body


def resent_to_head(bot, at):
    """Whether the head of service has been sent the alert again by `at`."""
    bot.clock.now = at
    run_due_work(bot.services, at)
    bot.wait_until_sent()
    return any(
        m["text"].startswith("Still waiting") for m in bot.slack.messages_to(uid(bot, "head"))
    )


def test_by_policy_a_saturday_alert_is_resent_four_calendar_hours_later(start_bot):
    bot = start(start_bot, alert_resend_clock="calendar_hours", out_of_hours_contact=DUTY_EMAIL)
    raise_category_1(bot, SATURDAY)
    duty = uid(bot, "duty")
    [alert] = bot.dms_containing(duty, "alert.ack")  # told at once, out of hours

    assert not resent_to_head(bot, datetime(2026, 11, 28, 13, 59, tzinfo=LONDON))
    assert resent_to_head(bot, datetime(2026, 11, 28, 14, 0, tzinfo=LONDON))
    [notice] = bot.dms_containing(uid(bot, "admin"), "Not yet acknowledged")
    assert "no response after 4 hours" in json.dumps(notice)
    assert f"<@{duty}>" in json.dumps(notice)  # sent again to the duty manager too
    assert bot.dms_containing(duty, "Still unacknowledged")

    bot.click(duty, alert, "alert.ack")  # the duty manager may act on it
    assert bot.slack.wait_for(lambda: updates_of(bot, alert["ts"]))
    assert "is acting on this" in json.dumps(updates_of(bot, alert["ts"])[-1])
    assert bot.dms_containing(uid(bot, "north_tm"), "is acting on the immediate concern")


def test_by_default_the_resend_clock_runs_in_working_hours_and_nobody_else_is_told(start_bot):
    bot = start(start_bot)
    raise_category_1(bot, SATURDAY)
    assert not resent_to_head(bot, datetime(2026, 11, 28, 14, 0, tzinfo=LONDON))
    assert not resent_to_head(bot, datetime(2026, 11, 30, 12, 59, tzinfo=LONDON))
    assert resent_to_head(bot, datetime(2026, 11, 30, 13, 0, tzinfo=LONDON))  # Monday
    assert not bot.slack.messages_to(uid(bot, "duty"))
    # Without the policy naming them, the duty manager may not acknowledge it.
    bot.click(uid(bot, "duty"), bot.dms_containing(uid(bot, "head"), "alert.ack")[0], "alert.ack")
    assert bot.slack.wait_for(lambda: ephemeral_replies(bot))
    assert "Only the service manager, head of service" in ephemeral_replies(bot)[0]
    with bot.services.make_session() as session:
        assert session.exec(select(SafeguardingAlert)).one().acknowledged_by is None


def test_within_working_hours_the_out_of_hours_contact_is_not_disturbed(start_bot):
    bot = start(start_bot, out_of_hours_contact=DUTY_EMAIL)
    raise_category_1(bot, datetime(2026, 11, 27, 11, 0, tzinfo=LONDON))
    assert bot.dms_containing(uid(bot, "head"), "alert.ack")
    bot.wait_until_sent()
    assert not bot.slack.messages_to(uid(bot, "duty"))


def test_an_out_of_hours_contact_not_on_the_staff_list_is_logged_and_the_line_still_told(
    start_bot, caplog
):
    bot = start(start_bot, out_of_hours_contact="nobody@example.gov.uk")
    with caplog.at_level(logging.ERROR, logger="bot.audit.alerts"):
        raise_category_1(bot, SATURDAY)
    assert bot.dms_containing(uid(bot, "head"), "alert.ack")
    assert "out-of-hours contact nobody@example.gov.uk is not an active member" in caplog.text
