"""The briefing as a readable Markdown summary: counts only, never a case reference, so it can
be shared beyond the people entitled to the register."""

from __future__ import annotations

from bot.report.figures import FAMILIES, MANAGERS, PRACTITIONERS, Briefing, Reason
from bot.report.tables import (
    Table,
    action_tracker_table,
    completion_table,
    concerns_table,
    engagement_table,
    grades_table,
    reaudit_table,
    round_tables,
    tac_summaries_table,
)


def briefing_markdown(briefing: Briefing) -> str:
    sections = [
        _heading(briefing),
        _how_much(briefing),
        _how_well(briefing),
        _concerns(briefing),
        _engagement(briefing),
        _actions(briefing),
        _reaudits(briefing),
        _tac(briefing),
        *_rounds(briefing),
    ]
    return "\n\n".join(sections) + "\n"


def briefing_headline(briefing: Briefing) -> str:
    """One paragraph of the main figures, counts only (for a terminal or a demo)."""
    now, concerns = briefing.current, briefing.current_concerns
    return (
        f"QA briefing for {briefing.period.label}: {now.identified} audits identified, "
        f"{now.completed_in_time} completed within timescale, {now.completed_late} late, "
        f"{now.not_completed} not completed; cases of concern: {concerns.category_1} "
        f"Category 1, {concerns.category_2} Category 2."
    )


def _heading(briefing: Briefing) -> str:
    return (
        f"# QA briefing: {briefing.period.label}\n\n"
        f"Audits of the cases drawn for {briefing.period.label}, compared with the three "
        f"{'quarters' if briefing.period.is_quarter else 'months'} before, as recorded on "
        f"{briefing.as_of:%-d %B %Y}. Audit framework: {briefing.framework}."
    ) + "".join(f"\n\n**{note}.**" for note in briefing.no_selection)


def _how_much(briefing: Briefing) -> str:
    now = briefing.current
    lines = [
        "## 1. How much did we do?",
        "",
        f"{_count(now.identified, 'case was', 'cases were')} identified for audit: "
        f"{now.completed_in_time} completed within timescale, {now.completed_late} completed "
        f"late and {now.not_completed} not completed.",
    ]
    if now.extended:
        lines.append(
            f"{_count(now.extended, 'audit was', 'audits were')} given more time (an extension); "
            "their timescale is the extended due date."
        )
    if now.no_eligible_case:
        lines.append(
            f"{_count(now.no_eligible_case, 'team manager had', 'team managers had')} "
            "no eligible case to audit."
        )
    lines += ["", _markdown_table(completion_table(briefing))]
    why = _group(briefing.reasons, MANAGERS)
    if why:
        lines += ["", "Why audits were not completed:", "", *_bullets(why)]
    return "\n".join(lines)


def _how_well(briefing: Briefing) -> str:
    lines = ["## 2. How well are we doing?", ""]
    if not briefing.grade_scale:
        lines.append(
            "The audit framework uses evaluative statements without grades, so there is no "
            "grade table."
        )
        return "\n".join(lines)
    for row in briefing.overall_grades:
        counts = ", ".join(f"{count} {grade}" for grade, count in row.counts.items())
        lines.append(f"- {row.period.label}: {counts} (overall judgements)")
    lines += ["", _markdown_table(grades_table(briefing))]
    return "\n".join(lines)


def _concerns(briefing: Briefing) -> str:
    now = briefing.current_concerns
    return "\n".join(
        [
            "## 3. Cases of concern",
            "",
            f"From this period's audits: {now.category_1} Category 1 (a child may be at risk "
            f"now; {now.category_1_acknowledged} acknowledged by a senior manager) and "
            f"{now.category_2} Category 2 (the service is not appropriate to the child's "
            "needs).",
            "",
            _markdown_table(concerns_table(briefing)),
            "",
            "The register naming the cases is a separate file, given only to administrators "
            "and to the team managers' service managers and heads of service.",
        ]
    )


def _engagement(briefing: Briefing) -> str:
    lines = [
        "## 4. Engagement",
        "",
        "Team managers are engaged when they complete the audit; practitioners when the "
        "reflective discussion is held; children and families when their views are obtained "
        "(one contact record covers the child and the parents).",
        "",
        _markdown_table(engagement_table(briefing)),
    ]
    for group in (PRACTITIONERS, FAMILIES):
        why = _group(briefing.reasons, group)
        if why:
            lines += ["", f"{group} not engaged, and why:", "", *_bullets(why)]
    return "\n".join(lines)


def _actions(briefing: Briefing) -> str:
    return "\n".join(
        [
            "## 5. Action tracker",
            "",
            f"SMART actions from the audits of each month, as on {briefing.as_of:%-d %B %Y}: "
            "outstanding means open after its due date.",
            "",
            _markdown_table(action_tracker_table(briefing)),
        ]
    )


def _reaudits(briefing: Briefing) -> str:
    lines = ["## 6. Re-audit agreement", ""]
    if not briefing.reaudit_agreement:
        lines.append("No re-audits were recorded for this period.")
    else:
        lines.append(_markdown_table(reaudit_table(briefing)))
    return "\n".join(lines)


def _tac(briefing: Briefing) -> str:
    total = sum(row.completed for row in briefing.tac_summaries)
    lines = [
        "## 7. TAC reflective case summaries",
        "",
        f"{_count(total, 'summary was', 'summaries were')} completed in {briefing.period.label}.",
    ]
    if total:
        lines += ["", _markdown_table(tac_summaries_table(briefing))]
    return "\n".join(lines)


def _rounds(briefing: Briefing) -> list[str]:
    """Audit rounds (issue 12): only when one was audited in the period."""
    tables = round_tables(briefing)
    if not tables:
        return []
    lines = ["## 8. Audit rounds", ""]
    for table in tables:
        lines += [f"### {table.title}", "", _markdown_table(table), ""]
    return ["\n".join(lines).rstrip()]


def _group(reasons: list[Reason], group: str) -> list[Reason]:
    return [reason for reason in reasons if reason.group == group]


def _bullets(reasons: list[Reason]) -> list[str]:
    return [f"- {_escape(reason.reason)}: {reason.count}" for reason in reasons]


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _markdown_table(table: Table) -> str:
    lines = [
        "| " + " | ".join(table.header) + " |",
        "|" + "|".join("---" for _ in table.header) + "|",
    ]
    lines += ["| " + " | ".join(_escape(str(cell)) for cell in row) + " |" for row in table.rows]
    return "\n".join(lines)


def _escape(text: str) -> str:
    """Recorded reasons are free text: keep them from breaking a table or adding markup."""
    for character in ("\\", "|", "*", "_", "`", "<", ">", "[", "]"):
        text = text.replace(character, "\\" + character)
    return text
