"""After the audit: safeguarding alerts acknowledged (or chased), and actions reminded and
confirmed done in writing."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.audit.form import action_set_by, alert_recipients, queue_alert_dm, render_action_message
from bot.core import auditlog
from bot.core.actor import parse_id, require_actor
from bot.core.calendar import WorkingCalendar
from bot.core.errors import AuditbotError, InvalidRequest, NotAllowed
from bot.core.outbox import queue_dm, queue_update
from bot.core.services import Services
from bot.policy.schema import Policy
from bot.selection.redraw import Reply
from messages import render
from models import Audit, AuditAction, Case, SafeguardingAlert, Selection, Staff
from models.db import transaction

MIN_NOTE = 10


def acknowledge_alert(services: Services, slack_user_id: str, alert_id: str) -> Reply:
    now = services.now()
    try:
        with transaction(services.make_session) as session:
            actor = require_actor(session, slack_user_id)
            alert = session.get(SafeguardingAlert, parse_id(alert_id))
            if alert is None:
                raise InvalidRequest("That alert no longer exists.")
            audit = session.get(Audit, alert.audit_id)
            manager = session.get(Staff, audit.manager_id)
            if actor not in alert_recipients(session, manager) and not actor.has_role("admin"):
                raise NotAllowed(
                    "Only the service manager, head of service or an administrator "
                    "can acknowledge this alert."
                )
            taken = session.execute(
                update(SafeguardingAlert)
                .where(
                    col(SafeguardingAlert.id) == alert.id,
                    col(SafeguardingAlert.acknowledged_by).is_(None),
                )
                .values(acknowledged_by=actor.id, acknowledged_at=now)
            ).rowcount
            if taken != 1:
                session.refresh(alert)
                who = session.get(Staff, alert.acknowledged_by)
                return Reply(text=f"{who.name} is already acting on this alert.")
            session.refresh(alert)
            auditlog.record(
                session,
                actor=actor.email,
                action="alert.acknowledge",
                subject=f"alert:{alert.id}",
                now=now,
            )
            _tell_about_acknowledgement(session, alert, audit, actor, now)
    except AuditbotError as error:
        return Reply(text=str(error))
    services.deliver_soon()
    return Reply(text="Thank you: the team manager has been told that you are acting on this.")


def _tell_about_acknowledgement(
    session: Session, alert: SafeguardingAlert, audit: Audit, actor: Staff, now: datetime
) -> None:
    manager = session.get(Staff, audit.manager_id)
    case = _case_of(session, audit)
    queue_dm(
        session,
        key=f"alert:{alert.id}:acknowledged",
        recipient=manager,
        message=render("alert_update_dm", case=case, acknowledged_by=actor),
        concern=f"alert:{alert.id}",
        now=now,
    )
    for round_ in (1, 2):
        for person in alert_recipients(session, manager):
            queue_update(
                session,
                key=f"alert:{alert.id}:{round_}:{person.id}:acknowledged",
                update_of=f"alert:{alert.id}:{round_}:{person.id}",
                message=render(
                    "alert_dm",
                    alert=alert,
                    case=case,
                    manager=manager,
                    round=round_,
                    acknowledged_by=actor,
                ),
                concern=f"alert:{alert.id}",
                now=now,
            )


def open_mark_done_form(services: Services, slack_user_id: str, action_id: str) -> Reply:
    try:
        with services.make_session() as session:
            action = _own_open_action(session, slack_user_id, action_id)
    except AuditbotError as error:
        return Reply(text=str(error))
    return Reply(
        view=render(
            "reason_modal",
            callback_id="action.done",
            title="Action done",
            submit="Mark done",
            prompt="Your note is the written confirmation that the action is done: your manager "
            "will see it.",
            label="What was done?",
            hint="For example: chronology updated to the end of November and shared with the IRO.",
            private_metadata=json.dumps({"action_id": action.id}),
            min_length=MIN_NOTE,
        )
    )


def submit_mark_done(
    services: Services, slack_user_id: str, private_metadata: str, note: str
) -> dict[str, str] | None:
    note = note.strip()
    if len(note) < MIN_NOTE:
        return {"reason": "Please write a short note of what was done (a sentence is enough)."}
    now = services.now()
    try:
        with transaction(services.make_session) as session:
            action = _own_open_action(
                session, slack_user_id, str(json.loads(private_metadata)["action_id"])
            )
            done = session.execute(
                update(AuditAction)
                .where(col(AuditAction.id) == action.id, AuditAction.status == "open")
                .values(status="done", done_note=note, done_at=now)
            ).rowcount
            if done != 1:
                return None  # marked done twice
            session.refresh(action)
            owner = session.get(Staff, action.owner_id)
            auditlog.record(
                session,
                actor=owner.email,
                action="action.done",
                subject=f"action:{action.id}",
                now=now,
                note=note,
            )
            audit = session.get(Audit, action.audit_id)
            case = _case_of(session, audit)
            queue_dm(
                session,
                key=f"action:{action.id}:done",
                recipient=session.get(Staff, audit.manager_id),
                message=render("action_done_dm", action=action, owner=owner, case=case),
                concern=f"action:{action.id}",
                now=now,
            )
            if action.reaudit_id is not None:
                queue_dm(
                    session,
                    key=f"action:{action.id}:done:set_by",
                    recipient=action_set_by(session, action),
                    message=render("action_done_dm", action=action, owner=owner, case=case),
                    concern=f"action:{action.id}",
                    now=now,
                )
            queue_update(
                session,
                key=f"action:{action.id}:assigned:done",
                update_of=f"action:{action.id}:assigned",
                message=render("action_done_dm", action=action, owner=owner, case=case),
                concern=f"action:{action.id}",
                now=now,
            )
    except AuditbotError as error:
        return {"reason": str(error)}
    services.deliver_soon()
    return None


def _own_open_action(session: Session, slack_user_id: str, action_id: str) -> AuditAction:
    actor = require_actor(session, slack_user_id)
    action = session.get(AuditAction, parse_id(action_id))
    if action is None or action.owner_id != actor.id:
        raise NotAllowed("Only the person this action belongs to can mark it done.")
    if action.status != "open":
        raise InvalidRequest("This action is already marked done.")
    return action


def _case_of(session: Session, audit: Audit) -> Case:
    return session.get(Case, session.get(Selection, audit.selection_id).case_id)


def run_audit_schedule(
    session: Session,
    services: Services,
    *,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
) -> int:
    """Chase unacknowledged Category 1 alerts and remind owners of actions coming due."""
    return _chase_alerts(session, policy, calendar, now) + _remind_actions(
        session, services, policy, calendar, now
    )


def _chase_alerts(
    session: Session, policy: Policy, calendar: WorkingCalendar, now: datetime
) -> int:
    hours = policy.audit.alert_acknowledge_working_hours
    queued = 0
    waiting = session.exec(
        select(SafeguardingAlert).where(col(SafeguardingAlert.acknowledged_by).is_(None))
    ).all()
    for alert in waiting:
        if now < calendar.add_working_hours(alert.raised_at, hours):
            continue
        audit = session.get(Audit, alert.audit_id)
        manager = session.get(Staff, audit.manager_id)
        recipients = alert_recipients(session, manager)
        case = _case_of(session, audit)
        for person in recipients:
            queue_alert_dm(session, alert, person, round_=2, now=now)
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
                    recipients=recipients,
                    acknowledged_by=None,
                ),
                concern=f"alert:{alert.id}",
                now=now,
            )
        queued += 1
    return queued


def _administrators(session: Session) -> list[Staff]:
    people = session.exec(select(Staff).where(Staff.status == "active")).all()
    return [person for person in people if person.has_role("admin")]


def _remind_actions(
    session: Session,
    services: Services,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
) -> int:
    rules = policy.audit
    if not rules.action_reminder_working_days_before or not calendar.is_working_time(now):
        return 0
    today = calendar.local(now).date()
    horizon = calendar.add_working_days(today, rules.action_reminder_working_days_before)
    due_soon = session.exec(
        select(AuditAction).where(
            AuditAction.status == "open", AuditAction.due_on <= horizon, AuditAction.due_on >= today
        )
    ).all()
    queued = 0
    for action in due_soon:
        remind_on = calendar.add_working_days(
            action.due_on, -rules.action_reminder_working_days_before
        )
        if (
            now < calendar.at(remind_on, rules.action_reminder_time)
            or action.created_at.date() >= remind_on
        ):
            continue
        case = _case_of(session, session.get(Audit, action.audit_id))
        queue_dm(
            session,
            key=f"action:{action.id}:reminder",
            recipient=session.get(Staff, action.owner_id),
            message=render_action_message(session, action, case, reminder=True),
            concern=f"action:{action.id}",
            now=now,
        )
        queued += 1
    return queued
