"""Reliability 8: the suite-wide channel privacy check (tests/support/privacy.py) really catches a
leak.

Every other test runs under that check; these prove it would fail a test whose channel post
carried a case reference or an email address, and that direct messages are not its concern."""

from __future__ import annotations

import pytest

from bot.demo.slack_standin import Call, SlackStandIn
from tests.database.test_sender import FakeClock, add_staff, dm, make_sender, post
from tests.support import privacy

pytestmark = [pytest.mark.reliability, pytest.mark.privacy_exempt]


def test_a_case_reference_or_email_posted_to_a_channel_is_caught(make_session):
    with SlackStandIn() as slack:
        post(make_session, "C0TEAM", "digest:leaky", text="3 audits due; CR-1234 is late")
        post(make_session, "G0PRIVATE", "digest:email", text="Ask sw@example.org about it")
        post(make_session, "C0TEAM", "digest:counts", text="3 audits due, 1 late")
        privacy.take_leaks()
        assert make_sender(make_session, slack, FakeClock()).deliver_due().sent == 3
    leaks = privacy.take_leaks()
    assert [(leak.channel, leak.found) for leak in leaks] == [
        ("C0TEAM", ("CR-1234",)),
        ("G0PRIVATE", ("sw@example.org",)),
    ]


def test_a_case_reference_in_a_direct_message_is_not_a_leak(make_session):
    worker = add_staff(make_session, "sw@example.org", "U0SW")
    with SlackStandIn() as slack:
        dm(make_session, worker, "nudge:sw")  # "Case CR-1234 audit is due"
        privacy.take_leaks()
        assert make_sender(make_session, slack, FakeClock()).deliver_due().sent == 1
    assert privacy.take_leaks() == []


def test_the_check_fails_a_test_that_leaked():
    """The per-test hook turns a leak recorded during a test into that test's failure."""

    class Node:
        def get_closest_marker(self, name):
            return None

    class Request:
        node = Node()

    hook = privacy.check_test(Request())  # type: ignore[arg-type]
    next(hook)  # the test starts
    privacy.observe(Call("chat.postMessage", {"channel": "C0TEAM", "text": "CR-9 is late"}))
    with pytest.raises(pytest.fail.Exception, match="CR-9"):
        next(hook)
