"""The cases-of-concern register (Ofsted Annex H; the Gloucestershire practice): every audit that
raised a Category 1 concern (a child may be at risk now) or a Category 2 (the service is not
appropriate to the child's needs) is on it until a head of service closes it, having recorded
what was done. `/audit register` sends the register to whoever asks, as far as they are
entitled to it: it names cases, so it goes by DM, and only the entries of the team managers in
their line (an administrator: all). With it, the register's size at each of the last month ends.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.audit.alerts import alert_recipients
from bot.core.line import sees_line_of
from bot.core.months import Month
from bot.core.outbox import queue_dm
from bot.core.unit_of_work import UnitOfWork
from messages import render
from models import Audit, AuditAction, Case, SafeguardingAlert, Selection, Staff, Team
from models.concern import CATEGORIES, ConcernReview, on_register_at
from models.statuses import ActionStatus

MONTH_ENDS_SHOWN = 6
OPEN_SHOWN = 20  # a block each, with its review button: a message holds 50 blocks
CLOSED_SHOWN = 10


@dataclass(frozen=True)
class Concern:
    """One case of concern as the register shows it."""

    audit: Audit
    case_ref: str
    team: str
    manager: Staff
    line_manager_ids: frozenset[int]  # the manager's service manager and head of service
    alert: SafeguardingAlert | None  # Category 1 only
    review: ConcernReview | None
    actions_done: int
    actions_total: int
    raised_on: date  # local days
    closed_on: date | None

    @property
    def category(self) -> str:
        return "Category 1" if self.audit.concern == "category_1" else "Category 2"

    @property
    def is_open(self) -> bool:
        return self.review is None or self.review.closed_at is None

    @property
    def note(self) -> str:
        return self.audit.answers.get("final", {}).get("concern_note", "")


def concerns(session: Session, zone: tzinfo, audit_ids: list[int] | None = None) -> list[Concern]:
    """Every case of concern (or those of `audit_ids`), newest first; days in `zone`."""
    service_manager = aliased(Staff)
    query = (
        select(Audit, Case.case_ref, Team.name, Staff, service_manager.manager_id)
        .join(Selection, col(Selection.id) == Audit.selection_id)
        .join(Case, col(Case.id) == Selection.case_id)
        .join(Team, col(Team.id) == Selection.team_id)
        .join(Staff, col(Staff.id) == Audit.manager_id)
        .outerjoin(service_manager, service_manager.id == Staff.manager_id)
        .where(col(Audit.concern).in_(CATEGORIES))
        .order_by(col(Audit.submitted_at).desc(), col(Audit.id).desc())
    )
    if audit_ids is not None:
        query = query.where(col(Audit.id).in_(audit_ids))
    rows = session.exec(query).all()
    ids = [audit.id for audit, *_ in rows]
    alerts = _by_audit(session, SafeguardingAlert, ids)
    reviews = _by_audit(session, ConcernReview, ids)
    done = _actions_done(session, ids)
    return [
        Concern(
            audit=audit,
            case_ref=case_ref,
            team=team,
            manager=manager,
            line_manager_ids=frozenset(i for i in (manager.manager_id, head_id) if i is not None),
            alert=alerts.get(audit.id),
            review=reviews.get(audit.id),
            actions_done=done.get(audit.id, (0, 0))[0],
            actions_total=done.get(audit.id, (0, 0))[1],
            raised_on=audit.submitted_at.astimezone(zone).date(),
            closed_on=_closed_on(reviews.get(audit.id), zone),
        )
        for audit, case_ref, team, manager, head_id in rows
    ]


def concern_of(session: Session, zone: tzinfo, audit: Audit) -> Concern | None:
    found = concerns(session, zone, [audit.id])
    return found[0] if found else None


def _closed_on(review: ConcernReview | None, zone: tzinfo) -> date | None:
    return review.closed_at.astimezone(zone).date() if review and review.closed_at else None


def _by_audit(session: Session, table: type, ids: list[int]) -> dict[int, object]:
    rows = session.exec(select(table).where(col(table.audit_id).in_(ids))).all()
    return {row.audit_id: row for row in rows}


def _actions_done(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each audit's actions: how many done, of how many."""
    counts: dict[int, tuple[int, int]] = {}
    for audit_id, status in session.exec(
        select(AuditAction.audit_id, AuditAction.status).where(col(AuditAction.audit_id).in_(ids))
    ).all():
        done, total = counts.get(audit_id, (0, 0))
        counts[audit_id] = (done + (status == ActionStatus.DONE), total + 1)
    return counts


def entitled_to(person: Staff, concern: Concern) -> bool:
    """Whether the person may see the concern: see the module's docstring."""
    return sees_line_of(person, concern.line_manager_ids)


def may_close(session: Session, person: Staff, concern: Concern) -> bool:
    """A head of service the alert goes to (the manager's line, or every head of service when
    that line is not recorded) reviews and closes the concern."""
    return person.has_role("head_of_service") and person in alert_recipients(
        session, concern.manager
    )


def send_register(uow: UnitOfWork) -> str:
    """DM the register, as far as the person is entitled to it; the private answer says so."""
    session, actor, now = uow.session, uow.actor, uow.now
    entries = [c for c in concerns(session, uow.calendar.timezone) if entitled_to(actor, c)]
    still_open = [c for c in entries if c.is_open]
    closed = sorted((c for c in entries if not c.is_open), key=lambda c: c.closed_on, reverse=True)
    queue_dm(
        session,
        key=f"concern-register:{actor.id}:{now:%Y%m%dT%H%M}:{_fingerprint(entries)}",
        recipient=actor,
        message=render(
            "concern_register_dm",
            open=still_open[:OPEN_SHOWN],
            open_hidden=len(still_open) - min(len(still_open), OPEN_SHOWN),
            closed=closed[:CLOSED_SHOWN],
            closed_total=len(closed),
            reviewable={c.audit.id for c in still_open if may_close(session, actor, c)},
            month_ends=month_end_sizes(uow, MONTH_ENDS_SHOWN),
            everyone=actor.has_role("admin"),
        ),
        concern="concern-register",
        now=now,
    )
    return (
        f"I've sent you the cases-of-concern register in a direct message: {len(still_open)} "
        f"open, {len(closed)} closed{'' if actor.has_role('admin') else ' in your line'}."
    )


def _fingerprint(entries: list[Concern]) -> str:
    """The register's state as the person sees it: asking again within the minute (or Slack
    retrying the command) sends nothing new unless the register changed."""
    state = [
        (c.audit.id, c.review.reviewed_at.isoformat() if c.review else None, c.closed_on and 1)
        for c in entries
    ]
    return hashlib.sha256(json.dumps(state, default=str).encode()).hexdigest()[:12]


def month_end_sizes(uow: UnitOfWork, count: int) -> list[tuple[Month, int]]:
    """The register's size (all of it) at each of the last `count` month ends, oldest first."""
    this_month = Month.of(uow.calendar.local(uow.now).date())
    months = [this_month.plus(-n) for n in range(count, 0, -1)]
    zone = uow.calendar.timezone
    return [
        (
            month,
            on_register_at(uow.session, datetime.combine(month.plus(1).first_day, time(), zone)),
        )
        for month in months
    ]
