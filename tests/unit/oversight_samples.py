"""Samples of the oversight practices' messages (issue 25, Bolton) for the template tests in
test_messages.py: every one rendered within Block Kit's limits, with hostile names escaped."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace as Obj
from typing import Any

from bot.audit.action_review import PROGRESS
from bot.policy.schema import OFSTED_GRADES
from bot.transfer_audit.rules import FIT_ANSWERS

LONG = "x" * 2900


def oversight_samples(person: Any, case: Any) -> dict[str, dict[str, Any]]:
    north, south = Obj(id=1, name="North <!here>"), Obj(id=2, name="South & co")
    requested = Obj(id=7, status="requested", due_on=date(2026, 12, 16))
    done = Obj(
        id=7, status="done", due_on=date(2026, 12, 16), fit_for_purpose=False,
        judgement=OFSTED_GRADES[2], justification=LONG,
    )  # fmt: skip
    transfer = dict(
        case=case, from_team=north, to_team=south, auditor=person, role="head of service",
        side="sending", completed_by=None,
    )  # fmt: skip
    action = Obj(id=3, what=LONG[:1000], due_on=date(2026, 12, 31), status="open")
    reviewed = Obj(
        action=action, owner=person, progress=Obj(progress="in_progress", note="y" * 1000)
    )
    review = dict(
        review=Obj(id=5, months_after=1), case=case, audited_on=date(2026, 12, 2),
        progress_words=PROGRESS,
    )  # fmt: skip
    supervision = Obj(
        id=9, year=2027, due_on=date(2027, 4, 29), grade=OFSTED_GRADES[2],
        justification=LONG, actions=LONG[:2000],
    )  # fmt: skip
    supervision_context = dict(
        audit=supervision, supervisor=person, auditor=person, completed_by=person,
        role="head of service", completed_on=date(2027, 4, 20),
    )  # fmt: skip
    overdue = Obj(
        practitioner=person, last_observed_on=date(2025, 11, 3), next_due_on=date(2026, 11, 3)
    )
    never = Obj(practitioner=person, last_observed_on=None, next_due_on=None)
    return {
        "observations_due_dm": dict(
            overdue=[overdue, never] * 40, due_soon=[overdue] * 40, total=120
        ),
        "supervision_audit_dm": supervision_context,
        "supervision_audit_result_dm": supervision_context,
        "supervision_audit_modal": dict(
            **supervision_context | dict(completed_by=None),
            grades=OFSTED_GRADES,
            min_justification=40,
            private_metadata='{"supervision_audit_id": 9}',
        ),  # fmt: skip
        "action_review_dm": dict(
            **review,
            actions=[reviewed] * 30,
            completed_by=person,
            completed_on=date(2027, 1, 4),
        ),  # fmt: skip
        "action_review_modal": dict(
            **review,
            actions=[Obj(action=action, owner=person, progress=None)] * 30,
            progress_choices=PROGRESS,
            private_metadata='{"action_review_id": 5}',
        ),  # fmt: skip
        "transfer_audit_dm": dict(
            **transfer | dict(completed_by=person), audit=done, completed_on=date(2026, 12, 3)
        ),
        "transfer_audit_modal": dict(
            **transfer,
            audit=requested,
            grades=OFSTED_GRADES,
            fit_answers=FIT_ANSWERS,
            min_justification=40,
            private_metadata='{"transfer_audit_id": 7}',
        ),  # fmt: skip
    }
