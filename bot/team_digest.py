"""The weekly team digest: on the policy's day and time (the next working day after a bank
holiday; caught up later that week after downtime) each team's channel gets this month's
programme in counts — never a case reference. Teams without a channel are skipped (and listed
in `/audit status`).

Each part of the digest is a counter: a function giving labelled counts for a team. To add one,
append it to `DIGEST_COUNTERS`. The week is claimed in a
`ChaseRun` row and each post has the key `team-digest:<team>:<date>`, so it goes once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from bot import auditlog
from bot.calendar import WorkingCalendar
from bot.chasing import claim_run
from bot.months import Month
from bot.outbox import queue_channel_post
from bot.policy import Policy
from bot.tac import tac_cases
from messages import render
from models import Audit, AuditAction, Reaudit, ReauditRound, Selection, SelectionRound, Team
from models.booking import bookings_by_state

TEAM_DIGEST = "team_digest"


@dataclass(frozen=True)
class DigestWeek:
    team: Team
    month: Month
    today: date
    policy: Policy


@dataclass(frozen=True)
class Count:
    label: str
    value: int


DigestCounter = Callable[[Session, DigestWeek], list[Count]]


def count_audit_month(session: Session, week: DigestWeek) -> list[Count]:
    """This month's cases selected, discussions booked and held, audits completed; and audits
    of any month past their due date."""
    rows = session.exec(
        select(Selection.id, SelectionRound.month, Selection.due_on)
        .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
        .where(Selection.team_id == week.team.id, Selection.status == "selected")
        .where(col(Selection.case_id).is_not(None))
    ).all()
    this_month = [selection_id for selection_id, month, _ in rows if month == str(week.month)]
    discussions = bookings_by_state(session, this_month)
    submitted = set(
        session.exec(
            select(Audit.selection_id).where(
                col(Audit.selection_id).in_([row[0] for row in rows]), Audit.status == "submitted"
            )
        ).all()
    )
    overdue = [
        selection_id
        for selection_id, _, due_on in rows
        if due_on is not None and due_on < week.today and selection_id not in submitted
    ]
    return [
        Count("Cases selected this month", len(this_month)),
        Count("Discussions booked", len(discussions)),
        Count("Discussions held", sum(1 for state in discussions.values() if state == "held")),
        Count("Audits completed", len(submitted.intersection(this_month))),
        Count("Audits overdue", len(overdue)),
    ]


def count_actions(session: Session, week: DigestWeek) -> list[Count]:
    """Open audit actions of the team's audits, and how many of them are past their date."""
    due_dates = session.exec(
        select(AuditAction.due_on)
        .join(Audit, col(Audit.id) == AuditAction.audit_id)
        .join(Selection, col(Selection.id) == Audit.selection_id)
        .where(Selection.team_id == week.team.id, AuditAction.status == "open")
    ).all()
    return [
        Count("Actions open", len(due_dates)),
        Count("Actions overdue", sum(1 for due_on in due_dates if due_on < week.today)),
    ]


def count_reaudits(session: Session, week: DigestWeek) -> list[Count]:
    """Re-audits of the team's audits drawn this month and done; and any past their due date."""
    rows = session.exec(
        select(ReauditRound.month, Reaudit.status, Reaudit.due_on)
        .join(ReauditRound, col(ReauditRound.id) == Reaudit.round_id)
        .join(Audit, col(Audit.id) == Reaudit.audit_id)
        .join(Selection, col(Selection.id) == Audit.selection_id)
        .where(Selection.team_id == week.team.id)
    ).all()
    this_month = [status for month, status, _ in rows if month == str(week.month)]
    return [
        Count("Re-audits drawn this month", len(this_month)),
        Count("Re-audits done", sum(1 for status in this_month if status == "submitted")),
        Count(
            "Re-audits overdue",
            sum(1 for _, status, due_on in rows if status != "submitted" and due_on < week.today),
        ),
    ]


def count_tac_summaries(session: Session, week: DigestWeek) -> list[Count]:
    cases = tac_cases(
        session,
        policy=week.policy.tac,
        today=week.today,
        team_ids=[week.team.id],
        with_decisions=False,
    )
    return [
        Count(
            f"TAC summaries due (overdue, never done, or within {week.policy.tac.due_soon_days} "
            "days)",
            sum(1 for item in cases if item.status.needs_attention),
        )
    ]


DIGEST_COUNTERS: list[DigestCounter] = [
    count_audit_month,
    count_reaudits,
    count_actions,
    count_tac_summaries,
]


def send_team_digests(
    session: Session, *, policy: Policy, calendar: WorkingCalendar, now: datetime
) -> int:
    """Post this week's digest to every team channel, once; returns how many."""
    local_now = calendar.local(now).replace(tzinfo=None)
    digest = policy.team_digest
    nominal = calendar.weekly_slot_due(digest.weekday, digest.post_time, local_now)
    run = claim_run(session, TEAM_DIGEST, nominal.isoformat(), now) if nominal else None
    if run is None:
        return 0
    for team in session.exec(select(Team).order_by(Team.name)).all():
        if not team.channel_id:
            continue
        week = DigestWeek(
            team=team, month=Month.of(local_now.date()), today=local_now.date(), policy=policy
        )
        queue_channel_post(
            session,
            key=f"team-digest:{team.id}:{nominal.isoformat()}",
            channel=team.channel_id,
            message=render(
                "team_digest",
                team=team,
                week=week,
                counts=[count for counter in DIGEST_COUNTERS for count in counter(session, week)],
            ),
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
