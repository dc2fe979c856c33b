"""Links to the case system (issue 13, part 5): the policy's `case_link` turns every case
reference in DMs and modals into a Slack link; plain-text fields keep the bare reference."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from types import SimpleNamespace as Obj

import pytest
from pydantic import ValidationError

import messages
from bot.chasing.nudges import Held, chase_context
from bot.chasing.overdue import OverdueItem
from bot.chasing.rules import OWNER, Step
from bot.policy.schema import Policy, describe_validation_error
from messages import escape_mrkdwn, linking_cases, render
from tests.support import factories
from tests.support.harness import click_for_view
from tests.unit.test_messages import SAMPLES, check_block, check_modal, home_samples, person

CASE_LINK = "https://case-system.example/cases/{case_ref}"
LINKED = re.compile(r"<https://case-system\.example/cases/[^|<>\s]+\|[^<>]+>")
CASE_REF = re.compile(r"CR-\d")


@pytest.fixture
def linking():
    with linking_cases(CASE_LINK):
        yield


def texts(rendered: object, kind: str) -> list[str]:
    """Every text object of this kind ("mrkdwn" or "plain_text") in a message or view."""
    found = []
    if isinstance(rendered, dict):
        if rendered.get("type") == kind and isinstance(rendered.get("text"), str):
            found.append(rendered["text"])
        for value in rendered.values():
            found.extend(texts(value, kind))
    elif isinstance(rendered, list):
        for item in rendered:
            found.extend(texts(item, kind))
    return found


def test_a_reference_becomes_an_encoded_link(linking):
    dm = render("selection_replaced", case_ref="CR/12 3&4", month="May 2027", reason="moved")
    section = texts(dm["blocks"], "mrkdwn")[0]
    assert "<https://case-system.example/cases/CR%2F12%203%264|CR/12 3&amp;4>" in section
    assert dm["text"].startswith("Replaced: CR/12 3&amp;4 is no longer")  # notifications: bare


def test_a_chasing_dm_links_the_case_its_items_name(linking):
    items = [
        Held(
            OverdueItem(
                kind=kind, item_id=n, owner=person, manager=person, team=Obj(name="North"),
                label=f"{verb} CR-N{n} & more", due_on=date(2026, 12, 1), button="Open",
                case_ref=f"CR-N{n}",
            ),
            Step(OWNER, date(2026, 12, 2)),
            working_days_overdue=2,
        )
        for n, (kind, verb) in enumerate(
            [("audit_overdue", "Submit the audit of"), ("action_overdue", "Action on")]
        )
    ]  # fmt: skip
    rendered = render("chase_dm", **chase_context(items))
    mrkdwn = " ".join(texts(rendered["blocks"], "mrkdwn"))
    assert "<https://case-system.example/cases/CR-N0|CR-N0> &amp; more" in mrkdwn
    assert "<https://case-system.example/cases/CR-N1|CR-N1> &amp; more" in mrkdwn


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_case_reference_in_mrkdwn_is_linked_and_plain_text_is_not(linking, name):
    rendered = render(name, **(SAMPLES | home_samples())[name])
    for text in texts(rendered, "mrkdwn"):
        assert not CASE_REF.search(LINKED.sub("", text)), f"unlinked case reference in {text!r}"
    plain = [*texts(rendered, "plain_text"), rendered.get("text", "")]
    assert not [text for text in plain if "https://case-system" in text]
    if rendered.get("type") == "modal":
        check_modal(rendered)
    else:
        for block in rendered["blocks"]:
            check_block(block)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_without_a_case_link_templates_are_unchanged(name, monkeypatch):
    rendered = render(name, **SAMPLES[name])
    # What every template rendered before links existed: the reference escaped, nothing more.
    monkeypatch.setitem(messages._env.filters, "case_link", escape_mrkdwn)
    assert rendered == render(name, **SAMPLES[name])


@pytest.mark.parametrize(
    "template, words",
    [
        ("http://case-system.example/cases/{case_ref}", "case_link: must be an https:// address"),
        ("https://case-system.example/cases", "case_link: must contain {case_ref}"),
        ("https://case-system.example/cases?id={case_ref}|x", "must not contain spaces"),
    ],
)
def test_a_bad_case_link_names_the_field(template, words):
    with pytest.raises(ValidationError) as error:
        Policy(case_link=template)
    assert words in describe_validation_error(error.value)


# --- through Slack ---------------------------------------------------------------------------

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.fixture
def running(start_bot):
    return start_bot(
        lambda: NOW,
        policy=Policy(case_link=CASE_LINK),
        people=lambda s: factories.authority(s, cases_per_team=1),
    )


def test_the_selection_dm_and_the_booking_form_link_the_case(running):
    manager = running.people["north_tm"].slack_user_id
    running.command(running.people["admin"].slack_user_id, "select 2026-12")
    dm = running.dms_to(manager)[0]
    link = "<https://case-system.example/cases/CR-N000|CR-N000>"
    assert link in json.dumps(dm["blocks"])
    assert "https://" not in dm["text"]
    form = click_for_view(running, manager, dm, "booking.open", "booking.submit")
    assert link in json.dumps(form["blocks"])
