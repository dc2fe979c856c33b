"""The practitioner confirms they will attend the audit of their case, or says why not; the
auditor's DM and their own request are updated, and reminders stop."""

from __future__ import annotations

import json

from sqlalchemy import update
from sqlmodel import Session, col

from bot.core import auditlog
from bot.core.actor import parse_id, require_actor
from bot.core.errors import AuditbotError, InvalidRequest, NotAllowed
from bot.core.services import Services
from bot.rounds.messages import refresh_round_case_messages
from bot.selection.redraw import Reply
from messages import render
from models import Case, RoundCase, Staff
from models.db import transaction

MIN_REASON = 10
ALREADY_ANSWERED = "You have already answered: the auditor has your reply."


def confirm_attendance(services: Services, slack_user_id: str, value: str) -> Reply:
    try:
        _answer(services, slack_user_id, value, "yes", None)
    except AuditbotError as error:
        return Reply(text=str(error))
    services.deliver_soon()
    return Reply(text="Thank you: the auditor knows you will attend.")


def open_decline_form(services: Services, slack_user_id: str, value: str) -> Reply:
    try:
        with services.make_session() as session:
            round_case = _own_pending(session, slack_user_id, value)
            return Reply(
                view=render(
                    "round_decline_modal",
                    case_ref=session.get(Case, round_case.case_id).case_ref,
                    private_metadata=json.dumps({"round_case_id": round_case.id}),
                )
            )
    except AuditbotError as error:
        return Reply(text=str(error))


def submit_decline(
    services: Services, slack_user_id: str, private_metadata: str, reason: str
) -> dict[str, str] | None:
    """Record "can't attend" with its reason; inline errors for the form, or None when done."""
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        return {
            "reason": f"Please give the reason in a few words (at least {MIN_REASON} characters)."
        }
    value = str(json.loads(private_metadata).get("round_case_id", ""))
    try:
        _answer(services, slack_user_id, value, "no", reason)
    except AuditbotError as error:
        return {"reason": str(error)}
    services.deliver_soon()
    return None


def _own_pending(session: Session, slack_user_id: str, value: str) -> RoundCase:
    actor = require_actor(session, slack_user_id)
    round_case = session.get(RoundCase, parse_id(value))
    if round_case is None or session.get(Case, round_case.case_id).worker_id != actor.id:
        raise NotAllowed("Only the case's practitioner can answer this.")
    if round_case.attendance != "pending":
        raise InvalidRequest(ALREADY_ANSWERED)
    return round_case


def _answer(
    services: Services, slack_user_id: str, value: str, answer: str, reason: str | None
) -> None:
    now = services.now()
    with transaction(services.make_session) as session:
        round_case = _own_pending(session, slack_user_id, value)
        changed = session.execute(
            update(RoundCase)
            .where(col(RoundCase.id) == round_case.id, RoundCase.attendance == "pending")
            .values(attendance=answer, attendance_reason=reason, attendance_at=now)
        ).rowcount
        if changed != 1:  # a double click: the first one answered
            raise InvalidRequest(ALREADY_ANSWERED)
        session.refresh(round_case)
        practitioner = session.get(Staff, session.get(Case, round_case.case_id).worker_id)
        auditlog.record(
            session,
            actor=practitioner.email,
            action=f"round.attendance.{answer}",
            subject=f"round-case:{round_case.id}",
            now=now,
        )
        refresh_round_case_messages(
            session, services.policy, round_case, f"attendance-{answer}", now
        )
