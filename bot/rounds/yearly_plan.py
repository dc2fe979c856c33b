"""The year's audit days, planned ahead (issue 25, Halton): "Four dates are set over a calendar
year; administrative and IT support are allocated and audit teams are agreed well in advance."
Each date of `rounds.yearly_plan` becomes an audit day round as soon as the plan names it, so
its cases are drawn (five weeks before) and reminded like any round, administrators see the
year's dates in `/audit round status`, and each auditor is told the dates at once."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlmodel import Session, select

from bot.core.calendar import WorkingCalendar
from bot.core.outbox import queue_dm
from bot.policy.schema import Policy
from bot.rounds.definition import RoundProblem, create_round, round_auditors
from messages import render
from models import AuditRound, Staff

log = logging.getLogger(__name__)


def define_planned_rounds(
    session: Session, policy: Policy, calendar: WorkingCalendar, today: date, now: datetime
) -> list[str]:
    """Define the plan's audit days still to come that are not defined yet, and tell their
    auditors (one DM each, listing the new dates)."""
    known = set(session.exec(select(AuditRound.name)).all())
    defined: list[AuditRound] = []
    for definition in policy.rounds.yearly_plan.definitions():
        if definition.name in known or definition.audit_date <= today:
            continue
        try:
            audit_round = create_round(
                session,
                definition,
                policy,
                calendar=calendar,
                source="plan",
                actor="policy",
                today=today,
                now=now,
            )
        except RoundProblem as problem:
            log.warning("planned audit day %s not defined: %s", definition.name, problem)
            continue
        defined.append(audit_round)
    if defined:
        _tell_auditors(session, defined, now)
    return [audit_round.name for audit_round in defined]


def _tell_auditors(session: Session, defined: list[AuditRound], now: datetime) -> None:
    auditors: dict[int, tuple[Staff, list[AuditRound]]] = {}
    for audit_round in defined:
        spec = audit_round.definition
        for person in round_auditors(session, spec["auditors"], spec["auditor_role"]):
            auditors.setdefault(person.id, (person, []))[1].append(audit_round)
    for person, rounds in auditors.values():
        queue_dm(
            session,
            key=f"yearly-plan:{person.id}:round-{rounds[0].id}",
            recipient=person,
            message=render("round_plan_dm", rounds=rounds),
            concern=f"round:{rounds[0].id}",
            now=now,
        )
