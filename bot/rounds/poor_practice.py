"""Poor practice found on an audit day (issue 25, Halton): "Where poor practice is identified the
lead manager is responsible for ensuring that a clear recommendation and timescale for what must
be done is immediately conveyed to the relevant senior manager."

With the round's `poor_practice` setting, the auditors (either of a pair) or the lead reviewer
report it from the case's DM: a recommendation and a date. The case's senior manager (the first
service manager above its practitioner, else the head of service) gets it at once, at the
outbox's urgent priority, and it is tracked until they acknowledge it: sent again, and to the
head of service above them, after the hours an immediate safeguarding alert is given. An audit
submitted with the lowest overall judgement asks its submitter for the report straight away."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import Session, col, select

from bot.core import auditlog
from bot.core.cover import require_acting_for
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.line import ladder_person
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.rounds.judgement import lead_reviewer_of
from bot.rounds.messages import (
    framework_for_selection,
    refresh_round_case_messages,
    round_case_of_selection,
)
from messages import render
from models import Audit, AuditRound, Case, OutboxMessage, PoorPractice, RoundCase, Staff
from models.statuses import Priority

MIN_RECOMMENDATION = 20
NOT_THE_AUDITORS = "Only the case's auditors or the round's lead reviewer can report this."
NOT_THE_MANAGER = "Only the senior manager it was sent to can acknowledge it."
ALREADY = "Poor practice on this case has already been reported: nothing has changed."
NOBODY_SENIOR = "Nobody senior is above this case's practitioner on the staff list: please tell "
NOBODY_SENIOR += "an administrator. Nothing has been sent."


def offers_report(session: Session, round_case: RoundCase) -> bool:
    return bool(session.get(AuditRound, round_case.round_id).definition.get("poor_practice"))


def ask_after_lowest_judgement(uow: UnitOfWork, audit: Audit) -> None:
    """After a round audit's submission (bot/core/audit_events.py): the lowest overall judgement
    of a graded framework asks its submitter for the recommendation and timescale at once."""
    session = uow.session
    round_case = round_case_of_selection(session, audit.selection_id)
    if round_case is None or not offers_report(session, round_case):
        return
    grades = framework_for_selection(session, uow.policy, audit.selection_id).grades
    if not grades or audit.overall != grades[-1] or report_of(session, round_case.id):
        return
    queue_dm(
        session,
        key=f"poor-practice:{round_case.id}:ask",
        recipient=uow.actor,
        message=render("poor_practice_ask_dm", **_context(session, round_case), grade=grades[-1]),
        concern=f"round-case:{round_case.id}",
        now=uow.now,
        priority=Priority.ANSWER,
    )


def report_of(session: Session, round_case_id: int) -> PoorPractice | None:
    found = select(PoorPractice).where(PoorPractice.round_case_id == round_case_id)
    return session.exec(found).first()


@on_click(RoundCase)
def open_report_form(uow: UnitOfWork, round_case: RoundCase) -> Reply:
    _require_reporter(uow, round_case)
    return Reply(
        view=render(
            "poor_practice_modal",
            **_context(uow.session, round_case),
            private_metadata=json.dumps({"round_case_id": round_case.id}),
        )
    )


@on_submit(RoundCase, key="round_case_id", field="recommendation")
def submit_report(uow: UnitOfWork, round_case: RoundCase, form: Submission) -> Reply | None:
    """Convey the recommendation and timescale to the senior manager at once; inline errors."""
    _require_reporter(uow, round_case)
    recommendation = form.text("recommendation").strip()
    due_on = _date(form.values.get("due_on"))
    today = uow.calendar.local(uow.now).date()
    errors = {}
    if len(recommendation) < MIN_RECOMMENDATION:
        errors["recommendation"] = (
            f"Please say clearly what must be done (at least {MIN_RECOMMENDATION} characters)."
        )
    if due_on is None or due_on <= today:
        errors["due_on"] = "Please choose by when it must be done: a date after today."
    if errors:
        return Reply(errors=errors)
    session = uow.session
    senior = senior_manager_of(session, round_case)
    if senior is None:
        raise InvalidRequest(NOBODY_SENIOR)
    report = PoorPractice(
        round_case_id=round_case.id,
        recommendation=recommendation,
        due_on=due_on,
        reported_by_id=uow.actor.id,
        reported_at=uow.now,
        senior_manager_id=senior.id,
    )
    session.add(report)
    session.flush()
    auditlog.record(
        session,
        actor=uow.actor.email,
        action="round.poor_practice",
        subject=f"round-case:{round_case.id}",
        now=uow.now,
        due_on=due_on.isoformat(),
        senior_manager=senior.email,
    )
    queue_dm(
        session,
        key=_senior_key(report),
        recipient=senior,
        message=render("poor_practice_dm", **_reported(session, report)),
        concern=f"round-case:{round_case.id}",
        now=uow.now,
        priority=Priority.URGENT,
    )
    refresh_round_case_messages(session, uow.policy, round_case, "poor-practice", uow.now)
    return None


@on_click(PoorPractice)
def acknowledge_report(uow: UnitOfWork, report: PoorPractice) -> Reply:
    """The senior manager (or their cover) takes it on; the reporter is told."""
    session = uow.session
    require_acting_for(
        session, uow.actor, report.senior_manager_id, now=uow.now, refusal=NOT_THE_MANAGER
    )
    if report.acknowledged_at is not None:
        raise InvalidRequest("It has already been acknowledged: nothing has changed.")
    report.acknowledged_by_id = uow.actor.id
    report.acknowledged_at = uow.now
    session.add(report)
    auditlog.record(
        session,
        actor=uow.actor.email,
        action="round.poor_practice.acknowledge",
        subject=f"round-case:{report.round_case_id}",
        now=uow.now,
    )
    round_case = session.get(RoundCase, report.round_case_id)
    queue_update(
        session,
        key=f"{_senior_key(report)}:acknowledged",
        update_of=_senior_key(report),
        message=render("poor_practice_dm", **_reported(session, report)),
        concern=f"round-case:{round_case.id}",
        now=uow.now,
        priority=Priority.URGENT,
    )
    queue_dm(
        session,
        key=f"{_senior_key(report)}:told-reporter",
        recipient=session.get(Staff, report.reported_by_id),
        message=render("poor_practice_dm", **_reported(session, report, to_reporter=True)),
        concern=f"round-case:{round_case.id}",
        now=uow.now,
    )
    refresh_round_case_messages(session, uow.policy, round_case, "poor-practice-ack", uow.now)
    return Reply.say("Thank you: the auditors know you are seeing it done.")


def chase_poor_practice(session: Session, tick: Tick) -> int:
    """Poor practice not acknowledged within the alerts' working hours
    (`audit.alert_acknowledge_working_hours`) is sent to the senior manager again and to the
    head of service above them, once (the keys)."""
    hours = tick.policy.audit.alert_acknowledge_working_hours
    waiting = session.exec(
        select(PoorPractice).where(col(PoorPractice.acknowledged_at).is_(None))
    ).all()
    chased = 0
    for report in waiting:
        key = f"{_senior_key(report)}:again"
        if tick.now < tick.calendar.add_working_hours(report.reported_at, hours) or _queued(
            session, key
        ):
            continue
        senior = session.get(Staff, report.senior_manager_id)
        head = ladder_person(session, senior, "head_of_service")
        for person, copy in ((senior, False), (head, True)):
            if person is None:
                continue
            queue_dm(
                session,
                key=key if not copy else f"{key}:head:{person.id}",
                recipient=person,
                message=render(
                    "poor_practice_dm",
                    **_reported(session, report, chased_after=hours, copy=copy, senior=senior),
                ),
                concern=f"round-case:{report.round_case_id}",
                now=tick.now,
                priority=Priority.URGENT,
            )
        chased += 1
    return chased


def _queued(session: Session, key: str) -> bool:
    found = select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
    return session.exec(found).first() is not None


def senior_manager_of(session: Session, round_case: RoundCase) -> Staff | None:
    """The relevant senior manager: the first service manager above the case's practitioner,
    else the first head of service."""
    practitioner = session.get(Staff, session.get(Case, round_case.case_id).worker_id)
    return ladder_person(session, practitioner, "service_manager") or ladder_person(
        session, practitioner, "head_of_service"
    )


def _require_reporter(uow: UnitOfWork, round_case: RoundCase) -> None:
    session = uow.session
    if not offers_report(session, round_case):
        raise NotAllowed(NOT_THE_AUDITORS)
    lead = lead_reviewer_of(session, round_case)
    people = (round_case.auditor_id, round_case.partner_id, lead.id if lead else None)
    require_acting_for(session, uow.actor, *people, now=uow.now, refusal=NOT_THE_AUDITORS)
    if report_of(session, round_case.id) is not None:
        raise InvalidRequest(ALREADY)


def _senior_key(report: PoorPractice) -> str:
    return f"poor-practice:{report.round_case_id}:senior"


def _context(session: Session, round_case: RoundCase) -> dict:
    case = session.get(Case, round_case.case_id)
    return {
        "round": session.get(AuditRound, round_case.round_id),
        "round_case": round_case,
        "case": case,
        "practitioner": session.get(Staff, case.worker_id),
        "to_reporter": False,
        "chased_after": None,
        "copy": False,
        "senior": None,
    }


def _reported(session: Session, report: PoorPractice, **extra: object) -> dict:
    round_case = session.get(RoundCase, report.round_case_id)
    return (
        _context(session, round_case)
        | {
            "report": report,
            "reporter": session.get(Staff, report.reported_by_id),
            "acknowledged_by": session.get(Staff, report.acknowledged_by_id)
            if report.acknowledged_by_id
            else None,
        }
        | extra
    )


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
