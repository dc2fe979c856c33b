"""The messages of an audit round: the auditor's case DM and the practitioner's attendance DM,
each kept up to date with chat.update (through the outbox) as attendance and the audit move on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from bot.core.outbox import queue_dm, queue_update
from bot.policy.schema import ROUND_KINDS, FrameworkPolicy, Policy
from bot.rounds.invitation import queue_audit_day_invitations
from messages import render
from models import (
    Audit,
    AuditRound,
    Case,
    PoorPractice,
    RoundCase,
    RoundJudgement,
    Selection,
    Staff,
    Team,
)
from models.statuses import SelectionStatus


def round_framework(policy: Policy, audit_round: AuditRound) -> FrameworkPolicy:
    """The round's question set: its theme's, or the main audit framework."""
    return policy.rounds.framework_for(audit_round.theme, policy.framework)


def framework_for_selection(session: Session, policy: Policy, selection_id: int) -> FrameworkPolicy:
    """The question set an audit of this selection answers: its round's, or the main one."""
    round_case = round_case_of_selection(session, selection_id)
    if round_case is None:
        return policy.framework
    return round_framework(policy, session.get(AuditRound, round_case.round_id))


def round_case_manager(session: Session, selection_id: int) -> list[Staff]:
    """For a round's audit, the case's team manager (the auditor is usually someone else), who
    must hear of an immediate concern at once as well as the auditor's line; else nobody."""
    round_case = round_case_of_selection(session, selection_id)
    if round_case is None:
        return []
    practitioner = session.get(Staff, session.get(Case, round_case.case_id).worker_id)
    manager = session.get(Staff, practitioner.manager_id) if practitioner.manager_id else None
    if manager is None or not manager.is_active or manager.id == round_case.auditor_id:
        return []
    return [manager]


def round_case_of_selection(session: Session, selection_id: int) -> RoundCase | None:
    return session.exec(select(RoundCase).where(RoundCase.selection_id == selection_id)).first()


def auditor_dm_key(round_case: RoundCase) -> str:
    return f"round-case:{round_case.id}:auditor"


def partner_dm_key(round_case: RoundCase) -> str:
    """The partner's copy of the auditor's DM, on a paired audit day (issue 25)."""
    return f"round-case:{round_case.id}:partner"


def attendance_dm_key(round_case: RoundCase) -> str:
    return f"round-case:{round_case.id}:attendance"


def attendance_reminder_key(round_case: RoundCase, number: int) -> str:
    return f"{attendance_dm_key(round_case)}:reminder:{number}"


def _context(session: Session, policy: Policy, round_case: RoundCase) -> dict[str, Any]:
    audit_round = session.get(AuditRound, round_case.round_id)
    case = session.get(Case, round_case.case_id)
    audit = session.exec(select(Audit).where(Audit.selection_id == round_case.selection_id))
    selection = session.get(Selection, round_case.selection_id)
    audit = audit.first()
    return {
        "round": audit_round,
        "kind": ROUND_KINDS[audit_round.kind],
        "framework": round_framework(policy, audit_round),
        "round_case": round_case,
        "case": case,
        "team": session.get(Team, case.team_id),
        "auditor": session.get(Staff, round_case.auditor_id),
        "practitioner": session.get(Staff, case.worker_id),
        "audit": audit,
        "swapped": selection.status == SelectionStatus.REPLACED,
        "partner": session.get(Staff, round_case.partner_id) if round_case.partner_id else None,
        "poor_practice": {
            "offered": bool(audit_round.definition.get("poor_practice")),
            "report": session.exec(
                select(PoorPractice).where(PoorPractice.round_case_id == round_case.id)
            ).first(),
        },
        "judgement": session.exec(
            select(RoundJudgement).where(RoundJudgement.audit_id == audit.id)
        ).first()
        if audit is not None
        else None,
    }


def queue_round_case_messages(
    session: Session, policy: Policy, round_case: RoundCase, now: datetime
) -> None:
    """The auditor's DM with the case, the practitioner's request to confirm attendance, and
    the audit day's calendar invitation to both."""
    context = _context(session, policy, round_case)
    for key, recipient in _auditor_dms(round_case, context):
        queue_dm(
            session,
            key=key,
            recipient=recipient,
            message=render("round_auditor_dm", reader_id=recipient.id, **context),
            concern=f"round-case:{round_case.id}",
            now=now,
        )
    queue_attendance_request(session, policy, round_case, now, reminder=None)
    queue_audit_day_invitations(session, round_case, now)


def _auditor_dms(round_case: RoundCase, context: dict[str, Any]) -> list[tuple[str, Staff]]:
    """The auditor's DM, and on a paired audit day their partner's copy of it."""
    dms = [(auditor_dm_key(round_case), context["auditor"])]
    if context["partner"] is not None:
        dms.append((partner_dm_key(round_case), context["partner"]))
    return dms


def queue_attendance_request(
    session: Session, policy: Policy, round_case: RoundCase, now: datetime, reminder: int | None
) -> None:
    context = _context(session, policy, round_case)
    queue_dm(
        session,
        key=attendance_reminder_key(round_case, reminder)
        if reminder
        else attendance_dm_key(round_case),
        recipient=context["practitioner"],
        message=render("round_attendance_dm", reminder=reminder, **context),
        concern=f"round-case:{round_case.id}",
        now=now,
    )


def refresh_round_case_messages(
    session: Session, policy: Policy, round_case: RoundCase, change: str, now: datetime
) -> None:
    """Update the auditor's DM (attendance, audit progress) and the practitioner's request."""
    session.flush()
    context = _context(session, policy, round_case)
    updates = [
        (key, "round_auditor_dm", {"reader_id": reader.id})
        for key, reader in _auditor_dms(round_case, context)
    ]
    for update_of, template, reader in (
        *updates,
        (attendance_dm_key(round_case), "round_attendance_dm", {}),
    ):
        queue_update(
            session,
            key=f"{update_of}:{change}",
            update_of=update_of,
            message=render(template, reminder=None, **context, **reader),
            concern=f"round-case:{round_case.id}",
            now=now,
        )


def refresh_after_audit_change(
    session: Session, policy: Policy, selection: Selection, change: str, now: datetime
) -> bool:
    """For a round's audit: refresh the round's messages and say so (True); False otherwise."""
    round_case = round_case_of_selection(session, selection.id)
    if round_case is None:
        return False
    refresh_round_case_messages(session, policy, round_case, change, now)
    return True
