"""The `/audit` command: parse, check the person's rights, run one use case, render the reply."""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.audit.inadmissible import mark_case_inadmissible
from bot.commands.parser import PROGRAMME_COMMANDS, AuditCommand, UsageError, parse_audit_command
from bot.commands.status import manager_status, programme_status
from bot.concerns.register import send_register
from bot.core.months import Month
from bot.core.permissions import commands_for, is_overseer, require_command
from bot.core.replies import Reply
from bot.core.services import Services
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import answer
from bot.observations.record import answer_observed
from bot.people.away import answer_away
from bot.policy.schema import Policy
from bot.reaudit.draw import draw_reaudits
from bot.report.delivery import request_briefing
from bot.report.period import Period
from bot.rounds.status import current_rounds, named_round, round_summary, rounds_in
from bot.selection.draw import draw_monthly_selection, explain_selection
from bot.selection.programme_calendar import no_selection_reason, pause_month, unpause_month
from messages import escape_mrkdwn, render
from models import Selection, SelectionRound, Staff
from models.statuses import SelectionStatus

log = logging.getLogger(__name__)


def notice(text: str, usage: str | None = None) -> dict[str, Any]:
    return render("notice", text=text, usage=usage)


def usage_notice(error: UsageError) -> dict[str, Any]:
    return notice(str(error), usage=error.usage)


def run_audit_command(services: Services, slack_user_id: str, text: str) -> Reply:
    """Answer one `/audit …` privately; bad input or missing rights change nothing."""
    try:
        command = parse_audit_command(text)
    except UsageError as error:
        return Reply(notice=usage_notice(error))
    return answer_audit_command(services, slack_user_id, command)


def answer_audit_command(services: Services, slack_user_id: str, command: AuditCommand) -> Reply:
    """Run a parsed `/audit …` for the person, if their role allows it."""

    def work(uow: UnitOfWork) -> Reply:
        require_command(uow.actor, command.spec)
        return Reply(notice=_dispatch(uow, command))

    return answer(services, slack_user_id, work)


def _dispatch(uow: UnitOfWork, command: AuditCommand) -> dict[str, Any]:
    session, actor, now, policy = uow.session, uow.actor, uow.now, uow.policy
    today = uow.calendar.local(now).date()
    name = command.spec.name
    if name == "help":
        return render("help_reply", commands=commands_for(actor))
    if name == "select":
        month = command.month or Month.of(today).plus(1)
        outcome = draw_monthly_selection(session, uow.tick, month, actor=actor.email)
        return render(
            "select_reply",
            outcome=outcome,
            month=month.label,
            month_key=str(month),
            drawn_by=outcome.drawn_by,
        )
    if name == "observed":
        return notice(answer_observed(uow, command.observed))
    if name == "away":
        return notice(answer_away(session, actor, command.away, now, uow.calendar.timezone))
    if name == "register":
        return notice(send_register(uow))
    if name == "import":  # typed, it opens a form (handlers/commands.py); elsewhere, say how
        return notice("Type `/audit import` to upload a CSV file, or share it in my DM.")
    if name == "inadmissible":
        return notice(mark_case_inadmissible(uow, command.case_ref, command.reason, command.note))
    if name == "report":
        period = command.period or Period.month(Month.of(today).plus(-1))
        return render("report_reply", briefing=request_briefing(uow, period))
    if name == "round":
        return _round_status(policy, session, command, today)
    month = command.month or Month.of(today)
    if name == "reaudit":
        outcome = draw_reaudits(session, uow.tick, month, actor=actor.email)
        return render("reaudit_reply", outcome=outcome)
    if name == "status":
        no_selection = no_selection_reason(session, policy, month)
        if is_overseer(actor):
            status = programme_status(session, month, today, now)
            status.no_selection = no_selection
            status.rounds = rounds_in(
                session, policy.rounds, policy.framework, month.first_day, month.last_day
            )
            return render("status_programme", status=status)
        own = dataclasses.replace(manager_status(session, actor, month), no_selection=no_selection)
        return render("status_manager", status=own)
    if name in PROGRAMME_COMMANDS:
        return _programme_calendar(session, actor, command, today, now)
    return _explain(session, command, month)


def _round_status(
    policy: Policy, session: Session, command: AuditCommand, today: date
) -> dict[str, Any]:
    """Audit rounds (issue 12): one round in detail, or the current ones in counts."""
    if command.round_name:
        rounds = [named_round(session, command.round_name)]
    else:
        rounds = current_rounds(session, today)
    summaries = [round_summary(session, policy.rounds, policy.framework, r) for r in rounds]
    return render("round_status_reply", summaries=summaries, detail=bool(command.round_name))


def _explain(session: Session, command: AuditCommand, month: Month) -> dict[str, Any]:
    manager = session.exec(select(Staff).where(Staff.slack_user_id == command.user_id)).first()
    if manager is None or not manager.has_role("team_manager"):
        return notice("That person is not a team manager on the staff list.")
    selections = session.exec(
        select(Selection)
        .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
        .where(SelectionRound.month == str(month), Selection.manager_id == manager.id)
        .order_by(Selection.attempt)
    ).all()
    if not selections:
        return notice(f"No case was drawn for {manager.name} for {month.label}.")
    return render(
        "explain_reply",
        manager=manager,
        month=month,
        explanation=explain_selection(session, selections[-1]),
        replaced=[s for s in selections if s.status == SelectionStatus.REPLACED],
    )


# --- the programme calendar: `/audit pause` and `/audit unpause` (issue 13) ---


def _programme_calendar(
    session: Session, actor: Staff, command: AuditCommand, today: date, now: datetime
) -> dict[str, Any]:
    month = command.month
    if command.spec.name == "pause":
        pause = pause_month(
            session, month=month, reason=command.reason, actor=actor, today=today, now=now
        )
        return notice(
            f"*{month.label} is paused:* no cases will be drawn for it. "
            f"Reason: _{escape_mrkdwn(pause.reason)}_. To undo: `/audit unpause {month}`."
        )
    reason = unpause_month(session, month=month, actor=actor, now=now)
    return notice(
        f"*{month.label} is no longer paused* (it was: _{escape_mrkdwn(reason)}_). "
        "Its cases will be drawn on the selection day, or now with "
        f"`/audit select {month}`."
    )
