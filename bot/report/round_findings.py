"""The audit days' findings in the QA briefing (issue 25, Halton): each round's strengths,
weaknesses and recommendations about organisational practice, as the lead recorded them.

They are free text, like the impact statements of "What does Good look like?", so they are
handled the same way: a file of their own, never in the summary or the tables everyone gets,
sent only to the readers entitled to them. They are findings across a whole sample, not about
one team's cases, so those readers are the administrators and the heads of service."""

from __future__ import annotations

from bot.report.figures import Briefing
from bot.report.period import Period
from bot.report.tables import Table, to_csv
from bot.rounds.status import RoundSummary
from models import Staff

Files = dict[str, str | bytes]
ENTITLED_ROLES = ("admin", "head_of_service")


def with_findings(briefing: Briefing) -> list[RoundSummary]:
    """The period's rounds whose findings have been recorded."""
    return [summary for summary in briefing.rounds if summary.day_findings is not None]


def findings_for(person: Staff, briefing: Briefing) -> list[RoundSummary]:
    return with_findings(briefing) if person.has_role(*ENTITLED_ROLES) else []


def findings_table(summaries: list[RoundSummary]) -> Table:
    return Table(
        "audit-day-findings",
        "Audit days: strengths and weaknesses across the sample, and recommendations",
        ["Round", "Audit date", "Strengths", "Weaknesses", "Recommendations"],
        [
            [
                summary.round.name,
                summary.round.audit_on.isoformat(),
                summary.day_findings.strengths,
                summary.day_findings.weaknesses,
                summary.day_findings.recommendations,
            ]
            for summary in summaries
        ],
    )


def findings_file(period: Period, summaries: list[RoundSummary]) -> Files:
    table = findings_table(summaries)
    return {f"qa-briefing-{period}-{table.name}.csv": to_csv(table)}
