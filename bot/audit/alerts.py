"""Immediate safeguarding concerns (Ofsted Annex H Category 1: a child at risk now): the alert
to the team manager's service manager and head of service, its acknowledgement, and the chase
when nobody has acknowledged it within the policy's working hours."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.audit.actions import case_of
from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.core.cover import acting_for
from bot.core.errors import NotAllowed
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import on_click
from bot.policy.schema import Policy
from bot.rounds.messages import round_case_manager
from messages import render
from models import Audit, SafeguardingAlert, Staff, SupervisionGapAlert
from models.statuses import Priority, StaffStatus

AnyAlert = SafeguardingAlert | SupervisionGapAlert  # told at once to the manager's line

log = logging.getLogger(__name__)


def raise_safeguarding_alert(
    session: Session, tick: Tick, audit: Audit, note: str
) -> SafeguardingAlert:
    """Record the alert and send it at once to the manager's line (and anyone else told of the
    case), and, when it is raised outside working hours, to the policy's out-of-hours contact."""
    now = tick.now
    alert = SafeguardingAlert(audit_id=audit.id, note=note.strip(), raised_at=now)
    session.add(alert)
    session.flush()
    manager = session.get(Staff, audit.manager_id)
    auditlog.record(
        session, actor=manager.email, action="alert.raise", subject=f"alert:{alert.id}", now=now
    )
    for person in _told_of(session, tick, alert, manager):
        queue_alert_dm(session, alert, person, round_=1, now=now)
    return alert


def out_of_hours_contact(session: Session, tick: Tick, alert: AnyAlert) -> Staff | None:
    """Who the policy names for an alert raised outside working hours (None within them, or
    when nobody is named). A named person not on the staff list is logged, and the line is
    still told."""
    email = tick.policy.audit.out_of_hours_contact
    if email is None or tick.calendar.is_working_time(alert.raised_at):
        return None
    contact = session.exec(select(Staff).where(Staff.email == email.lower())).first()
    if contact is None or not contact.is_active:
        log.error(
            "alert:%s raised out of hours: the out-of-hours contact %s is not an active member "
            "of staff; only the line was told",
            alert.id,
            email,
        )
        return None
    return contact


def resend_due_at(policy: Policy, calendar: WorkingCalendar, raised_at: datetime) -> datetime:
    """When an alert still unacknowledged is sent again: the policy's hours after it was
    raised, working hours or calendar hours."""
    hours = policy.audit.alert_acknowledge_working_hours
    if policy.audit.alert_resend_clock == "calendar_hours":
        return raised_at + timedelta(hours=hours)
    return calendar.add_working_hours(raised_at, hours)


def may_acknowledge(
    session: Session, tick: Tick, actor: Staff, line: list[Staff], alert: AnyAlert
) -> bool:
    """Who may say they are acting on an alert told to `line`: its members, an administrator,
    the out-of-hours contact, or whoever it reached for an absent member (logged on their
    behalf)."""
    return (
        actor in line
        or actor.has_role("admin")
        or actor == out_of_hours_contact(session, tick, alert)
        or acting_for(session, actor, *(person.id for person in line), now=tick.now)
    )


def alert_recipients(session: Session, manager: Staff) -> list[Staff]:
    """The team manager's service manager and head of service (by line management), or, where
    the line is not recorded, every active head of service."""
    service_manager = session.get(Staff, manager.manager_id) if manager.manager_id else None
    head = (
        session.get(Staff, service_manager.manager_id)
        if service_manager and service_manager.manager_id
        else None
    )
    people = [p for p in (service_manager, head) if p is not None and p.is_active]
    if not any(p.has_role("head_of_service") for p in people):
        people += [
            p
            for p in session.exec(select(Staff).where(Staff.status == StaffStatus.ACTIVE)).all()
            if p.has_role("head_of_service") and p not in people
        ]
    return people


def queue_alert_dm(
    session: Session, alert: SafeguardingAlert, person: Staff, *, round_: int, now: datetime
) -> None:
    audit = session.get(Audit, alert.audit_id)
    queue_dm(
        session,
        key=f"alert:{alert.id}:{round_}:{person.id}",
        recipient=person,
        message=render(
            "alert_dm",
            alert=alert,
            case=case_of(session, audit),
            manager=session.get(Staff, audit.manager_id),
            round=round_,
        ),
        concern=f"alert:{alert.id}",
        now=now,
        priority=Priority.URGENT,
    )


# -- acknowledged: "I am acting on this" ----------------------------------------------------------


@on_click(SafeguardingAlert, missing="That alert no longer exists.")
def acknowledge_alert(uow: UnitOfWork, alert: SafeguardingAlert) -> Reply:
    session, actor, now = uow.session, uow.actor, uow.now
    audit = session.get(Audit, alert.audit_id)
    manager = session.get(Staff, audit.manager_id)
    if not may_acknowledge(session, uow.tick, actor, alert_recipients(session, manager), alert):
        raise NotAllowed(
            "Only the service manager, head of service, the out-of-hours contact or an "
            "administrator can acknowledge this alert."
        )
    if alert.acknowledged_by is not None:
        who = session.get(Staff, alert.acknowledged_by)
        return Reply.say(f"{who.name} is already acting on this alert.")
    session.execute(
        update(SafeguardingAlert)
        .where(col(SafeguardingAlert.id) == alert.id)
        .values(acknowledged_by=actor.id, acknowledged_at=now)
    )
    session.refresh(alert)
    auditlog.record(
        session, actor=actor.email, action="alert.acknowledge", subject=f"alert:{alert.id}", now=now
    )
    _tell_about_acknowledgement(session, uow.tick, alert, audit, actor)
    return Reply.say("Thank you: the team manager has been told that you are acting on this.")


def _tell_about_acknowledgement(
    session: Session, tick: Tick, alert: SafeguardingAlert, audit: Audit, actor: Staff
) -> None:
    """Everyone who was told of the alert sees who is acting on it: the team manager by DM, the
    line (and anyone else told) in the alert they were sent, and the administrators told it was
    unacknowledged in that message, so nobody is left believing it unowned."""
    now = tick.now
    manager = session.get(Staff, audit.manager_id)
    case = case_of(session, audit)
    queue_dm(
        session,
        key=f"alert:{alert.id}:acknowledged",
        recipient=manager,
        message=render("alert_update_dm", case=case, acknowledged_by=actor),
        concern=f"alert:{alert.id}",
        now=now,
        priority=Priority.URGENT,
    )
    line = alert_recipients(session, manager)  # its head of service reviews and closes it
    for round_ in (1, 2):
        for person in _told_of(session, tick, alert, manager):
            _update_told(
                session,
                alert,
                f"alert:{alert.id}:{round_}:{person.id}",
                render(
                    "alert_dm",
                    alert=alert,
                    case=case,
                    manager=manager,
                    round=round_,
                    acknowledged_by=actor,
                    review=person.has_role("head_of_service") and person in line,
                ),
                now,
            )
    for admin in _administrators(session):
        _update_told(
            session,
            alert,
            f"alert:{alert.id}:overdue:{admin.id}",
            render("alert_update_dm", case=case, manager=manager, acknowledged_by=actor, late=True),
            now,
        )


def _told_of(session: Session, tick: Tick, alert: SafeguardingAlert, manager: Staff) -> list[Staff]:
    """Who is sent the alert: the manager's line, the case's round manager if another, and the
    out-of-hours contact when it was raised outside working hours."""
    audit = session.get(Audit, alert.audit_id)
    told = alert_recipients(session, manager)
    for person in [
        *round_case_manager(session, audit.selection_id),
        out_of_hours_contact(session, tick, alert),
    ]:
        if person is not None and person not in told:
            told.append(person)
    return told


def _update_told(
    session: Session, alert: SafeguardingAlert, key: str, message: dict, now: datetime
) -> None:
    """Update the message sent under `key` (nothing when none was: queue_update skips it)."""
    queue_update(
        session,
        key=f"{key}:acknowledged",
        update_of=key,
        message=message,
        concern=f"alert:{alert.id}",
        now=now,
        priority=Priority.URGENT,
    )


# -- chased when nobody acknowledges ---------------------------------------------------------------


def chase_alerts(session: Session, tick: Tick) -> int:
    """Re-send each Category 1 alert not acknowledged within the policy's hours, and tell the
    administrators it is not yet acknowledged."""
    hours = tick.policy.audit.alert_acknowledge_working_hours
    queued = 0
    waiting = session.exec(
        select(SafeguardingAlert).where(col(SafeguardingAlert.acknowledged_by).is_(None))
    ).all()
    for alert in waiting:
        if tick.now < resend_due_at(tick.policy, tick.calendar, alert.raised_at):
            continue
        audit = session.get(Audit, alert.audit_id)
        manager = session.get(Staff, audit.manager_id)
        recipients = alert_recipients(session, manager)
        contact = out_of_hours_contact(session, tick, alert)
        if contact is not None and contact not in recipients:
            recipients.append(contact)  # on duty when it was raised: sent again too
        case = case_of(session, audit)
        for person in recipients:
            queue_alert_dm(session, alert, person, round_=2, now=tick.now)
        for admin in _administrators(session):
            queue_dm(
                session,
                key=f"alert:{alert.id}:overdue:{admin.id}",
                recipient=admin,
                message=render(
                    "alert_update_dm",
                    case=case,
                    manager=manager,
                    hours=hours,
                    working=tick.policy.audit.alert_resend_clock == "working_hours",
                    recipients=recipients,
                    acknowledged_by=None,
                ),
                concern=f"alert:{alert.id}",
                now=tick.now,
                priority=Priority.URGENT,
            )
        queued += 1
    return queued


def _administrators(session: Session) -> list[Staff]:
    people = session.exec(select(Staff).where(Staff.status == StaffStatus.ACTIVE)).all()
    return [person for person in people if person.has_role("admin")]
