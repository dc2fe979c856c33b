"""The SMART actions of an audit (or of a re-audit of it): set, told to their owner, reminded
before they are due, and confirmed done in writing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.audit.rules import ActionRow
from bot.core import auditlog
from bot.core.cover import Acting, require_acting_for
from bot.core.errors import InvalidRequest
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.selection.loading import load_selections
from messages import escape_mrkdwn, render
from models import Audit, AuditAction, Case, Reaudit, Selection, Staff
from models.db import rows_by_id
from models.statuses import ActionStatus, StaffStatus

MIN_NOTE = 10
ONLY_THE_OWNER = "Only the person this action belongs to can mark it done."


def active_slack_ids(session: Session, actions: list[ActionRow]) -> set[str]:
    """Which of the actions' owners are active staff."""
    owners = {a.owner_slack_id for a in actions if a.owner_slack_id}
    return set(
        session.exec(
            select(Staff.slack_user_id).where(
                col(Staff.slack_user_id).in_(owners), Staff.status == StaffStatus.ACTIVE
            )
        ).all()
    )


def create_actions(
    session: Session,
    audit_id: int,
    rows: list[ActionRow],
    now: datetime,
    reaudit_id: int | None = None,
) -> list[AuditAction]:
    """The SMART actions of an audit (or of a re-audit of it), tracked alike."""
    owners = {
        person.slack_user_id: person
        for person in session.exec(
            select(Staff).where(col(Staff.slack_user_id).in_([r.owner_slack_id for r in rows]))
        ).all()
    }
    actions = [
        AuditAction(
            audit_id=audit_id,
            reaudit_id=reaudit_id,
            what=row.what,
            owner_id=owners[row.owner_slack_id].id,
            due_on=row.due_on,
            created_at=now,
        )
        for row in rows
    ]
    session.add_all(actions)
    session.flush()
    return actions


def queue_action_dm(session: Session, action: AuditAction, case: Case, now: datetime) -> None:
    queue_dm(
        session,
        key=f"action:{action.id}:assigned",
        recipient=session.get(Staff, action.owner_id),
        message=render_action_message(session, action, case, reminder=False),
        concern=f"action:{action.id}",
        now=now,
    )


def action_set_by(session: Session, action: AuditAction) -> Staff:
    """Who set the action: the moderator of a re-audit, or the manager who audited."""
    if action.reaudit_id is not None:
        return session.get(Staff, session.get(Reaudit, action.reaudit_id).moderator_id)
    return session.get(Staff, session.get(Audit, action.audit_id).manager_id)


def render_action_message(
    session: Session, action: AuditAction, case: Case, *, reminder: bool
) -> dict:
    return render(
        "action_dm",
        action=action,
        case=case,
        set_by=action_set_by(session, action),
        source="re-audit" if action.reaudit_id is not None else "audit",
        reminder=reminder,
    )


def case_of(session: Session, audit: Audit) -> Case:
    return session.get(Case, session.get(Selection, audit.selection_id).case_id)


# -- marked done, with a note ---------------------------------------------------------------------


@on_click(AuditAction, missing=ONLY_THE_OWNER)
def open_mark_done_form(uow: UnitOfWork, action: AuditAction) -> Reply:
    acting = _require_open_for_owner(uow, action)
    return Reply(
        view=render(
            "reason_modal",
            callback_id="action.done",
            title="Action done",
            submit="Mark done",
            prompt=_prompt(acting),
            label="What was done?",
            hint="For example: chronology updated to the end of November and shared with the IRO.",
            private_metadata=json.dumps({"action_id": action.id}),
            min_length=MIN_NOTE,
        )
    )


@on_submit(AuditAction, key="action_id", missing=ONLY_THE_OWNER)
def submit_mark_done(uow: UnitOfWork, action: AuditAction, form: Submission) -> Reply | None:
    note = form.text("reason").strip()
    if len(note) < MIN_NOTE:
        return Reply.error(
            "reason", "Please write a short note of what was done (a sentence is enough)."
        )
    acting = _require_open_for_owner(uow, action)
    session, now = uow.session, uow.now
    session.execute(
        update(AuditAction)
        .where(col(AuditAction.id) == action.id)
        .values(status=ActionStatus.DONE, done_note=note, done_at=now, done_by_id=uow.actor.id)
    )
    session.refresh(action)
    auditlog.record(
        session,
        actor=uow.actor.email,
        action="action.done",
        subject=f"action:{action.id}",
        now=now,
        note=note,
    )
    audit = session.get(Audit, action.audit_id)
    done = render(
        "action_done_dm",
        action=action,
        owner=acting.owner,
        case=case_of(session, audit),
        on_behalf=acting.note,
    )
    queue_dm(
        session,
        key=f"action:{action.id}:done",
        recipient=session.get(Staff, audit.manager_id),
        message=done,
        concern=f"action:{action.id}",
        now=now,
    )
    if action.reaudit_id is not None:
        queue_dm(
            session,
            key=f"action:{action.id}:done:set_by",
            recipient=action_set_by(session, action),
            message=done,
            concern=f"action:{action.id}",
            now=now,
        )
    queue_update(
        session,
        key=f"action:{action.id}:assigned:done",
        update_of=f"action:{action.id}:assigned",
        message=done,
        concern=f"action:{action.id}",
        now=now,
    )
    return None


def _require_open_for_owner(uow: UnitOfWork, action: AuditAction) -> Acting:
    acting = require_acting_for(
        uow.session, uow.actor, action.owner_id, now=uow.now, refusal=ONLY_THE_OWNER
    )
    if action.status != ActionStatus.OPEN:
        raise InvalidRequest("This action is already marked done.")
    return acting


def _prompt(acting: Acting) -> str:
    if acting.on_behalf:
        owner = escape_mrkdwn(acting.owner.name)
        return (
            f"You are marking {owner}'s action done for them while they are away. Your note is "
            "the written confirmation that it is done: their manager will see it, with your name."
        )
    return (
        "Your note is the written confirmation that the action is done: your manager will see it."
    )


# -- reminders ------------------------------------------------------------------------------------


def remind_actions(session: Session, tick: Tick) -> int:
    """Remind owners of actions coming due (the policy's working days before, at its time)."""
    rules, calendar, now = tick.policy.audit, tick.calendar, tick.now
    if not rules.action_reminder_working_days_before or not calendar.is_working_time(now):
        return 0
    today = calendar.local(now).date()
    horizon = calendar.add_working_days(today, rules.action_reminder_working_days_before)
    due_soon = session.exec(
        select(AuditAction).where(
            AuditAction.status == ActionStatus.OPEN,
            AuditAction.due_on <= horizon,
            AuditAction.due_on >= today,
        )
    ).all()
    loaded = _load_around(session, due_soon)
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
        queue_dm(
            session,
            key=f"action:{action.id}:reminder",
            recipient=session.get(Staff, action.owner_id),
            message=render_action_message(
                session,
                action,
                case_of(session, session.get(Audit, action.audit_id)),
                reminder=True,
            ),
            concern=f"action:{action.id}",
            now=now,
        )
        queued += 1
    del loaded
    return queued


def _load_around(session: Session, actions: Sequence[AuditAction]) -> list[object]:
    """The actions' audits, re-audits, cases and people in a few queries, not several per
    action (kept referenced, so the session's identity map holds them meanwhile)."""
    audits = rows_by_id(session, Audit, (action.audit_id for action in actions))
    reaudits = rows_by_id(session, Reaudit, (action.reaudit_id for action in actions))
    people = [action.owner_id for action in actions]
    people += [audit.manager_id for audit in audits.values()]
    people += [reaudit.moderator_id for reaudit in reaudits.values()]
    selections = (audit.selection_id for audit in audits.values())
    return [
        *audits.values(),
        *reaudits.values(),
        *load_selections(session, selections, people=people),
    ]
