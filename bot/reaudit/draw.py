"""Drawing the re-audits: the monthly moderation sample and the head of service's yearly one.

Recorded like the monthly selection: the round keeps its seed and criteria, each re-audit its
pool size and draw seed, and a second draw for the same month changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from sqlmodel import Session, col, select

from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.core.errors import InvalidRequest
from bot.core.months import Month
from bot.core.tick import Tick
from bot.policy.schema import Policy
from bot.reaudit.due import reaudit_due_on
from bot.reaudit.messages import Original, audit_actions_of, queue_draw_messages
from bot.reaudit.moderators import moderator_finder
from bot.reaudit.sampling import (
    EVERY_AUDIT,
    Candidate,
    Pick,
    past_year_window,
    per_manager_window,
    previous_month_window,
    sample_per_manager,
    sample_share,
)
from models import Audit, Reaudit, ReauditRound, RoundCase, Staff
from models.db import insert_all
from models.reaudit import ANNUAL, MONTHLY
from models.statuses import AuditStatus, ReauditStatus


@dataclass
class ReauditOutcome:
    month: Month
    kind: str
    created: bool
    drawn_at: datetime
    drawn_by: str
    criteria: dict[str, object]
    moderators: list[Staff] = field(default_factory=list)  # one per re-audit drawn

    @property
    def count(self) -> int:
        return len(self.moderators)

    @property
    def moderator_counts(self) -> list[tuple[str, int]]:
        return sorted(Counter(person.name for person in self.moderators).items())

    @property
    def rule(self) -> str:
        """How the sample was drawn, in words an administrator can check."""
        criteria = self.criteria
        if criteria["sampling"] == EVERY_AUDIT:
            return f"every audit of {self.month.label}, as soon as it is submitted"
        start = date.fromisoformat(str(criteria["completed_from"]))
        end = date.fromisoformat(str(criteria["completed_to"]))
        pool = criteria["pool_size"]
        if criteria["sampling"] == "per_manager":
            return (
                f"one per team manager, at random, from the {pool} audit(s) completed between "
                f"{start:%-d %B} and {end:%-d %B %Y}"
            )
        if criteria["sampling"] == "annual":
            return (
                f"{criteria['percent']}% at random of the {pool} re-audit(s) completed from "
                f"{Month.of(start).label} to {Month.of(end).label}"
            )
        always = " or ".join(criteria["always_include_overall"])  # type: ignore[arg-type]
        including = f", including every one judged {always}" if always else ""
        return (
            f"{criteria['percent']}% of the {pool} audit(s) completed in "
            f"{Month.of(start).label}{including}"
        )


def draw_reaudits(session: Session, tick: Tick, month: Month, *, actor: str) -> ReauditOutcome:
    """Draw the month's re-audits and tell the people concerned; a second run changes nothing.
    With `every_audit` sampling there is no draw: the outcome is what was given out so far."""
    policy, calendar, now = tick.policy, tick.calendar, tick.now
    if month.first_day > calendar.local(now).date():
        raise InvalidRequest(
            f"Re-audits for {month.label} can be drawn from {month.first_day:%-d %B %Y}, "
            "once the audits they are drawn from are complete. Nothing has been changed."
        )
    existing = _round(session, MONTHLY, month)
    if existing is not None:
        return _outcome_of(session, existing, created=False)
    rules = policy.reaudit
    if rules.sampling == EVERY_AUDIT:  # each audit was given out as it was submitted
        return ReauditOutcome(
            month=month,
            kind=MONTHLY,
            created=False,
            drawn_at=now,
            drawn_by="policy",
            criteria={
                "sampling": EVERY_AUDIT,
                "moderator_role": rules.moderator_role,
                "unassigned": 0,
            },
        )
    seed = tick.new_seed()
    if rules.sampling == "per_manager":
        window = per_manager_window(month)
        candidates = _completed_audits(session, calendar, window)
        picks = sample_per_manager(candidates, seed)
        criteria: dict[str, object] = {"sampling": "per_manager"}
    else:
        window = previous_month_window(month)
        candidates = _completed_audits(session, calendar, window)
        picks = sample_share(
            candidates,
            percent=rules.percent,
            always_include=rules.always_include_overall,
            seed=seed,
        )
        criteria = {
            "sampling": "percent",
            "percent": rules.percent,
            "always_include_overall": list(rules.always_include_overall),
        }
    return _record_round(
        session,
        kind=MONTHLY,
        month=month,
        seed=seed,
        criteria={**criteria, **_window(window), "pool_size": len(candidates)},
        picks=picks,
        moderator_role=rules.moderator_role,
        policy=policy,
        calendar=calendar,
        now=now,
        actor=actor,
    )


def draw_annual_moderation(
    session: Session, tick: Tick, month: Month, *, actor: str
) -> ReauditOutcome:
    """The head of service's sample of the previous twelve months' completed re-audits."""
    policy, calendar, now = tick.policy, tick.calendar, tick.now
    existing = _round(session, ANNUAL, month)
    if existing is not None:
        return _outcome_of(session, existing, created=False)
    rules = policy.reaudit.annual
    seed = tick.new_seed()
    window = past_year_window(month)
    candidates = _completed_reaudits(session, calendar, window)
    return _record_round(
        session,
        kind=ANNUAL,
        month=month,
        seed=seed,
        criteria={
            "sampling": "annual",
            "percent": rules.percent,
            **_window(window),
            "pool_size": len(candidates),
        },
        picks=sample_share(candidates, percent=rules.percent, always_include=[], seed=seed),
        moderator_role="head_of_service",
        policy=policy,
        calendar=calendar,
        now=now,
        actor=actor,
    )


def _record_round(
    session: Session,
    *,
    kind: str,
    month: Month,
    seed: str,
    criteria: dict[str, object],
    picks: list[Pick],
    moderator_role: str,
    policy: Policy,
    calendar: WorkingCalendar,
    now: datetime,
    actor: str,
) -> ReauditOutcome:
    reaudit_round = ReauditRound(
        kind=kind, month=str(month), seed=seed, drawn_at=now, drawn_by=actor, criteria=criteria
    )
    session.add(reaudit_round)
    session.flush()
    today = calendar.local(now).date()
    due_on = reaudit_due_on(policy.reaudit, calendar, month, today, windowed=kind == MONTHLY)
    reaudits, unassigned = give_out(
        session,
        policy,
        reaudit_round,
        picks,
        moderator_role=moderator_role,
        due_on=due_on,
        now=now,
    )
    reaudit_round.criteria = {
        **criteria,
        "moderator_role": moderator_role,
        "unassigned": unassigned,
    }
    session.add(reaudit_round)
    session.flush()
    auditlog.record(
        session,
        actor=actor,
        action=f"reaudit.draw.{kind}",
        subject=str(month),
        now=now,
        seed=seed,
        criteria=reaudit_round.criteria,
        reaudits=[r.id for r in reaudits],
    )
    return _outcome_of(session, reaudit_round, created=True)


def give_out(
    session: Session,
    policy: Policy,
    reaudit_round: ReauditRound,
    picks: list[Pick],
    *,
    moderator_role: str,
    due_on: date,
    now: datetime,
) -> tuple[list[Reaudit], int]:
    """Give each pick to its moderator (with a panel: to a member in turn, shared with the
    panel), due `due_on`, and tell the people concerned. Returns the re-audits, and how many
    picks nobody could moderate."""
    moderators = moderator_finder(session, policy, moderator_role)
    originals = Original.of_audits(session, [pick.audit_id for pick in picks])
    rows = []
    for pick in picks:
        moderator = moderators.for_manager(originals[pick.audit_id].manager)
        if moderator is None:
            continue
        rows.append(
            {
                "round_id": reaudit_round.id,
                "audit_id": pick.audit_id,
                "moderator_id": moderator.id,
                "panel": moderators.panel,
                "chosen_because": pick.chosen_because,
                "pool_size": pick.pool_size,
                "draw_seed": pick.draw_seed,
                "due_on": due_on,
                "created_at": now,
                "updated_at": now,
            }
        )
    reaudits = insert_all(session, Reaudit, rows, key="audit_id")
    actions = audit_actions_of(session, [reaudit.audit_id for reaudit in reaudits])
    for reaudit in reaudits:
        original = originals[reaudit.audit_id]
        queue_draw_messages(session, policy, reaudit, original, actions[original.audit.id], now)
    return reaudits, len(picks) - len(reaudits)


def _window(window: tuple[date, date]) -> dict[str, str]:
    return {"completed_from": window[0].isoformat(), "completed_to": window[1].isoformat()}


def _between(calendar: WorkingCalendar, window: tuple[date, date]) -> tuple[datetime, datetime]:
    """The window's local days as moments: from the first day's start to the last day's end."""
    return calendar.at(window[0], time(0)), calendar.at(window[1] + timedelta(days=1), time(0))


def _completed_audits(
    session: Session, calendar: WorkingCalendar, window: tuple[date, date]
) -> list[Candidate]:
    """Audits submitted within the window and not re-audited in an earlier month."""
    start, end = _between(calendar, window)
    already = (
        select(Reaudit.audit_id)
        .join(ReauditRound, col(ReauditRound.id) == Reaudit.round_id)
        .where(ReauditRound.kind == MONTHLY)
    )
    rows = session.exec(
        select(Audit.id, Staff.email, Audit.submitted_at, Audit.overall)
        .join(Staff, col(Staff.id) == Audit.manager_id)
        .where(Audit.status == AuditStatus.SUBMITTED, col(Audit.id).not_in(already))
        .where(col(Audit.submitted_at) >= start, col(Audit.submitted_at) < end)
        # A round's audit answers its own question set: not moderated with the monthly ones.
        .where(col(Audit.selection_id).not_in(select(RoundCase.selection_id)))
    ).all()
    return [
        Candidate(audit_id, email, calendar.local(submitted_at).date(), overall)
        for audit_id, email, submitted_at, overall in rows
    ]


def _completed_reaudits(
    session: Session, calendar: WorkingCalendar, window: tuple[date, date]
) -> list[Candidate]:
    start, end = _between(calendar, window)
    rows = session.exec(
        select(Reaudit.audit_id, Staff.email, Reaudit.submitted_at)
        .join(ReauditRound, col(ReauditRound.id) == Reaudit.round_id)
        .join(Audit, col(Audit.id) == Reaudit.audit_id)
        .join(Staff, col(Staff.id) == Audit.manager_id)
        .where(ReauditRound.kind == MONTHLY, Reaudit.status == ReauditStatus.SUBMITTED)
        .where(col(Reaudit.submitted_at) >= start, col(Reaudit.submitted_at) < end)
    ).all()
    return [
        Candidate(audit_id, email, calendar.local(submitted_at).date())
        for audit_id, email, submitted_at in rows
    ]


def _round(session: Session, kind: str, month: Month) -> ReauditRound | None:
    return session.exec(
        select(ReauditRound).where(ReauditRound.kind == kind, ReauditRound.month == str(month))
    ).first()


def _outcome_of(session: Session, reaudit_round: ReauditRound, *, created: bool) -> ReauditOutcome:
    moderators = session.exec(
        select(Staff)
        .join(Reaudit, col(Reaudit.moderator_id) == Staff.id)
        .where(Reaudit.round_id == reaudit_round.id)
        .order_by(Reaudit.id)
    ).all()
    return ReauditOutcome(
        month=Month.parse(reaudit_round.month),
        kind=reaudit_round.kind,
        created=created,
        drawn_at=reaudit_round.drawn_at,
        drawn_by=reaudit_round.drawn_by,
        criteria=reaudit_round.criteria,
        moderators=list(moderators),
    )


def month_due_for_scheduled_draw(
    policy: Policy, calendar: WorkingCalendar, timezone: tzinfo, now: datetime
) -> Month | None:
    """The month whose re-audits the scheduler should draw at `now`, if any: from ``run_at``
    on its first working day, catching up within ``catch_up_working_days`` after downtime."""
    rules = policy.reaudit
    local = now.astimezone(timezone)
    month = Month.of(local.date())
    first = calendar.first_working_day(month)
    if local.replace(tzinfo=None) < datetime.combine(first, rules.run_at):
        return None
    late_by = calendar.working_days_between(first, local.date())
    return month if late_by <= rules.catch_up_working_days else None


def run_scheduled_reaudits(session: Session, tick: Tick) -> list[ReauditOutcome]:
    """Draw this month's re-audits (and, in the policy's month, the yearly sample) if the
    schedule says so and nobody has."""
    policy, calendar, timezone, now = tick.policy, tick.calendar, tick.timezone, tick.now
    month = month_due_for_scheduled_draw(policy, calendar, timezone, now)
    if month is None:
        return []
    drawn = []
    every_audit = policy.reaudit.sampling == EVERY_AUDIT  # given out as submitted: no draw
    if not every_audit and _round(session, MONTHLY, month) is None:
        drawn.append(draw_reaudits(session, tick, month, actor="scheduler"))
    annual = policy.reaudit.annual
    if annual.enabled and month.month == annual.month and _round(session, ANNUAL, month) is None:
        drawn.append(draw_annual_moderation(session, tick, month, actor="scheduler"))
    return drawn
