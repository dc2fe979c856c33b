"""The calendar invitation to the day (or days) of a round's audit, for the auditor and the
practitioner of each drawn case: an all-day event (bot/core/ics.py makes the file).

One round case is one event (one UID): when the case is swapped out of the round, the same
event is cancelled (METHOD:CANCEL, a higher SEQUENCE), and the replacement case comes with its
own invitation. The summary names the case by its reference only: never a child's name."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core.ics import CalendarEvent, Person, event_ics, ics_filename
from bot.core.outbox import queue_files_dm
from bot.policy.schema import ROUND_KINDS
from messages import escape_mrkdwn, plain_date
from models import AuditRound, Case, RoundCase, Staff


def event_uid(round_case: RoundCase) -> str:
    return f"audit-day-{round_case.id}@auditbot"


def queue_audit_day_invitations(
    session: Session, round_case: RoundCase, now: datetime, *, cancelled: bool = False
) -> None:
    """The invitation (or its cancellation) to the auditor's and the practitioner's DMs."""
    audit_round = session.get(AuditRound, round_case.round_id)
    case = session.get(Case, round_case.case_id)
    auditor = session.get(Staff, round_case.auditor_id)
    practitioner = session.get(Staff, case.worker_id)
    event = _event(audit_round, round_case, case, auditor, practitioner, cancelled)
    ics = event_ics(event, now=now)
    kind = "invitation-cancelled" if cancelled else "invitation"
    for person in (auditor, practitioner):
        queue_files_dm(
            session,
            key=f"round-case:{round_case.id}:{kind}:{person.id}",
            recipient=person,
            files={ics_filename("audit-day", case.case_ref): ics},
            comment=_comment(audit_round, case, cancelled),
            concern=f"round-case:{round_case.id}",
            now=now,
        )


def _event(
    audit_round: AuditRound,
    round_case: RoundCase,
    case: Case,
    auditor: Staff,
    practitioner: Staff,
    cancelled: bool,
) -> CalendarEvent:
    kind = ROUND_KINDS[audit_round.kind]
    return CalendarEvent(
        uid=event_uid(round_case),
        sequence=1 if cancelled else 0,
        summary=f"{kind}: case {case.case_ref}",
        description=(
            f"{kind} '{audit_round.name}': {auditor.name} audits case {case.case_ref} and would "
            f"like to talk it through with {practitioner.name}. Confirm in Slack whether you "
            "can attend."
        ),
        organiser=Person(auditor.email, auditor.name),
        attendee=Person(practitioner.email, practitioner.name),
        first_day=audit_round.audit_on,
        last_day=audit_round.audit_until,
        cancelled=cancelled,
    )


def _comment(audit_round: AuditRound, case: Case, cancelled: bool) -> str:
    case_ref = escape_mrkdwn(case.case_ref)
    if cancelled:
        return (
            f"{case_ref} has left the round {escape_mrkdwn(audit_round.name)}: open this to take "
            "its audit day out of your calendar."
        )
    days = plain_date(audit_round.audit_on)
    if audit_round.audit_until:
        days += f" to {plain_date(audit_round.audit_until)}"
    return (
        f"The audit of {case_ref} ({days}): open this to put it in your calendar (Outlook or "
        "Google Calendar). If the case leaves the round, the same event is cancelled."
    )
