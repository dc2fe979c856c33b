"""When a practitioner can't attend the audit of their case, the administrators choose what
happens: swap the case for another drawn by the same rules, draw another as well, or keep it.

The first choice is carried out once: the round case is locked, and the choice is recorded in
the audit log, where a second click (the same administrator's, another's, or Slack's retry)
finds it made. The auditor, the practitioner and the other administrators are told."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.core import auditlog
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import on_click
from bot.policy.schema import Policy
from bot.rounds.draw import eligible_candidates, record_round_case
from bot.rounds.invitation import queue_audit_day_invitations
from bot.rounds.messages import queue_round_case_messages, refresh_round_case_messages
from bot.rounds.pairs import assign_pairs
from bot.rounds.rules import spread_across_areas
from messages import render
from models import (
    Audit,
    AuditLogEntry,
    AuditRound,
    Case,
    RoundCase,
    Selection,
    SelectionRound,
    Staff,
)
from models.statuses import Attendance, SelectionStatus, StaffStatus

# The administrator's choices, by the action recorded in the audit log.
CHOICES = {
    "round.absence.swap": "swap the case for another",
    "round.absence.another": "keep the case and draw another",
    "round.absence.keep": "keep the case",
}
ADMINS_ONLY = "Sorry, only admins can decide this. Nothing has been changed."
GONE = "That case is no longer in the round."


def administrators(session: Session) -> list[Staff]:
    active = session.exec(select(Staff).where(Staff.status == StaffStatus.ACTIVE)).all()
    return [person for person in active if person.has_role("admin")]


def _dm_key(round_case: RoundCase, admin: Staff) -> str:
    return f"round-case:{round_case.id}:absence:{admin.id}"


def _context(session: Session, round_case: RoundCase) -> dict:
    case = session.get(Case, round_case.case_id)
    return {
        "round": session.get(AuditRound, round_case.round_id),
        "round_case": round_case,
        "case": case,
        "practitioner": session.get(Staff, case.worker_id),
        "auditor": session.get(Staff, round_case.auditor_id),
    }


def ask_administrators(session: Session, round_case: RoundCase, now: datetime) -> None:
    """Each administrator is asked, with buttons, what to do about the case."""
    message = render("round_absence_dm", decision=None, **_context(session, round_case))
    for admin in administrators(session):
        queue_dm(
            session,
            key=_dm_key(round_case, admin),
            recipient=admin,
            message=message,
            concern=f"round-case:{round_case.id}",
            now=now,
        )


def decision_of(session: Session, round_case: RoundCase) -> AuditLogEntry | None:
    return session.exec(
        select(AuditLogEntry).where(
            col(AuditLogEntry.action).in_(list(CHOICES)),
            AuditLogEntry.subject == f"round-case:{round_case.id}",
        )
    ).first()


@on_click(RoundCase, missing=GONE)
def swap_case(uow: UnitOfWork, round_case: RoundCase) -> Reply:
    return _decide(uow, round_case, "round.absence.swap")


@on_click(RoundCase, missing=GONE)
def draw_another_case(uow: UnitOfWork, round_case: RoundCase) -> Reply:
    return _decide(uow, round_case, "round.absence.another")


@on_click(RoundCase, missing=GONE)
def keep_case(uow: UnitOfWork, round_case: RoundCase) -> Reply:
    return _decide(uow, round_case, "round.absence.keep")


def _decide(uow: UnitOfWork, round_case: RoundCase, choice: str) -> Reply:
    session, now = uow.session, uow.now
    if not uow.actor.has_role("admin"):
        raise NotAllowed(ADMINS_ONLY)
    made = decision_of(session, round_case)
    if made is not None:
        return Reply.say(
            f"Already decided by {made.actor}: {CHOICES[made.action]}. Nothing more has changed."
        )
    if round_case.attendance != Attendance.NO:
        raise InvalidRequest("The practitioner has not said they can't attend.")
    context = _context(session, round_case)
    replacement = None
    if choice != "round.absence.keep":
        replacement = _draw_one_more(session, uow.policy, round_case, now)
    if choice == "round.absence.swap":
        _swap_out(session, round_case, uow.actor, now)
    auditlog.record(
        session,
        actor=uow.actor.email,
        action=choice,
        subject=f"round-case:{round_case.id}",
        now=now,
        replacement=replacement.id if replacement else None,
    )
    decision = {
        "choice": CHOICES[choice],
        "swapped": choice == "round.absence.swap",
        "by": uow.actor,
        "replacement": _context(session, replacement) if replacement else None,
    }
    _tell_everyone(session, uow.policy, round_case, context, decision, now)
    new = decision["replacement"]
    not_on_slack = (
        f" {new['practitioner'].name}, the practitioner of {new['case'].case_ref}, is not on"
        " Slack: please ask them yourself whether they can attend."
        if new and not new["practitioner"].slack_user_id
        else ""
    )
    drawn = f" {new['case'].case_ref} has been drawn for the auditor." if new else ""
    return Reply.say(f"Done: {decision['choice']}.{drawn}{not_on_slack}")


def _swap_out(session: Session, round_case: RoundCase, admin: Staff, now: datetime) -> None:
    """The case leaves the round: its selection is replaced, so nothing is audited or counted."""
    if session.exec(select(Audit.id).where(Audit.selection_id == round_case.selection_id)).first():
        raise InvalidRequest("Its audit has started, so it can't be swapped. Nothing has changed.")
    selection = session.get(Selection, round_case.selection_id)
    selection.status = SelectionStatus.REPLACED
    selection.replaced_reason = f"practitioner can't attend: {round_case.attendance_reason}"
    selection.replaced_by = admin.email
    selection.replaced_at = now
    session.add(selection)


def _draw_one_more(
    session: Session, policy: Policy, round_case: RoundCase, now: datetime
) -> RoundCase:
    """Another case for the same auditor, by the round's recorded criteria: not one already in
    the round, nor another of the absent practitioner's; seeded from the round's seed."""
    audit_round = session.get(AuditRound, round_case.round_id)
    selection_round = session.get(SelectionRound, audit_round.selection_round_id)
    in_round = set(
        session.exec(select(RoundCase.case_id).where(RoundCase.round_id == audit_round.id)).all()
    )
    absent = session.get(Case, round_case.case_id).worker_id
    candidates = [
        candidate
        for candidate in eligible_candidates(session, selection_round.criteria)
        if candidate.case_id not in in_round and candidate.worker_id != absent
    ]
    ordered = spread_across_areas(candidates, f"{selection_round.seed}:absence:{round_case.id}")
    pair = (round_case.auditor_id, round_case.partner_id)
    assigned = assign_pairs(ordered, [pair], 1, one_each=False)
    if not assigned:
        raise InvalidRequest(
            "No other eligible case could be drawn for this auditor. Nothing has changed:"
            " you can keep the case."
        )
    [(candidate, (auditor_id, partner_id))] = assigned
    new = record_round_case(
        session,
        selection_round,
        audit_round,
        candidate,
        auditor_id,
        now,
        len(candidates),
        partner_id=partner_id,
    )
    queue_round_case_messages(session, policy, new, now)
    return new


def _tell_everyone(
    session: Session,
    policy: Policy,
    round_case: RoundCase,
    context: dict,
    decision: dict,
    now: datetime,
) -> None:
    """The administrators' questions show the decision; the auditor and the practitioner are
    told what happens to the case; a swapped case's auditor DM loses its audit button."""
    concern = f"round-case:{round_case.id}"
    answered = render("round_absence_dm", decision=decision, **context)
    for admin in administrators(session):
        queue_update(
            session,
            key=f"{_dm_key(round_case, admin)}:decided",
            update_of=_dm_key(round_case, admin),
            message=answered,
            concern=concern,
            now=now,
        )
    for reader in ("auditor", "practitioner"):
        queue_dm(
            session,
            key=f"{concern}:absence-outcome:{reader}",
            recipient=context[reader],
            message=render("round_absence_outcome_dm", reader=reader, decision=decision, **context),
            concern=concern,
            now=now,
        )
    if decision["swapped"]:
        refresh_round_case_messages(session, policy, round_case, "swapped", now)
        queue_audit_day_invitations(session, round_case, now, cancelled=True)
