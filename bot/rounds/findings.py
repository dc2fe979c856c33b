"""The end of an audit day (issue 25, Halton): "The day ends with a discussion of strengths and
weaknesses across the sample. At the end of the two days, recommendations about organisational
practice, systems or policies are formulated." On the round's last audit day the lead reviewer
is asked to record them, once per round (they may correct them later); the QA briefing carries
them to the people entitled to them (bot/report/round_findings.py)."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlmodel import Session, col, select

from bot.core import auditlog
from bot.core.cover import require_acting_for
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from messages import render
from models import AuditRound, OutboxMessage, RoundFindings, Staff
from models.statuses import StaffStatus

PARTS = ("strengths", "weaknesses", "recommendations")
MIN_TEXT = 10
NOT_THE_LEAD = "Only the round's lead reviewer can record the day's findings."
LATE_DAYS = 14  # a tick after downtime still asks for the findings of a round this recent


def last_audit_day(audit_round: AuditRound) -> date:
    return audit_round.audit_until or audit_round.audit_on


def prompt_round_findings(session: Session, tick: Tick) -> int:
    """Ask each lead reviewer, from the policy's time on their round's last audit day, for the
    day's findings; once a round (the DM's key), never for a round recorded already."""
    local = tick.calendar.local(tick.now)
    today = local.date()
    rounds = session.exec(
        select(AuditRound)
        .where(col(AuditRound.selection_round_id).is_not(None))
        .where(AuditRound.audit_on <= today, AuditRound.audit_on >= today - timedelta(days=60))
        .order_by(col(AuditRound.id))
    ).all()
    asked = 0
    for audit_round in rounds:
        last = last_audit_day(audit_round)
        due = last < today or (
            last == today and local.time() >= tick.policy.rounds.findings_prompt_at
        )
        if not due or last < today - timedelta(days=LATE_DAYS):
            continue
        lead = lead_of(session, audit_round)
        if lead is None or findings_of(session, audit_round.id) or _asked(session, audit_round):
            continue
        queue_dm(
            session,
            key=_prompt_key(audit_round),
            recipient=lead,
            message=render("round_findings_prompt_dm", round=audit_round, findings=None),
            concern=f"round:{audit_round.id}",
            now=tick.now,
        )
        asked += 1
    return asked


def lead_of(session: Session, audit_round: AuditRound) -> Staff | None:
    email = audit_round.definition.get("lead_reviewer")
    if not email:
        return None
    return session.exec(
        select(Staff).where(Staff.email == email, Staff.status == StaffStatus.ACTIVE)
    ).first()


def findings_of(session: Session, round_id: int) -> RoundFindings | None:
    return session.exec(select(RoundFindings).where(RoundFindings.round_id == round_id)).first()


@on_click(AuditRound)
def open_findings_form(uow: UnitOfWork, audit_round: AuditRound) -> Reply:
    _require_lead(uow, audit_round)
    return Reply(
        view=render(
            "round_findings_modal",
            round=audit_round,
            findings=findings_of(uow.session, audit_round.id),
            private_metadata=json.dumps({"round_id": audit_round.id}),
        )
    )


@on_submit(AuditRound, key="round_id", field="strengths")
def submit_findings(uow: UnitOfWork, audit_round: AuditRound, form: Submission) -> Reply | None:
    """Record (or correct) the round's findings; each part on its field when too short."""
    _require_lead(uow, audit_round)
    answers = {part: form.text(part).strip() for part in PARTS}
    errors = {
        part: f"Please write a sentence or two (at least {MIN_TEXT} characters)."
        for part, text in answers.items()
        if len(text) < MIN_TEXT
    }
    if errors:
        return Reply(errors=errors)
    findings = findings_of(uow.session, audit_round.id) or RoundFindings(
        round_id=audit_round.id, recorded_by_id=uow.actor.id, recorded_at=uow.now, **answers
    )
    for part, text in answers.items():
        setattr(findings, part, text)
    findings.recorded_by_id = uow.actor.id
    findings.recorded_at = uow.now
    uow.session.add(findings)
    uow.session.flush()
    auditlog.record(
        uow.session,
        actor=uow.actor.email,
        action="round.findings",
        subject=f"round:{audit_round.id}",
        now=uow.now,
    )
    queue_update(
        uow.session,
        key=f"{_prompt_key(audit_round)}:recorded:{uow.now:%Y%m%dT%H%M%S}",
        update_of=_prompt_key(audit_round),
        message=render("round_findings_prompt_dm", round=audit_round, findings=findings),
        concern=f"round:{audit_round.id}",
        now=uow.now,
    )
    return None


def _require_lead(uow: UnitOfWork, audit_round: AuditRound) -> None:
    lead = lead_of(uow.session, audit_round)
    owner = lead.id if lead else None
    require_acting_for(uow.session, uow.actor, owner, now=uow.now, refusal=NOT_THE_LEAD)


def _prompt_key(audit_round: AuditRound) -> str:
    return f"round:{audit_round.id}:findings"


def _asked(session: Session, audit_round: AuditRound) -> bool:
    key = _prompt_key(audit_round)
    found = select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
    return session.exec(found).first() is not None
