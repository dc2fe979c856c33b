"""What a member of staff has open — their selected case's audit (with its bookings), the
actions and TAC summaries they owe, the re-audits they moderate — to list it (the catch-up DM
after an absence) or to hand it to someone else (a leaver's work to their manager)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from messages import escape_mrkdwn, plain_date
from models import Audit, AuditAction, Case, Reaudit, Selection, Staff, TacTask
from models.statuses import ActionStatus, AuditStatus, ReauditStatus, SelectionStatus, TacTaskStatus


@dataclass(frozen=True)
class OpenItem:
    label: str  # carries the case reference: DMs only
    due_on: date | None
    hand_over: Callable[[Session, Staff], None]


def open_items(session: Session, person: Staff) -> list[OpenItem]:
    """Everything the person has open, soonest due first."""
    items = [
        *_selections(session, person),
        *_actions(session, person),
        *_tac_tasks(session, person),
        *_reaudits(session, person),
    ]
    return sorted(items, key=lambda item: (item.due_on or date.max, item.label))


MAX_LISTED = 20  # items listed in a DM; the rest are counted


def listing(items: list[OpenItem]) -> dict[str, object]:
    """A DM's list of items: one mrkdwn line for each of the first MAX_LISTED, and the total."""
    lines = [
        f"• {escape_mrkdwn(item.label)}"
        + (f" (due {plain_date(item.due_on)})" if item.due_on else "")
        for item in items[:MAX_LISTED]
    ]
    return {"lines": lines, "total": len(items)}


def _case_ref(session: Session, case_id: int | None) -> str:
    case = session.get(Case, case_id) if case_id else None
    return case.case_ref if case else "a case"


def _selections(session: Session, person: Staff) -> list[OpenItem]:
    submitted = select(Audit.selection_id).where(Audit.status == AuditStatus.SUBMITTED)
    rows = session.exec(
        select(Selection).where(
            Selection.manager_id == person.id,
            Selection.status == SelectionStatus.SELECTED,
            col(Selection.id).not_in(submitted),
        )
    ).all()
    return [
        OpenItem(
            f"The audit of {_case_ref(session, row.case_id)}",
            row.due_on,
            lambda s, to, row=row: _hand_over_selection(s, row, to),
        )
        for row in rows
    ]


def _hand_over_selection(session: Session, selection: Selection, to: Staff) -> None:
    """The selection (its bookings and family contact go with it) and its draft audit. The
    attempt number stays unique for the new manager within the round."""
    taken = session.exec(
        select(func.max(Selection.attempt)).where(
            Selection.round_id == selection.round_id, Selection.manager_id == to.id
        )
    ).one()
    if taken is not None:
        selection.attempt = max(selection.attempt, taken + 1)
    selection.manager_id = to.id
    session.add(selection)
    draft = session.exec(select(Audit).where(Audit.selection_id == selection.id)).first()
    if draft is not None:
        draft.manager_id = to.id
        session.add(draft)


def _owned(session: Session, model, owner_column, status_condition, person: Staff) -> list:
    return list(
        session.exec(
            select(model).where(owner_column == person.id, status_condition).order_by(model.id)
        ).all()
    )


def _audited_case_ref(session: Session, audit_id: int) -> str:
    selection_id = session.get(Audit, audit_id).selection_id
    return _case_ref(session, session.get(Selection, selection_id).case_id)


def _actions(session: Session, person: Staff) -> list[OpenItem]:
    rows = _owned(
        session, AuditAction, AuditAction.owner_id, AuditAction.status == ActionStatus.OPEN, person
    )
    return [
        OpenItem(
            f"Action on {_audited_case_ref(session, row.audit_id)}: {row.what}",
            row.due_on,
            lambda s, to, row=row: _set(s, row, "owner_id", to),
        )
        for row in rows
    ]


def _tac_tasks(session: Session, person: Staff) -> list[OpenItem]:
    rows = _owned(
        session, TacTask, TacTask.practitioner_id, TacTask.status == TacTaskStatus.OPEN, person
    )
    return [
        OpenItem(
            f"The TAC reflective case summary of {_case_ref(session, row.case_id)}",
            row.due_on,
            lambda s, to, row=row: _set(s, row, "practitioner_id", to),
        )
        for row in rows
    ]


def _reaudits(session: Session, person: Staff) -> list[OpenItem]:
    rows = _owned(
        session, Reaudit, Reaudit.moderator_id, Reaudit.status != ReauditStatus.SUBMITTED, person
    )
    return [
        OpenItem(
            f"The re-audit of the audit of {_audited_case_ref(session, row.audit_id)}",
            row.due_on,
            lambda s, to, row=row: _set(s, row, "moderator_id", to),
        )
        for row in rows
    ]


def _set(session: Session, row, column: str, to: Staff) -> None:
    setattr(row, column, to.id)
    session.add(row)
