"""Inadequate audits are escalated to the head of service and tracked (Gloucestershire:
"Inadequate cases are escalated to the Heads of Service and are tracked").

An audit whose overall judgement is the framework's lowest grade (the last of its grades; a
framework without grades has none) is sent, with its SMART actions, to the head of service up
the case's team manager's line, as Category 1 alerts find them: when it is submitted, or when a
moderator's re-audit moves the judgement there. Each audit is escalated once, and recorded in
the audit log as `audit.inadequate_escalated` (subject `audit:<id>`): the QA briefing counts
those and follows the actions' status. The DM's button opens the case's actions as they stand.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from bot.audit.actions import case_of
from bot.audit.case_line import case_team_manager, heads_of_service, stands_behind
from bot.audit.rules import CONCERNS
from bot.core import auditlog
from bot.core.errors import NotAllowed
from bot.core.outbox import queue_dm
from bot.core.replies import Reply
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import on_click
from bot.policy.schema import FrameworkPolicy
from bot.rounds.messages import framework_for_selection
from messages import render
from models import Audit, AuditAction, AuditLogEntry, Selection, Staff, Team
from models.db import rows_by_id
from models.statuses import ActionStatus, AuditStatus

ESCALATED = "audit.inadequate_escalated"
NOT_ENTITLED = (
    "Sorry, only the auditor, the case's team manager, their service manager or head of service "
    "and administrators can see this case's actions."
)


def lowest_grade(framework: FrameworkPolicy) -> str | None:
    return framework.grades[-1] if framework.grades else None


def escalate_if_inadequate(
    session: Session, tick_or_uow: Tick | UnitOfWork, audit: Audit, overall_grade: str | None
) -> bool:
    """Tell the head of service when `overall_grade` (the audit's, or its re-audit's) is the
    lowest grade; True when escalated now, False when not inadequate or escalated already."""
    if isinstance(tick_or_uow, UnitOfWork):
        tick, actor = tick_or_uow.tick, tick_or_uow.actor.email
    else:
        tick, actor = tick_or_uow, "scheduler"
    framework = framework_for_selection(session, tick.policy, audit.selection_id)
    lowest = lowest_grade(framework)
    if lowest is None or overall_grade != lowest or audit.is_inadmissible:
        return False
    if was_escalated(session, audit):
        return False
    case = case_of(session, audit)
    heads = heads_of_service(session, audit)
    actions = _actions(session, audit)
    for head in heads:
        queue_dm(
            session,
            key=f"audit:{audit.id}:inadequate:{head.id}",
            recipient=head,
            message=render(
                "audit_inadequate_dm",
                audit=audit,
                case=case,
                team=session.get(Team, case.team_id),
                auditor=session.get(Staff, audit.manager_id),
                grade=overall_grade,
                moderated=overall_grade != audit.overall,
                concern_label=CONCERNS.get(audit.concern, audit.concern),
                actions=[(action, session.get(Staff, action.owner_id)) for action in actions],
                no_actions=audit.answers.get("final", {}).get("no_actions", ""),
            ),
            concern=f"audit:{audit.id}",
            now=tick.now,
        )
    auditlog.record(
        session,
        actor=actor,
        action=ESCALATED,
        subject=f"audit:{audit.id}",
        now=tick.now,
        overall=overall_grade,
        heads=[head.id for head in heads],
        actions=[action.id for action in actions],
    )
    return True


def was_escalated(session: Session, audit: Audit) -> bool:
    found = select(AuditLogEntry.id).where(
        AuditLogEntry.action == ESCALATED, AuditLogEntry.subject == f"audit:{audit.id}"
    )
    return session.exec(found).first() is not None


@on_click(Audit)
def open_case_actions(uow: UnitOfWork, audit: Audit) -> Reply:
    """The actions of every submitted audit of the case (and its re-audits), as they stand."""
    session, actor = uow.session, uow.actor
    if not (stands_behind(session, actor, audit) or actor == case_team_manager(session, audit)):
        raise NotAllowed(NOT_ENTITLED)
    case = case_of(session, audit)
    rows = session.exec(
        select(AuditAction, Staff)
        .join(Audit, col(Audit.id) == AuditAction.audit_id)
        .join(Selection, col(Selection.id) == Audit.selection_id)
        .join(Staff, col(Staff.id) == AuditAction.owner_id)
        .where(Selection.case_id == case.id, Audit.status == AuditStatus.SUBMITTED)
        .order_by(col(AuditAction.due_on), col(AuditAction.id))
    ).all()
    today = uow.calendar.local(uow.now).date()
    actions = [(action, owner, _state(action, today)) for action, owner in rows]
    states = [state for *_, state in actions]
    return Reply(
        view=render(
            "case_actions_modal",
            case=case,
            actions=actions,
            done_by=_done_by_a_cover(session, [action for action, _ in rows]),
            done=states.count("done"),
            overdue=states.count("overdue"),
        )
    )


def _done_by_a_cover(session: Session, actions: list[AuditAction]) -> dict[int, Staff]:
    """Who marked each action done for its owner while they were away, by action id."""
    for_owner = [a for a in actions if a.done_by_id not in (None, a.owner_id)]
    covers = rows_by_id(session, Staff, [a.done_by_id for a in for_owner])
    return {action.id: covers[action.done_by_id] for action in for_owner}


def _state(action: AuditAction, today: date) -> str:
    if action.status == ActionStatus.DONE:
        return "done"
    return "overdue" if action.due_on < today else "open"


def _actions(session: Session, audit: Audit) -> list[AuditAction]:
    return list(
        session.exec(
            select(AuditAction)
            .where(AuditAction.audit_id == audit.id)
            .order_by(col(AuditAction.id))
        ).all()
    )
