"""Audits that look back twelve months (issue 25, Bolton: "Audits should look back over the
previous 12 months"): with framework.look_back_months the case message and every page of the
audit form say so, and the record states the period; without it, nothing is said."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.audit.record_document import audit_record_docx
from bot.policy.schema import Policy
from messages import render
from tests.http.test_audit import running_bot, uid
from tests.support.harness import Clock, click_for_view
from tests.support.word import document_lines
from tests.unit.test_messages import SAMPLES
from tests.unit.test_record_document import HALTON

pytestmark = pytest.mark.integration
LOOK = "Look at the last 12 months of the file."


@pytest.mark.parametrize("months", [12, None])
def test_the_case_message_and_the_audit_form_say_how_far_back_to_look(start_bot, months):
    policy = Policy(framework={"look_back_months": months})
    bot = running_bot(start_bot, Clock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC)), policy)
    nina = uid(bot, "north_tm")
    [case_message] = bot.dms_to(nina)
    form = click_for_view(bot, nina, case_message, "audit.start", "audit.step")
    for shown in (case_message, form):
        assert (LOOK in json.dumps(shown)) is (months is not None)


def test_the_record_states_the_period_looked_at():
    bolton = replace(HALTON, look_back_months=12)
    period = "Period looked at | the 12 months to Thursday 17 December 2026"
    assert period in document_lines(audit_record_docx(bolton))
    assert not any("Period" in line for line in document_lines(audit_record_docx(HALTON)))


def test_a_round_auditor_is_told_too():
    sample = SAMPLES["round_auditor_dm"]
    framework = sample["framework"].model_copy(update={"look_back_months": 12})
    assert LOOK in json.dumps(render("round_auditor_dm", **sample | {"framework": framework}))
    assert LOOK not in json.dumps(render("round_auditor_dm", **sample))
