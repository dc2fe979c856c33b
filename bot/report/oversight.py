"""The briefing's counts of the oversight practices in use (issue 25, Bolton): transfer audits,
the managers' reviews of actions, supervision file audits and observations of practice, in the
period and as at its end. Counts only; a practice nobody used in the period is left out."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from sqlmodel import Session, col, func, select

from bot.observations.due import OVERDUE, practitioners_of, standings
from bot.report.period import Period
from models import ActionReview, Observation, SupervisionFileAudit, TransferAudit


def oversight_in(session: Session, period: Period, timezone: tzinfo, as_of: date) -> list[str]:
    """One sentence per practice used in the period."""
    start = datetime.combine(period.first_day, time(), timezone)
    end = datetime.combine(period.last_day + timedelta(days=1), time(), timezone)

    def counts(model, *conditions_each) -> tuple[int, ...]:
        """How many rows meet each of the conditions (a tuple of terms each), in one statement."""
        return session.exec(
            select(
                *(
                    func.count().filter(*conditions) if conditions else func.count()
                    for conditions in conditions_each
                )
            ).select_from(model)
        ).one()

    def within(column) -> tuple:
        return (col(column) >= start, col(column) < end)

    lines = []
    completed = within(TransferAudit.completed_at)
    asked, done, not_fit = counts(
        TransferAudit,
        within(TransferAudit.requested_at),
        completed,
        (*completed, col(TransferAudit.fit_for_purpose).is_(False)),
    )
    if asked or done:
        lines.append(
            f"Transfer audits (file fit for purpose): {asked} asked for, {done} done, of which "
            f"{not_fit} found the file not fit for purpose."
        )
    asked, done = counts(
        ActionReview, within(ActionReview.prompted_at), within(ActionReview.completed_at)
    )
    if asked or done:
        lines.append(f"Reviews of audits' actions: {asked} asked of managers, {done} recorded.")
    asked, done, overdue = counts(
        SupervisionFileAudit,
        within(SupervisionFileAudit.requested_at),
        within(SupervisionFileAudit.completed_at),
        (
            col(SupervisionFileAudit.completed_at).is_(None),
            col(SupervisionFileAudit.due_on) < as_of,
        ),
    )
    if asked or done:
        lines.append(f"Supervision file audits: {asked} asked for, {done} done; {overdue} overdue.")
    observed, ever = counts(
        Observation,
        (
            col(Observation.observed_on) >= period.first_day,
            col(Observation.observed_on) <= period.last_day,
        ),
        (),
    )
    if observed or ever:
        found = standings(session, practitioners_of(session), as_of, due_soon_days=0)
        overdue = sum(1 for item in found if item.state == OVERDUE)
        lines.append(
            f"Observations of practice: {observed} recorded; {overdue} of {len(found)} "
            "practitioners overdue (never observed, or past their due date)."
        )
    return lines
