"""The briefing's tables: one per CSV file, and the same rows in the Markdown summary.

Every table here carries counts only, except the cases-of-concern register, which names cases
and is only written for people entitled to it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from bot.report.figures import Briefing, RegisterEntry
from bot.report.learning import GoodPractice, grades_below_good
from models.statuses import Participation

Cell = str | int


@dataclass(frozen=True)
class Table:
    name: str  # the CSV file's name ends with it, e.g. "completion"
    title: str
    header: list[str]
    rows: list[list[Cell]]


def briefing_tables(briefing: Briefing) -> list[Table]:
    return [
        completion_table(briefing),
        grades_table(briefing),
        moderation_table(briefing),
        held_back_table(briefing),
        concerns_table(briefing),
        engagement_table(briefing),
        reasons_table(briefing),
        action_tracker_table(briefing),
        reaudit_table(briefing),
        tac_summaries_table(briefing),
        *round_tables(briefing),
    ]


def round_tables(briefing: Briefing) -> list[Table]:
    """Audit rounds (issue 12), when any was audited in the period: counts per round, and
    the findings per theme question (counts of each grade, or of answers when ungraded)."""
    if not briefing.rounds:
        return []
    counts = Table(
        "rounds",
        "Audit rounds",
        [
            "Round",
            "Kind",
            "Question set",
            "Audit date",
            "Cases drawn",
            "Attendance confirmed",
            "Cannot attend",
            "Audits done",
            "Team managers took part",
            "Team managers not available",
            "Practitioners took part",
            "Practitioners not available",
            "Actions",
            "Actions done",
        ],
        [
            [
                r.round.name,
                r.kind,
                r.question_set,
                r.round.audit_on.isoformat(),
                r.drawn,
                r.confirmed,
                r.declined,
                r.audited,
                r.managers[Participation.TOOK_PART],
                r.managers[Participation.NOT_AVAILABLE],
                r.practitioners[Participation.TOOK_PART],
                r.practitioners[Participation.NOT_AVAILABLE],
                r.actions,
                r.actions_done,
            ]
            for r in briefing.rounds
        ],
    )
    findings = Table(
        "round-findings",
        "Audit rounds: findings per question",
        ["Round", "Question", "Finding", "Audits"],
        [
            [r.round.name, question, finding, number]
            for r in briefing.rounds
            for question, found in r.findings.items()
            for finding, number in sorted(found.items())
        ],
    )
    return [counts, findings]


def completion_table(briefing: Briefing) -> Table:
    return Table(
        "completion",
        "Audits identified, completed and analysed",
        [
            "Period",
            "Identified",
            "Completed within timescale",
            "Completed late",
            "Not completed",
            "Inadmissible",
            "Analysed",
            "No eligible case",
            "Given more time",
        ],
        [
            [
                str(row.period),
                row.identified,
                row.completed_in_time,
                row.completed_late,
                row.not_completed,
                row.inadmissible,
                row.analysed,
                row.no_eligible_case,
                row.extended,
            ]
            for row in briefing.completion
        ],
    )


def grades_table(briefing: Briefing) -> Table:
    return Table(
        "grades",
        "Grades per domain and overall, after moderation",
        ["Domain", "Period", *briefing.grade_scale, "Total"],
        [[row.domain, str(row.period), *row.counts.values(), row.total] for row in briefing.grades],
    )


def moderation_table(briefing: Briefing) -> Table:
    grades = briefing.grade_scale
    return Table(
        "moderation",
        "Overall judgements before and after moderation",
        [
            "Period",
            *(f"{grade} (as audited)" for grade in grades),
            *(f"{grade} (after moderation)" for grade in grades),
            "Moderated",
            "Moved up",
            "Moved down",
        ],
        [
            [
                str(row.period),
                *row.before.values(),
                *row.after.values(),
                row.moderated,
                row.moved_up,
                row.moved_down,
            ]
            for row in briefing.moderation
        ],
    )


def held_back_table(briefing: Briefing) -> Table:
    below = grades_below_good(briefing.grade_scale)
    return Table(
        "held-back-from-good",
        "What holds cases back from Good: domains graded below Good",
        ["Domain", *below, "Total"],
        [[row.domain, *row.counts.values(), row.total] for row in briefing.held_back],
    )


def concerns_table(briefing: Briefing) -> Table:
    return Table(
        "cases-of-concern",
        "Cases of concern (Ofsted Annex H categories)",
        [
            "Period",
            "Category 1 raised",
            "Category 1 acknowledged",
            "Category 2 raised",
            "Category 1 still open",
            "Category 2 still open",
            "On the register at the end of the period",
        ],
        [
            [
                str(row.period),
                row.category_1,
                row.category_1_acknowledged,
                row.category_2,
                row.category_1_open,
                row.category_2_open,
                row.on_register,
            ]
            for row in briefing.concerns
        ],
    )


def engagement_table(briefing: Briefing) -> Table:
    return Table(
        "engagement",
        "Engagement in the audits done",
        ["Group", "Outcome", "Audits"],
        [
            [row.group, outcome, count]
            for row in briefing.engagement
            for outcome, count in row.counts.items()
        ],
    )


def reasons_table(briefing: Briefing) -> Table:
    return Table(
        "not-completed-reasons",
        "Why audits were not completed",
        ["Reason", "Count"],
        [[row.reason, row.count] for row in briefing.reasons],
    )


def action_tracker_table(briefing: Briefing) -> Table:
    return Table(
        "action-tracker",
        "Action tracker, by the month of the audit",
        ["Month", "Total", "Completed", "Outstanding", "Not yet due"],
        [
            [str(row.month), row.total, row.completed, row.outstanding, row.not_yet_due]
            for row in briefing.actions
        ],
    )


def reaudit_table(briefing: Briefing) -> Table:
    return Table(
        "reaudit-agreement",
        "Re-audit agreement per domain",
        ["Domain", "Re-audited", "Agreed", "Agreement rate", "Moved up", "Moved down"],
        [
            [row.domain, row.reaudited, row.agreed, f"{row.rate:.0%}", row.moved_up, row.moved_down]
            for row in briefing.reaudit_agreement
        ],
    )


def tac_summaries_table(briefing: Briefing) -> Table:
    rows: list[list[Cell]] = [[row.team, row.completed] for row in briefing.tac_summaries]
    rows.append(["All teams", sum(row.completed for row in briefing.tac_summaries)])
    return Table(
        "tac-summaries",
        "TAC reflective case summaries completed",
        ["Team", "Summaries completed"],
        rows,
    )


def register_table(entries: list[RegisterEntry]) -> Table:
    """The cases-of-concern register: case references, for entitled people only."""
    return Table(
        "cases-of-concern-register",
        "Cases of concern register",
        [
            "Case reference",
            "Team",
            "Team manager",
            "Category",
            "Audit submitted",
            "Alert acknowledged",
            "Removed from the register",
        ],
        [
            [
                entry.case_ref,
                entry.team,
                entry.manager,
                entry.category,
                entry.submitted_on.isoformat(),
                entry.alert_acknowledged_on.isoformat() if entry.alert_acknowledged_on else "",
                entry.closed_on.isoformat() if entry.closed_on else "",
            ]
            for entry in entries
        ],
    )


def good_practice_table(entries: list[GoodPractice]) -> Table:
    """What Good looks like: impact statements by case reference, for entitled people only."""
    return Table(
        "what-good-looks-like",
        "What does Good look like? The impact statements of the Good and Outstanding audits",
        ["Case reference", "Team", "Overall judgement", "Impact"],
        [[entry.case_ref, entry.team, entry.grade, entry.impact] for entry in entries],
    )


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.header)
    writer.writerows([[_spreadsheet_safe(cell) for cell in row] for row in table.rows])
    return out.getvalue()


def _spreadsheet_safe(cell: Cell) -> Cell:
    """Text a spreadsheet will not run as a formula."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@"):
        return f"'{cell}"
    return cell
