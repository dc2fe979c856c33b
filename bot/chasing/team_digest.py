"""The weekly team digest: on the policy's day and time (the next working day after a bank
holiday; caught up later that week after downtime) each team's channel gets this month's
programme in counts — never a case reference — with what was done since last week's digest
(counted from the database at `now`, not from a stored digest), and, in a paused month or one
the policy never audits, that there is no selection. Teams without a channel are skipped (and
listed in `/audit status`).

Each part of the digest is a counter: a function giving labelled counts for every team at once.
To add one, append it to `DIGEST_COUNTERS`. The week is claimed in a
`ChaseRun` row and each post has the key `team-digest:<team>:<date>`, so it goes once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from bot.chasing.nudges import claim_run
from bot.core import auditlog
from bot.core.months import Month
from bot.core.outbox import queue_channel_post
from bot.core.tick import Tick
from bot.policy.schema import Policy
from bot.selection.programme_calendar import is_paused, no_selection_reason
from bot.tac.cases import count_needing_attention
from messages import render
from models import Audit, AuditAction, Reaudit, ReauditRound, Selection, SelectionRound, Team
from models.booking import bookings_by_state
from models.statuses import ActionStatus, AuditStatus, BookingStatus, ReauditStatus, SelectionStatus

TEAM_DIGEST = "team_digest"


@dataclass(frozen=True)
class DigestWeek:
    team_ids: list[int]
    month: Month
    today: date
    policy: Policy
    # Last week's digest went a week before `now`: what was done since is counted from then.
    since: datetime
    # "paused" or "not audited" when the month has no selection, else None.
    no_selection: str | None = None


@dataclass(frozen=True)
class Count:
    label: str
    value: int
    # How many of `value` came since last week's digest, for counts that only grow.
    since_last_week: int | None = None


# Labelled counts per team id, for all the week's teams at once: a few queries in all rather
# than a few per team.
DigestCounter = Callable[[Session, DigestWeek], dict[int, list[Count]]]


def _by_team(rows: Iterable[Sequence[Any]]) -> defaultdict[int, list[Sequence[Any]]]:
    """Rows whose first column is a team id, grouped by it (the team id dropped)."""
    grouped: defaultdict[int, list[Sequence[Any]]] = defaultdict(list)
    for team_id, *rest in rows:
        grouped[team_id].append(rest)
    return grouped


def count_audit_month(session: Session, week: DigestWeek) -> dict[int, list[Count]]:
    """This month's cases selected, discussions booked and held, audits completed; and audits
    of any month past their due date. Only this month's and the overdue selections are read,
    however many years of history there are."""
    selected = select(Selection.team_id, Selection.id).where(
        col(Selection.team_id).in_(week.team_ids),
        Selection.status == SelectionStatus.SELECTED,
        col(Selection.case_id).is_not(None),
    )
    this_month = {
        team_id: [selection_id for (selection_id,) in rows]
        for team_id, rows in _by_team(
            session.exec(
                selected.join(SelectionRound, col(SelectionRound.id) == Selection.round_id).where(
                    SelectionRound.month == str(week.month)
                )
            ).all()
        ).items()
    }
    month_ids = [i for ids in this_month.values() for i in ids]
    discussions = bookings_by_state(session, month_ids)
    submitted = select(Audit.selection_id).where(Audit.status == AuditStatus.SUBMITTED)
    completed_at = dict(
        session.exec(
            select(Audit.selection_id, Audit.submitted_at).where(
                Audit.status == AuditStatus.SUBMITTED, col(Audit.selection_id).in_(month_ids)
            )
        ).all()
    )
    overdue = Counter(
        team_id
        for team_id, _ in session.exec(
            selected.where(col(Selection.due_on) < week.today, col(Selection.id).not_in(submitted))
        ).all()
    )
    counts = {}
    for team_id in week.team_ids:
        ids = this_month.get(team_id, [])
        states = [discussions[i] for i in ids if i in discussions]
        counts[team_id] = [
            Count("Cases selected this month", len(ids)),
            Count("Discussions booked", len(states)),
            Count("Discussions held", sum(1 for state in states if state == BookingStatus.HELD)),
            _done_since(
                "Audits completed", [completed_at[i] for i in ids if i in completed_at], week
            ),
            Count("Audits overdue", overdue[team_id]),
        ]
    return counts


def _done_since(label: str, done_at: list[datetime | None], week: DigestWeek) -> Count:
    recent = sum(1 for moment in done_at if moment is not None and moment >= week.since)
    return Count(label, len(done_at), since_last_week=recent)


def count_actions(session: Session, week: DigestWeek) -> dict[int, list[Count]]:
    """Open audit actions of the team's audits, and how many of them are past their date."""
    rows = _by_team(
        session.exec(
            select(Selection.team_id, AuditAction.due_on)
            .join(Audit, col(Audit.id) == AuditAction.audit_id)
            .join(Selection, col(Selection.id) == Audit.selection_id)
            .where(
                col(Selection.team_id).in_(week.team_ids), AuditAction.status == ActionStatus.OPEN
            )
        ).all()
    )
    counts = {}
    for team_id in week.team_ids:
        due_dates = [due_on for (due_on,) in rows.get(team_id, [])]
        counts[team_id] = [
            Count("Actions open", len(due_dates)),
            Count("Actions overdue", sum(1 for due_on in due_dates if due_on < week.today)),
        ]
    return counts


def count_reaudits(session: Session, week: DigestWeek) -> dict[int, list[Count]]:
    """Re-audits of the team's audits drawn this month and done; and any past their due date.
    Only this month's and the overdue re-audits are read."""
    month = str(week.month)
    overdue_now = and_(Reaudit.status != ReauditStatus.SUBMITTED, col(Reaudit.due_on) < week.today)
    rows = _by_team(
        session.exec(
            select(
                Selection.team_id,
                ReauditRound.month,
                Reaudit.status,
                Reaudit.submitted_at,
                overdue_now,
            )
            .join(ReauditRound, col(ReauditRound.id) == Reaudit.round_id)
            .join(Audit, col(Audit.id) == Reaudit.audit_id)
            .join(Selection, col(Selection.id) == Audit.selection_id)
            .where(col(Selection.team_id).in_(week.team_ids))
            .where(or_(ReauditRound.month == month, overdue_now))
        ).all()
    )
    counts = {}
    for team_id in week.team_ids:
        team_rows = rows.get(team_id, [])
        this_month = [
            (status, submitted_at)
            for row_month, status, submitted_at, _ in team_rows
            if row_month == month
        ]
        done = [at for status, at in this_month if status == ReauditStatus.SUBMITTED]
        counts[team_id] = [
            Count("Re-audits drawn this month", len(this_month)),
            _done_since("Re-audits done", done, week),
            Count("Re-audits overdue", sum(1 for *_, overdue in team_rows if overdue)),
        ]
    return counts


def count_tac_summaries(session: Session, week: DigestWeek) -> dict[int, list[Count]]:
    due = count_needing_attention(
        session, policy=week.policy.tac, today=week.today, team_ids=week.team_ids
    )
    label = (
        f"TAC summaries due (overdue, never done, or within {week.policy.tac.due_soon_days} days)"
    )
    return {team_id: [Count(label, due[team_id])] for team_id in week.team_ids}


DIGEST_COUNTERS: list[DigestCounter] = [
    count_audit_month,
    count_reaudits,
    count_actions,
    count_tac_summaries,
]


def _digest_counts(session: Session, week: DigestWeek) -> dict[int, list[Count]]:
    counts: defaultdict[int, list[Count]] = defaultdict(list)
    for counter in DIGEST_COUNTERS:
        for team_id, team_counts in counter(session, week).items():
            counts[team_id].extend(team_counts)
    return counts


def send_team_digests(session: Session, tick: Tick) -> int:
    """Post this week's digest to every team channel, once; returns how many."""
    policy, calendar, now = tick.policy, tick.calendar, tick.now
    local_now = calendar.local(now).replace(tzinfo=None)
    digest = policy.team_digest
    nominal = calendar.weekly_slot_due(digest.weekday, digest.post_time, local_now)
    run = claim_run(session, TEAM_DIGEST, nominal.isoformat(), now) if nominal else None
    if run is None:
        return 0
    teams = [
        team
        for team in session.exec(select(Team).order_by(Team.name)).all()
        if team.channel_id and team.id is not None
    ]
    today = local_now.date()
    month = Month.of(today)
    reason = no_selection_reason(session, policy, month)
    week = DigestWeek(
        team_ids=[team.id for team in teams if team.id is not None],
        month=month,
        today=today,
        policy=policy,
        since=now - timedelta(days=7),
        no_selection=None if reason is None else "paused" if is_paused(reason) else "not audited",
    )
    counts = _digest_counts(session, week)
    for team in teams:
        queue_channel_post(
            session,
            key=f"team-digest:{team.id}:{nominal.isoformat()}",
            channel=team.channel_id,
            message=render("team_digest", team=team, week=week, counts=counts[team.id]),
            concern=f"team-digest:{nominal.isoformat()}",
            now=now,
        )
        run.recipients += 1
    session.add(run)
    auditlog.record(
        session,
        actor="scheduler",
        action="team_digest.send",
        subject=f"team-digest:{nominal.isoformat()}",
        now=now,
        teams=run.recipients,
    )
    return run.recipients
