"""The completed audit for the child's record through the signed HTTP endpoint: the manager
submits an audit, presses "Download for the child's record" on its result DM or the Home tab,
and the Word document reaches their DM at the stand-in; anyone else is refused."""

from __future__ import annotations

import json

import pytest

from tests.http.test_audit import (
    FRIDAY,
    WHY,
    final_values,
    running_bot,
    submit,
    uid,
    walk_domain_steps,
)
from tests.http.test_report import uploads_to, wait_for_uploads
from tests.support.harness import Clock, ephemeral_replies
from tests.support.word import document_lines, headings

pytestmark = pytest.mark.integration
BUTTON = "audit.record"


@pytest.fixture
def audited(start_bot):
    """December drawn, and North's manager's audit submitted with one action."""
    bot = running_bot(start_bot, Clock(FRIDAY))
    assert not submit(bot, walk_domain_steps(bot), final_values(bot)).body
    return bot


def result_dm(bot) -> dict:
    return bot.dms_containing(uid(bot, "north_tm"), "Audit submitted")[0]


def case_ref_of(bot) -> str:
    return result_dm(bot)["text"].removeprefix("Audit submitted: ")


def test_the_result_dm_button_sends_the_document_to_the_managers_dm(audited):
    manager = uid(audited, "north_tm")
    audited.click(manager, result_dm(audited), BUTTON)
    [(name, content)] = wait_for_uploads(audited, manager, 1).items()
    case_ref = case_ref_of(audited)
    assert name.startswith(f"audit-{case_ref}-") and name.endswith(".docx")
    lines = document_lines(content)
    assert headings(content)[0] == f"Case file audit: {case_ref}"
    assert f"Case reference | {case_ref}" in lines and "Auditor | Nina North" in lines
    assert lines.count(f"Why: {WHY}") == 7
    assert "Overall judgement: Good" in lines
    assert "Update the chronology | Pat Worker | Friday 18 December 2026 | Open" in lines
    assert "She is safer at home now." in lines
    assert audited.slack.wait_for(lambda: ephemeral_replies(audited))
    assert "as a Word document in a direct message" in ephemeral_replies(audited)[-1]


def test_only_the_managers_result_dm_has_the_button(audited):
    feedback = audited.dms_containing(uid(audited, "north_worker"), "your feedback")[0]
    assert BUTTON not in json.dumps(feedback)
    assert BUTTON in json.dumps(result_dm(audited))


def test_the_home_tab_offers_the_same_button(audited):
    manager = uid(audited, "north_tm")
    home = audited.open_home(manager)
    assert "Your submitted audits" in json.dumps(home)
    audited.click_home(manager, home, BUTTON)
    [content] = wait_for_uploads(audited, manager, 1).values()
    assert f"Case reference | {case_ref_of(audited)}" in document_lines(content)


@pytest.mark.parametrize("intruder", ["south_tm", "north_worker"])
def test_a_forged_press_by_someone_not_entitled_is_refused_and_nothing_is_sent(audited, intruder):
    audited.click(uid(audited, intruder), result_dm(audited), BUTTON)
    assert audited.slack.wait_for(lambda: ephemeral_replies(audited))
    assert "only the auditor, the case's team manager" in ephemeral_replies(audited)[-1]
    audited.wait_until_sent()
    assert not audited.slack.calls("files.completeUploadExternal")
    assert not uploads_to(audited, uid(audited, intruder))


def test_the_service_manager_in_the_line_may_have_it(audited):
    service_manager = uid(audited, "service_manager")
    audited.click(service_manager, result_dm(audited), BUTTON)
    [content] = wait_for_uploads(audited, service_manager, 1).values()
    assert f"Case reference | {case_ref_of(audited)}" in document_lines(content)
