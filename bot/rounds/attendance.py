"""The practitioner confirms they will attend the audit of their case, or says why not; the
auditor's DM and their own request are updated, and reminders stop."""

from __future__ import annotations

import json

from bot.core import auditlog
from bot.core.cover import require_acting_for
from bot.core.errors import InvalidRequest
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.rounds.absence import ask_administrators
from bot.rounds.messages import refresh_round_case_messages
from messages import render
from models import Case, RoundCase
from models.statuses import Attendance

MIN_REASON = 10
ALREADY_ANSWERED = "You have already answered: the auditor has your reply."


NOT_THEIRS = "Only the case's practitioner can answer this."


@on_click(RoundCase, missing=NOT_THEIRS)
def confirm_attendance(uow: UnitOfWork, round_case: RoundCase) -> Reply:
    _answer(uow, round_case, "yes", None)
    return Reply.say("Thank you: the auditor knows you will attend.")


@on_click(RoundCase, missing=NOT_THEIRS)
def open_decline_form(uow: UnitOfWork, round_case: RoundCase) -> Reply:
    _require_own_pending(uow, round_case)
    return Reply(
        view=render(
            "round_decline_modal",
            case_ref=uow.session.get(Case, round_case.case_id).case_ref,
            private_metadata=json.dumps({"round_case_id": round_case.id}),
        )
    )


@on_submit(RoundCase, key="round_case_id", missing=NOT_THEIRS)
def submit_decline(uow: UnitOfWork, round_case: RoundCase, form: Submission) -> Reply | None:
    """Record "can't attend" with its reason; inline errors for the form, or None when done."""
    reason = form.text("reason").strip()
    if len(reason) < MIN_REASON:
        return Reply.error(
            "reason", f"Please give the reason in a few words (at least {MIN_REASON} characters)."
        )
    _answer(uow, round_case, "no", reason)
    return None


def _require_own_pending(uow: UnitOfWork, round_case: RoundCase) -> None:
    """The practitioner's, or their cover's while they are away (logged on their behalf)."""
    worker_id = uow.session.get(Case, round_case.case_id).worker_id
    require_acting_for(uow.session, uow.actor, worker_id, now=uow.now, refusal=NOT_THEIRS)
    if round_case.attendance != Attendance.PENDING:
        raise InvalidRequest(ALREADY_ANSWERED)


def _answer(uow: UnitOfWork, round_case: RoundCase, answer: str, reason: str | None) -> None:
    """The practitioner's answer (the round case is locked: a double click answers once); a
    "can't attend" goes to the administrators to decide what happens to the case."""
    _require_own_pending(uow, round_case)
    session, now = uow.session, uow.now
    round_case.attendance = answer
    round_case.attendance_reason = reason
    round_case.attendance_at = now
    session.add(round_case)
    auditlog.record(
        session,
        actor=uow.actor.email,
        action=f"round.attendance.{answer}",
        subject=f"round-case:{round_case.id}",
        now=now,
    )
    refresh_round_case_messages(session, uow.policy, round_case, f"attendance-{answer}", now)
    if answer == Attendance.NO:
        ask_administrators(session, round_case, now)
