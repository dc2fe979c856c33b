"""An inadmissible audit's rules, command and result message, without a database."""

from __future__ import annotations

import json
from datetime import date
from types import SimpleNamespace as Obj

import pytest

from bot.audit.inadequate import lowest_grade
from bot.audit.inadmissible import reason_problems
from bot.commands.parser import UsageError, parse_audit_command
from bot.policy.schema import FrameworkPolicy
from messages import render
from tests.unit.test_messages import SAMPLES

NOTE = "The file holds another child's chronology."


@pytest.mark.parametrize(
    ("reason", "note", "problems"),
    [
        ("file_incomplete", None, {}),
        ("other", NOTE, {}),
        ("other", "  too   short ", {"note": 'For "other", please say why in at least 10'}),
        (None, NOTE, {"reason": "Please choose why"}),
        ("bored", NOTE, {"reason": "Please choose why"}),
    ],
)
def test_a_reason_is_required_and_other_needs_a_note(reason, note, problems):
    found = reason_problems(reason, note)
    assert set(found) == set(problems)
    assert all(found[field].startswith(start) for field, start in problems.items())


def test_the_command_takes_a_case_a_reason_and_an_optional_note():
    command = parse_audit_command(f"inadmissible CR-1234 Case-Transferred {NOTE}")
    assert (command.spec.name, command.case_ref, command.reason) == (
        "inadmissible",
        "CR-1234",
        "case_transferred",
    )
    assert command.note == NOTE
    assert parse_audit_command("inadmissible CR-1 wrong_case_type").note is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("inadmissible", "Say which case and why"),
        ("inadmissible CR-1", "Say which case and why"),
        ("inadmissible CR-1 dull", "`dull` is not a reason: use `wrong_case_type`"),
    ],
)
def test_bad_inadmissible_commands_are_explained(text, says):
    with pytest.raises(UsageError, match=says):
        parse_audit_command(text)


def result_dm(**extra) -> str:
    return json.dumps(render("audit_result_dm", **SAMPLES["audit_result_dm"] | extra))


def test_the_result_dm_offers_the_button_to_the_auditor_only_until_it_is_marked():
    assert "audit.inadmissible" in result_dm(audience="manager")
    assert "audit.inadmissible" not in result_dm(audience="practitioner")
    marked = Obj(id=5, overall="Good", is_inadmissible=True)
    assert "audit.inadmissible" not in result_dm(audience="manager", audit=marked)
    inadmissible = dict(
        label="Other", note=NOTE, by=Obj(name="Ann", slack_user_id="U1"), on=date.today()
    )
    shown = result_dm(audience="manager", audit=marked, inadmissible=inadmissible)
    assert "*Marked inadmissible* by <@U1>" in shown and NOTE in shown
    assert "audit.inadmissible" not in shown


def test_the_lowest_grade_is_the_frameworks_last_and_none_without_grades():
    assert lowest_grade(FrameworkPolicy()) == "Inadequate"
    assert lowest_grade(FrameworkPolicy(grades=["Good", "Poor"])) == "Poor"
    assert lowest_grade(FrameworkPolicy(grades=[])) is None
