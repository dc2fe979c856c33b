"""The kinds of overdue item that chasing knows, each a plug-in: a finder that lists the items
overdue on a day, and the use case behind each item's button.

A finder returns `OverdueItem`s with their owner, the team manager responsible, the team, a label
(which may carry the case reference: it is only shown in DMs), the due date and the button's
words, and whether its owner may ask for more time for it (an audit not yet submitted). To chase
a new kind, add its rule to `ChaseRules` in the policy and an entry to `OVERDUE_KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from bot.audit import actions, alerts
from bot.audit import form as audit_form
from bot.audit.alerts import alert_recipients, resend_due_at
from bot.booking import discussion as booking
from bot.core.calendar import WorkingCalendar
from bot.core.months import Month
from bot.core.use_cases import ClickUseCase
from bot.extensions.rules import more_time_refusal
from bot.policy.schema import Policy
from bot.reaudit import form as reaudit_form
from bot.tac import tasks as tac_tasks
from bot.transfer_audit import form as transfer_audit_form
from models import (
    Audit,
    AuditAction,
    Case,
    Reaudit,
    SafeguardingAlert,
    Selection,
    SelectionRound,
    Staff,
    TacTask,
    Team,
    TransferAudit,
)
from models.booking import bookings_by_state
from models.extension import waiting_for_decision
from models.statuses import ActionStatus, AuditStatus, ReauditStatus, SelectionStatus, TacTaskStatus
from models.transfer_audit import TransferAuditStatus

MAX_LABEL = 150


@dataclass(frozen=True)
class OverdueItem:
    kind: str  # its rule in policy.chasing.rules
    item_id: int  # the row the button acts on
    owner: Staff
    manager: Staff | None  # the team manager answerable for it
    team: Team | None
    label: str  # may contain a case reference: DMs only
    due_on: date
    button: str
    case_ref: str | None = None  # the reference in the label, linked to the case system
    # "Ask for more time" is offered beside the button (item_id is then the selection's id)
    more_time: bool = False

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.item_id}"


Finder = Callable[[Session, Policy, WorkingCalendar, date], list[OverdueItem]]


@dataclass(frozen=True)
class OverdueKind:
    find: Finder
    act: ClickUseCase


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _unaudited_selections(session: Session) -> list[tuple[Selection, Case, str]]:
    """Current selections (with their case and month) whose audit is not submitted."""
    submitted = select(Audit.selection_id).where(Audit.status == AuditStatus.SUBMITTED)
    return list(
        session.exec(
            select(Selection, Case, SelectionRound.month)
            .join(Case, col(Case.id) == Selection.case_id)
            .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
            .where(Selection.status == SelectionStatus.SELECTED)
            .where(col(Selection.id).not_in(submitted))
            .order_by(col(Selection.id))
        ).all()
    )


def _may_ask_for_more_time(session: Session, policy: Policy, selection_ids: list[int]) -> set[int]:
    """Those of the selections (unaudited: see above) whose manager may ask for more time."""
    enabled = policy.audit.extensions_enabled
    waiting = waiting_for_decision(session, selection_ids) if enabled else set()
    return {
        selection_id
        for selection_id in selection_ids
        if more_time_refusal(submitted=False, waiting=selection_id in waiting, enabled=enabled)
        is None
    }


def _active(session: Session, staff_id: int | None) -> Staff | None:
    person = session.get(Staff, staff_id) if staff_id else None
    return person if person is not None and person.is_active else None


def find_discussions_not_booked(
    session: Session, policy: Policy, calendar: WorkingCalendar, today: date
) -> list[OverdueItem]:
    """This month's selections with no discussion booked by the policy's day of the month (until
    the audit itself is overdue, which is chased instead)."""
    month = Month.of(today)
    due_on = month.first_day.replace(day=policy.chasing.rules.discussion_not_booked.book_by_day)
    if today <= due_on:
        return []
    rows = [
        row
        for row in _unaudited_selections(session)
        if row[2] == str(month) and row[0].due_on is not None and today <= row[0].due_on
    ]
    booked = bookings_by_state(session, [selection.id for selection, _, _ in rows])
    extendable = _may_ask_for_more_time(session, policy, [selection.id for selection, _, _ in rows])
    items = []
    for selection, case, _ in rows:
        manager = _active(session, selection.manager_id)
        if manager is None or selection.id in booked:
            continue
        items.append(
            OverdueItem(
                kind="discussion_not_booked",
                item_id=selection.id,
                owner=manager,
                manager=manager,
                team=session.get(Team, selection.team_id),
                label=f"Book the audit discussion about {case.case_ref} with the practitioner",
                case_ref=case.case_ref,
                due_on=due_on,
                button="Book the discussion",
                more_time=selection.id in extendable,
            )
        )
    return items


def find_audits_overdue(
    session: Session, policy: Policy, calendar: WorkingCalendar, today: date
) -> list[OverdueItem]:
    overdue = [
        (selection, case, month)
        for selection, case, month in _unaudited_selections(session)
        if selection.due_on is not None and selection.due_on < today
    ]
    extendable = _may_ask_for_more_time(
        session, policy, [selection.id for selection, _, _ in overdue]
    )
    items = []
    for selection, case, month in overdue:
        manager = _active(session, selection.manager_id)
        if manager is None:
            continue
        items.append(
            OverdueItem(
                kind="audit_overdue",
                item_id=selection.id,
                owner=manager,
                manager=manager,
                team=session.get(Team, selection.team_id),
                # month[:7]: a round's draw is keyed "YYYY-MM/round-N"
                label=f"Submit the {Month.parse(month[:7]).label} audit of {case.case_ref}",
                case_ref=case.case_ref,
                due_on=selection.due_on,
                button="Open the audit",
                more_time=selection.id in extendable,
            )
        )
    return items


def _audit_context(session: Session, audit_id: int) -> tuple[Audit, Selection, Case]:
    audit_row = session.get(Audit, audit_id)
    selection = session.get(Selection, audit_row.selection_id)
    return audit_row, selection, session.get(Case, selection.case_id)


def find_actions_overdue(
    session: Session, policy: Policy, calendar: WorkingCalendar, today: date
) -> list[OverdueItem]:
    actions = session.exec(
        select(AuditAction)
        .where(AuditAction.status == ActionStatus.OPEN, col(AuditAction.due_on) < today)
        .order_by(col(AuditAction.id))
    ).all()
    items = []
    for action in actions:
        owner = _active(session, action.owner_id)
        if owner is None:
            continue
        audit_row, selection, case = _audit_context(session, action.audit_id)
        items.append(
            OverdueItem(
                kind="action_overdue",
                item_id=action.id,
                owner=owner,
                manager=session.get(Staff, audit_row.manager_id),
                team=session.get(Team, selection.team_id),
                label=_short(f"Action on {case.case_ref}: {action.what}"),
                case_ref=case.case_ref,
                due_on=action.due_on,
                button="Mark done",
            )
        )
    return items


def find_tac_summaries_overdue(
    session: Session, policy: Policy, calendar: WorkingCalendar, today: date
) -> list[OverdueItem]:
    tasks = session.exec(
        select(TacTask)
        .where(TacTask.status == TacTaskStatus.OPEN, col(TacTask.due_on) < today)
        .order_by(col(TacTask.id))
    ).all()
    items = []
    for task in tasks:
        owner = _active(session, task.practitioner_id)
        if owner is None:
            continue
        case = session.get(Case, task.case_id)
        items.append(
            OverdueItem(
                kind="tac_summary_overdue",
                item_id=task.id,
                owner=owner,
                manager=session.get(Staff, task.manager_id),
                team=session.get(Team, case.team_id),
                label=f"Complete the TAC reflective case summary of {case.case_ref}",
                case_ref=case.case_ref,
                due_on=task.due_on,
                button="Summary completed",
            )
        )
    return items


def find_alerts_unacknowledged(
    session: Session, policy: Policy, calendar: WorkingCalendar, today: date
) -> list[OverdueItem]:
    """Category 1 alerts still unacknowledged after they were sent again (bot/audit/followup.py):
    due on the day of that re-send, so the ladder starts the next working day and an alert is
    never chased twice in a day."""
    alerts = session.exec(
        select(SafeguardingAlert)
        .where(col(SafeguardingAlert.acknowledged_by).is_(None))
        .order_by(col(SafeguardingAlert.id))
    ).all()
    items = []
    for alert in alerts:
        resent_on = calendar.local(resend_due_at(policy, calendar, alert.raised_at)).date()
        if resent_on >= today:
            continue
        audit_row, selection, case = _audit_context(session, alert.audit_id)
        manager = session.get(Staff, audit_row.manager_id)
        recipients = alert_recipients(session, manager)
        owner = next((p for p in recipients if p.has_role("service_manager")), None) or next(
            iter(recipients), None
        )
        if owner is None:
            continue
        items.append(
            OverdueItem(
                kind="alert_unacknowledged",
                item_id=alert.id,
                owner=owner,
                manager=manager,
                team=session.get(Team, selection.team_id),
                label=f"Category 1 alert about {case.case_ref}: nobody has said they are acting",
                case_ref=case.case_ref,
                due_on=resent_on,
                button="I am acting on this",
            )
        )
    return items


def find_reaudits_overdue(
    session: Session, policy: Policy, calendar: WorkingCalendar, today: date
) -> list[OverdueItem]:
    """Re-audits not submitted by their due date; the moderator holds them, and the ladder
    climbs from the audited team manager's line."""
    reaudits = session.exec(
        select(Reaudit)
        .where(Reaudit.status != ReauditStatus.SUBMITTED, col(Reaudit.due_on) < today)
        .order_by(col(Reaudit.id))
    ).all()
    items = []
    for row in reaudits:
        moderator = _active(session, row.moderator_id)
        if moderator is None:
            continue
        audit_row, selection, case = _audit_context(session, row.audit_id)
        items.append(
            OverdueItem(
                kind="reaudit_overdue",
                item_id=row.id,
                owner=moderator,
                manager=session.get(Staff, audit_row.manager_id),
                team=session.get(Team, selection.team_id),
                label=f"Re-audit the audit of {case.case_ref}",
                case_ref=case.case_ref,
                due_on=row.due_on,
                button="Open the re-audit",
            )
        )
    return items


def find_transfer_audits_overdue(
    session: Session, policy: Policy, calendar: WorkingCalendar, today: date
) -> list[OverdueItem]:
    """Files of cases that moved team, not yet audited by their due date (issue 25, Bolton)."""
    audits = session.exec(
        select(TransferAudit)
        .where(
            TransferAudit.status == TransferAuditStatus.REQUESTED,
            col(TransferAudit.due_on) < today,
        )
        .order_by(col(TransferAudit.id))
    ).all()
    items = []
    for audit in audits:
        owner = _active(session, audit.auditor_id)
        if owner is None:
            continue
        case = session.get(Case, audit.case_id)
        items.append(
            OverdueItem(
                kind="transfer_audit_overdue",
                item_id=audit.id,
                owner=owner,
                manager=None,
                team=session.get(Team, audit.from_team_id),
                label=f"Audit the file of {case.case_ref}, which moved team",
                case_ref=case.case_ref,
                due_on=audit.due_on,
                button="Audit the file",
            )
        )
    return items


OVERDUE_KINDS: dict[str, OverdueKind] = {
    "discussion_not_booked": OverdueKind(
        find_discussions_not_booked,
        booking.open_booking_form,
    ),
    "audit_overdue": OverdueKind(find_audits_overdue, audit_form.open_audit),
    "reaudit_overdue": OverdueKind(find_reaudits_overdue, reaudit_form.open_reaudit),
    "action_overdue": OverdueKind(find_actions_overdue, actions.open_mark_done_form),
    "tac_summary_overdue": OverdueKind(
        find_tac_summaries_overdue, tac_tasks.open_summary_completed
    ),
    "alert_unacknowledged": OverdueKind(find_alerts_unacknowledged, alerts.acknowledge_alert),
    "transfer_audit_overdue": OverdueKind(
        find_transfer_audits_overdue, transfer_audit_form.open_transfer_audit_form
    ),
}


def find_overdue(
    session: Session, policy: Policy, calendar: WorkingCalendar, today: date
) -> list[OverdueItem]:
    """Every overdue item of every kind, on `today`."""
    return [
        item
        for kind in OVERDUE_KINDS.values()
        for item in kind.find(session, policy, calendar, today)
    ]
