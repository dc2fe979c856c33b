"""No supervision in six months as an immediate-response trigger (Sefton: "If you identify an
immediate safeguarding concern or there is no supervision in a 6 month period, follow the
Immediate response process and complete an 'Immediate Response Audit Review Form.'").

With `framework.supervision_gap.enabled`, the audit's last step asks whether there has been such
a gap; a yes needs its own short form on that step (the gap's dates, why, the action agreed and
by when). On submission the team manager's line is alerted at once, on the same urgent path as a
Category 1 concern, with **I am acting on this**; unacknowledged after the policy's hours it is
sent again and the administrators are told. The QA briefing counts the gaps raised."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.audit.actions import case_of
from bot.audit.alerts import (
    alert_recipients,
    may_acknowledge,
    out_of_hours_contact,
    resend_due_at,
)
from bot.core import auditlog
from bot.core.errors import NotAllowed
from bot.core.months import Month
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import on_click
from bot.policy.schema import FrameworkPolicy
from messages import render
from models import Audit, Staff
from models.statuses import Priority, StaffStatus
from models.supervision_gap import SupervisionGapAlert

YES, NO = "yes", "no"
MIN_TEXT = 10
NUMBERS = {
    1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six",
    7: "seven", 8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve",
}  # fmt: skip
ONLY_THE_LINE = (
    "Only the service manager, head of service, the out-of-hours contact or an administrator "
    "can acknowledge this alert."
)


def asks_supervision_gap(framework: FrameworkPolicy) -> bool:
    return framework.supervision_gap.enabled


def gap_question(framework: FrameworkPolicy) -> str:
    months = framework.supervision_gap.months
    length = f"{NUMBERS.get(months, str(months))} month{'s' if months > 1 else ''}"
    return f"Has there been a period of {length} or more without recorded supervision?"


def months_after(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month = Month.of(day).plus(months)
    return month.first_day.replace(day=min(day.day, month.last_day.day))


def supervision_gap_errors(
    framework: FrameworkPolicy, values: dict, *, today: date
) -> dict[str, str]:
    """The question must be answered; a yes needs its form: the gap (at least the policy's
    months, ended by today), why, and the action agreed with a date not passed."""
    answer = values.get("supervision_gap")
    if answer not in (YES, NO):
        return {"supervision_gap": "Please say whether supervision was missing for that long."}
    if answer == NO:
        return {}
    errors = {}
    start, end, due = (_day(values.get(k)) for k in ("gap_from", "gap_to", "gap_action_due"))
    months = framework.supervision_gap.months
    if start is None:
        errors["gap_from"] = "Please give the date of the last supervision before the gap."
    if end is None:
        errors["gap_to"] = "Please give the date the gap ended, or today if it has not."
    elif end > today:
        errors["gap_to"] = "That date is still to come: use today if the gap has not ended."
    elif start is not None and months_after(start, months) > end:
        errors["gap_to"] = f"That is less than {months} months after the last supervision."
    for field, what in (("gap_reason", "why"), ("gap_action", "the action agreed")):
        if len((values.get(field) or "").strip()) < MIN_TEXT:
            errors[field] = f"Please write {what} (a sentence is enough)."
    if due is None:
        errors["gap_action_due"] = "Please choose the date the action must be done by."
    elif due < today:
        errors["gap_action_due"] = "That date has passed: please pick a later one."
    return errors


def raise_supervision_gap(
    uow: UnitOfWork, audit: Audit, values: dict
) -> SupervisionGapAlert | None:
    """At submission, when the answer is yes: record the gap and alert the line at once."""
    if values.get("supervision_gap") != YES:
        return None
    session, now = uow.session, uow.now
    alert = SupervisionGapAlert(
        audit_id=audit.id,
        gap_from=_day(values["gap_from"]),
        gap_to=_day(values["gap_to"]),
        reason=values["gap_reason"].strip(),
        action=values["gap_action"].strip(),
        action_due=_day(values["gap_action_due"]),
        raised_at=now,
    )
    session.add(alert)
    session.flush()
    auditlog.record(
        session,
        actor=uow.actor.email,
        action="supervision_gap.raise",
        subject=f"supervision_gap:{alert.id}",
        now=now,
        audit=audit.id,
    )
    for person in _told_of(session, uow.tick, alert):
        _queue_alert(session, alert, person, round_=1, now=now)
    return alert


@on_click(SupervisionGapAlert, missing="That alert no longer exists.")
def acknowledge_supervision_gap(uow: UnitOfWork, alert: SupervisionGapAlert) -> Reply:
    session, actor, now = uow.session, uow.actor, uow.now
    manager = _manager(session, alert)
    if not may_acknowledge(session, uow.tick, actor, alert_recipients(session, manager), alert):
        raise NotAllowed(ONLY_THE_LINE)
    if alert.acknowledged_by_id is not None:
        who = session.get(Staff, alert.acknowledged_by_id)
        return Reply.say(f"{who.name} is already acting on this alert.")
    session.execute(
        update(SupervisionGapAlert)
        .where(col(SupervisionGapAlert.id) == alert.id)
        .values(acknowledged_by_id=actor.id, acknowledged_at=now)
    )
    session.refresh(alert)
    auditlog.record(
        session,
        actor=actor.email,
        action="supervision_gap.acknowledge",
        subject=f"supervision_gap:{alert.id}",
        now=now,
    )
    case = case_of(session, session.get(Audit, alert.audit_id))
    queue_dm(
        session,
        key=f"supervision_gap:{alert.id}:acknowledged",
        recipient=manager,
        message=render("supervision_gap_update_dm", case=case, acknowledged_by=actor),
        concern=f"supervision_gap:{alert.id}",
        now=now,
        priority=Priority.URGENT,
    )
    for round_ in (1, 2):
        for person in _told_of(session, uow.tick, alert):
            key = f"supervision_gap:{alert.id}:{round_}:{person.id}"
            queue_update(
                session,
                key=f"{key}:acknowledged",
                update_of=key,
                message=_alert_message(session, alert, round_, acknowledged_by=actor),
                concern=f"supervision_gap:{alert.id}",
                now=now,
                priority=Priority.URGENT,
            )
    return Reply.say("Thank you: the team manager has been told that you are acting on this.")


def chase_supervision_gaps(session: Session, tick: Tick) -> int:
    """Send again each gap not acknowledged within the policy's hours (as for a Category 1
    alert), and tell the administrators once."""
    waiting = session.exec(
        select(SupervisionGapAlert).where(col(SupervisionGapAlert.acknowledged_by_id).is_(None))
    ).all()
    queued = 0
    for alert in waiting:
        if tick.now < resend_due_at(tick.policy, tick.calendar, alert.raised_at):
            continue
        told = _told_of(session, tick, alert)
        for person in told:
            _queue_alert(session, alert, person, round_=2, now=tick.now)
        case = case_of(session, session.get(Audit, alert.audit_id))
        for admin in _administrators(session):
            queue_dm(
                session,
                key=f"supervision_gap:{alert.id}:overdue:{admin.id}",
                recipient=admin,
                message=render(
                    "supervision_gap_update_dm",
                    case=case,
                    acknowledged_by=None,
                    manager=_manager(session, alert),
                    recipients=told,
                ),
                concern=f"supervision_gap:{alert.id}",
                now=tick.now,
                priority=Priority.URGENT,
            )
        queued += 1
    return queued


def _told_of(session: Session, tick: Tick, alert: SupervisionGapAlert) -> list[Staff]:
    """The team manager's line, and the out-of-hours contact when raised outside working hours."""
    told = alert_recipients(session, _manager(session, alert))
    contact = out_of_hours_contact(session, tick, alert)
    if contact is not None and contact not in told:
        told.append(contact)
    return told


def _queue_alert(
    session: Session, alert: SupervisionGapAlert, person: Staff, *, round_: int, now: datetime
) -> None:
    queue_dm(
        session,
        key=f"supervision_gap:{alert.id}:{round_}:{person.id}",
        recipient=person,
        message=_alert_message(session, alert, round_),
        concern=f"supervision_gap:{alert.id}",
        now=now,
        priority=Priority.URGENT,
    )


def _alert_message(
    session: Session, alert: SupervisionGapAlert, round_: int, acknowledged_by: Staff | None = None
) -> dict:
    audit = session.get(Audit, alert.audit_id)
    return render(
        "supervision_gap_dm",
        alert=alert,
        case=case_of(session, audit),
        manager=session.get(Staff, audit.manager_id),
        round=round_,
        acknowledged_by=acknowledged_by,
    )


def _manager(session: Session, alert: SupervisionGapAlert) -> Staff:
    return session.get(Staff, session.get(Audit, alert.audit_id).manager_id)


def _administrators(session: Session) -> list[Staff]:
    people = session.exec(select(Staff).where(Staff.status == StaffStatus.ACTIVE)).all()
    return [person for person in people if person.has_role("admin")]


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
