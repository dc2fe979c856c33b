"""`reaudit.sampling: every_audit` (Gloucestershire): every audit is moderated, and goes to its
moderator as soon as it is submitted, in the same unit of work as the submission.

Its re-audit belongs to the monthly re-audit round of the audit's month (made by the first
audit of the month to be submitted), so `/audit status` and the briefing count a month's
moderation together; the scheduler draws nothing more. The audit is locked while it is
submitted, and an audit already given out is not given out again, so a double submission or
Slack's retry gives it out once; two audits of a new month submitted at once both make the
round, one loses on its unique (kind, month) and is run again (bot/core/unit_of_work.py).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from bot.core import auditlog
from bot.core.months import Month
from bot.core.unit_of_work import UnitOfWork
from bot.reaudit.draw import give_out
from bot.reaudit.due import reaudit_due_on
from bot.reaudit.sampling import EVERY_AUDIT, Pick
from models import Audit, Reaudit, ReauditRound, RoundCase, Selection, SelectionRound
from models.reaudit import MONTHLY

log = logging.getLogger(__name__)

GIVEN_OUT_BY = "policy"  # the audit log's actor: nobody chose the audit, the policy did


def send_for_moderation(uow: UnitOfWork, audit: Audit) -> Reaudit | None:
    """Give the just-submitted `audit` to its moderator, as the monthly draw would have: the
    moderator gets the audit, the team manager and practitioner are told. None when the policy
    samples instead, for a round's audit (its own questions) or when nobody can moderate it."""
    session, policy, now = uow.session, uow.policy, uow.now
    rules = policy.reaudit
    if rules.sampling != EVERY_AUDIT or _in_an_audit_round(session, audit):
        return None
    already = _reaudit_of(session, audit)
    if already is not None:
        return already
    month = _selection_month(session, audit)
    reaudit_round = _monthly_round(session, month, rules.moderator_role, now)
    due_on = reaudit_due_on(rules, uow.calendar, month.plus(1), uow.calendar.local(now).date())
    given, unassigned = give_out(
        session,
        policy,
        reaudit_round,
        [Pick(audit.id, EVERY_AUDIT, pool_size=1, draw_seed="")],
        moderator_role=rules.moderator_role,
        due_on=due_on,
        now=now,
    )
    if unassigned:
        log.warning("audit %s: nobody can moderate it (%s)", audit.id, rules.moderator_role)
        unassigned += int(reaudit_round.criteria.get("unassigned", 0))
        reaudit_round.criteria = {**reaudit_round.criteria, "unassigned": unassigned}
        session.add(reaudit_round)
    auditlog.record(
        session,
        actor=GIVEN_OUT_BY,
        action="reaudit.every_audit",
        subject=f"audit:{audit.id}",
        now=now,
        month=str(month),
        reaudits=[reaudit.id for reaudit in given],
    )
    return given[0] if given else None


def _in_an_audit_round(session: Session, audit: Audit) -> bool:
    found = select(RoundCase.id).where(RoundCase.selection_id == audit.selection_id)
    return session.exec(found).first() is not None


def _reaudit_of(session: Session, audit: Audit) -> Reaudit | None:
    return session.exec(
        select(Reaudit)
        .join(ReauditRound, col(ReauditRound.id) == Reaudit.round_id)
        .where(Reaudit.audit_id == audit.id, ReauditRound.kind == MONTHLY)
    ).first()


def _selection_month(session: Session, audit: Audit) -> Month:
    month = session.exec(
        select(SelectionRound.month)
        .join(Selection, col(Selection.round_id) == SelectionRound.id)
        .where(Selection.id == audit.selection_id)
    ).one()
    return Month.parse(month)


def _monthly_round(
    session: Session, month: Month, moderator_role: str, now: datetime
) -> ReauditRound:
    found = session.exec(
        select(ReauditRound).where(ReauditRound.kind == MONTHLY, ReauditRound.month == str(month))
    ).first()
    if found is not None:
        return found
    reaudit_round = ReauditRound(
        kind=MONTHLY,
        month=str(month),
        seed="",  # nothing is drawn at random
        drawn_at=now,
        drawn_by=GIVEN_OUT_BY,
        criteria={"sampling": EVERY_AUDIT, "moderator_role": moderator_role, "unassigned": 0},
    )
    session.add(reaudit_round)
    session.flush()
    return reaudit_round
