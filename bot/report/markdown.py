"""The briefing as a readable Markdown summary, in the order of Gloucestershire's briefing
(seed 002): how much did we do, how well are we doing, where do we urgently need to focus, how
well are we doing our audits. Counts only, never a case reference, so it can be shared beyond
the people entitled to the register and to the impact statements."""

from __future__ import annotations

from bot.report.figures import Briefing, Completion, GradeCounts, Reason
from bot.report.tables import (
    Table,
    action_tracker_table,
    completion_table,
    concerns_table,
    engagement_table,
    grades_table,
    moderation_table,
    reaudit_table,
    round_tables,
    tac_summaries_table,
)

STAGES = {
    "provisional": "Provisional: moderation of these audits is still open; the final briefing "
    "follows when it closes.",
    "final": "Final: moderation of these audits has closed.",
}


def briefing_markdown(briefing: Briefing) -> str:
    sections = [
        _heading(briefing),
        _how_much(briefing),
        _how_well(briefing),
        _focus(briefing),
        _our_audits(briefing),
        _reaudits(briefing),
        _tac(briefing),
        *_rounds(briefing),
        *_oversight(briefing),
    ]
    return "\n\n".join(sections) + "\n"


def briefing_headline(briefing: Briefing) -> str:
    """One paragraph of the main figures, counts only (for a terminal or a demo)."""
    now, concerns = briefing.current, briefing.current_concerns
    return (
        f"QA briefing for {briefing.period.label}: {now.identified} audits identified, "
        f"{now.completed_in_time} completed within timescale, {now.completed_late} late, "
        f"{now.not_completed} not completed, {now.inadmissible} inadmissible, {now.analysed} "
        f"analysed; cases of concern: {concerns.category_1} Category 1, {concerns.category_2} "
        "Category 2."
    )


def volume_sentence(now: Completion) -> str:
    """'27 cases were identified for audit: 26 completed within timescale, …'."""
    sentence = (
        f"{_count(now.identified, 'case was', 'cases were')} identified for audit: "
        f"{now.completed_in_time} completed within timescale, {now.completed_late} completed "
        f"late and {now.not_completed} not completed"
    )
    if now.inadmissible:
        return (
            sentence + f"; {now.inadmissible} inadmissible, leaving {now.analysed} to be analysed."
        )
    return sentence + "."


def grade_counts(row: GradeCounts | dict[str, int]) -> str:
    counts = row.counts if isinstance(row, GradeCounts) else row
    return ", ".join(f"{count} {grade}" for grade, count in counts.items())


def _heading(briefing: Briefing) -> str:
    kind = "quarters" if briefing.period.is_quarter else "months"
    stage = f"\n\n**{STAGES[briefing.stage]}**" if briefing.stage else ""
    return (
        f"# QA briefing: {briefing.period.label}\n\n"
        f"Audits of the cases drawn for {briefing.period.label}, compared with the "
        f"{briefing.compared} {kind} before, as recorded on {briefing.as_of:%-d %B %Y}. "
        f"Audit framework: {briefing.framework}."
        + stage
        + "".join(f"\n\n**{note}.**" for note in briefing.no_selection)
    )


def _how_much(briefing: Briefing) -> str:
    now = briefing.current
    lines = ["## 1. How much did we do?", "", volume_sentence(now)]
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
    if briefing.reasons:
        lines += ["", "Why audits were not completed:", "", *_bullets(briefing.reasons)]
    return "\n".join(lines)


def _how_well(briefing: Briefing) -> str:
    lines = ["## 2. How well are we doing?", ""]
    if not briefing.grade_scale:
        lines.append(
            "The audit framework uses evaluative statements without grades, so there is no "
            "grade table."
        )
        return "\n".join(lines)
    *earlier, now = briefing.overall_grades
    moderation = briefing.current_moderation
    lines += [
        f"Following moderation, the {now.total} audits analysed were judged: "
        f"{grade_counts(now)}. These are the judgements this briefing uses.",
        "",
        f"As first audited: {grade_counts(moderation.before)}. "
        f"{_count(moderation.moderated, 'audit was', 'audits were')} moderated: "
        f"{moderation.moved_up} moved up, {moderation.moved_down} moved down and "
        f"{moderation.unchanged} unchanged.",
        "",
        "This is compared to:",
        "",
        *(f"- {row.period.label}: {grade_counts(row)}" for row in earlier),
        "",
        "### What does Good look like?",
        "",
        _good_practice(briefing),
        "",
        "### What holds cases back from Good?",
        "",
        *_held_back(briefing),
        "",
        _markdown_table(moderation_table(briefing)),
        "",
        _markdown_table(grades_table(briefing)),
    ]
    return "\n".join(lines)


def _good_practice(briefing: Briefing) -> str:
    good = len(briefing.good_practice)
    if not good:
        return "No audit of this period was judged Good or better."
    return (
        f"{_count(good, 'audit was', 'audits were')} judged Good or better. Their impact "
        "statements, by case reference, are in a separate file given only to the people "
        "entitled to those cases."
    )


def _held_back(briefing: Briefing) -> list[str]:
    if not briefing.held_back:
        return ["No domain was graded below Good."]
    return [
        "Domains graded below Good, the most frequent first:",
        "",
        *(f"- {row.domain}: {grade_counts(row.counts)}" for row in briefing.held_back),
    ]


def _focus(briefing: Briefing) -> str:
    now = briefing.current_concerns
    inadequate = briefing.inadequate
    lines = [
        "## 3. Where do we urgently need to focus our attention?",
        "",
        "Cases of concern stay on the register until a head of service has recorded the "
        "actions taken and closed them. The number on the register at the end of each "
        f"{'quarter' if briefing.period.is_quarter else 'month'}:",
        "",
        *(f"- {row.period.label}: {row.on_register}" for row in briefing.concerns),
        "",
        f"From this period's audits, {now.category_1} Category 1 (a child may be at risk now; "
        f"{now.category_1_acknowledged} acknowledged by a senior manager) and {now.category_2} "
        "Category 2 (the service is not appropriate to the child's needs) were raised. "
        f"Of these, {now.category_1_open} are still Category 1 and {now.category_2_open} still "
        "Category 2 on the register now.",
    ]
    if now.supervision_gaps:
        lines[-1] += (
            f" {_count(now.supervision_gaps, 'audit', 'audits')} found no recorded supervision "
            f"for the policy's months (immediate response; {now.supervision_gaps_acknowledged} "
            "acknowledged by a senior manager)."
        )
    if briefing.grade_scale:
        lines += [
            "",
            f"{_count(inadequate.audits, 'audit was', 'audits were')} judged "
            f"{briefing.grade_scale[-1]} after moderation: {inadequate.escalated} escalated to "
            f"a head of service; their {inadequate.actions} actions: {inadequate.actions_done} "
            f"done, {inadequate.actions_overdue} outstanding after the due date.",
        ]
    lines += [
        "",
        _markdown_table(concerns_table(briefing)),
        "",
        "The register naming the cases is a separate file, given only to administrators "
        "and to the team managers' service managers and heads of service.",
    ]
    return "\n".join(lines)


def _our_audits(briefing: Briefing) -> str:
    now = briefing.current
    done = now.completed
    lines = [
        "## 4. How well are we doing our audits?",
        "",
        f"{now.completed_in_time} of {now.identified} completed within timescale, "
        f"{now.completed_late} late, {now.not_completed} not completed; "
        f"{now.inadmissible} inadmissible.",
        "",
        f"Engagement, out of the {_count(done, 'audit', 'audits')} done:",
        "",
        *(f"- {row.group}: {row.sentence}" for row in briefing.engagement),
        "",
        _markdown_table(engagement_table(briefing)),
        "",
        "### Action tracker",
        "",
        f"SMART actions from the audits of each month, as on {briefing.as_of:%-d %B %Y}: "
        "outstanding means open after its due date.",
        "",
        *(
            f"- {row.month.label}: {row.total} actions, {row.completed} completed, "
            f"{row.outstanding} outstanding and {row.not_yet_due} not yet due"
            for row in briefing.actions
        ),
        "",
        _markdown_table(action_tracker_table(briefing)),
    ]
    return "\n".join(lines)


def _reaudits(briefing: Briefing) -> str:
    lines = ["## 5. Re-audit agreement", ""]
    if not briefing.reaudit_agreement:
        lines.append("No re-audits of this period's audits were recorded.")
    else:
        lines.append(_markdown_table(reaudit_table(briefing)))
    return "\n".join(lines)


def _tac(briefing: Briefing) -> str:
    total = sum(row.completed for row in briefing.tac_summaries)
    lines = [
        "## 6. TAC reflective case summaries",
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
    lines = ["## 7. Audit rounds", ""]
    for table in tables:
        lines += [f"### {table.title}", "", _markdown_table(table), ""]
    recorded = sum(1 for summary in briefing.rounds if summary.day_findings)
    if recorded:  # issue 25: free text, so in a file of its own (bot/report/round_findings.py)
        lines += [
            "The strengths, weaknesses and recommendations of "
            f"{_count(recorded, 'audit day', 'audit days')} are in a separate file, for "
            "administrators and heads of service.",
            "",
        ]
    return ["\n".join(lines).rstrip()]


def _oversight(briefing: Briefing) -> list[str]:
    """The oversight practices used in the period (issue 25): transfer audits, reviews of
    actions, supervision file audits, observations of practice. Counts only."""
    if not briefing.oversight:
        return []
    lines = ["## Other quality assurance", "", *(f"- {line}" for line in briefing.oversight)]
    return ["\n".join(lines)]


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
    """Recorded text is free text: keep it from breaking a table or adding markup."""
    for character in ("\\", "|", "*", "_", "`", "<", ">", "[", "]"):
        text = text.replace(character, "\\" + character)
    return text
