"""“Download for the child's record”: the completed audit as a Word document, sent to the DM of
the person who pressed the button (on the audit's result DM or the Home tab).

Who may have it: the auditor; the case's team manager; the service manager and head of service
up the line of either; the moderator of a re-audit of it; and administrators. Anyone else is
refused and nothing is sent, whatever the button carried.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from bot.audit.actions import case_of
from bot.audit.record_data import collect_audit_record
from bot.audit.record_document import audit_record_docx, record_filename
from bot.core import auditlog
from bot.core.cover import route_dm
from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.line import sees_line_of
from bot.core.outbox import queue_files_dm
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import on_click
from messages import escape_mrkdwn
from models import Audit, Case, Reaudit, Staff
from models.statuses import AuditStatus, StaffStatus

NOT_ENTITLED = (
    "Sorry, only the auditor, the case's team manager, their service manager or head of "
    "service, the audit's moderator and administrators can have this audit. Nothing has been sent."
)
NOT_SUBMITTED = "This audit is not submitted yet: there is no completed audit to download."
AWAY = (
    "You are marked as away, so your messages go to your cover: clear your absence with "
    "`/audit away clear` and press the button again. Nothing has been sent."
)


@on_click(Audit)
def send_audit_record(uow: UnitOfWork, audit: Audit) -> Reply:
    """Queue the audit's Word document to the presser's DM (once a minute, however often
    pressed) and say so privately."""
    session, person, now = uow.session, uow.actor, uow.now
    if not may_have_audit(session, person, audit):
        raise NotAllowed(NOT_ENTITLED)
    if audit.status != AuditStatus.SUBMITTED:
        raise InvalidRequest(NOT_SUBMITTED)
    if not _reaches_themselves(session, person, now):
        raise InvalidRequest(AWAY)
    record = collect_audit_record(session, uow.policy, audit, uow.calendar.timezone, now)
    case_ref = escape_mrkdwn(record.case_ref)  # Slack reads both as mrkdwn
    queue_files_dm(
        session,
        key=f"audit-record:{audit.id}:{person.id}:{now:%Y%m%dT%H%M}",
        recipient=person,
        files={record_filename(record): audit_record_docx(record)},
        comment=(
            f"The audit of {case_ref} as a Word document: please save it to the child's file, "
            "then delete it here."
        ),
        concern=f"audit:{audit.id}",
        now=now,
    )
    auditlog.record(
        session, actor=person.email, action="audit.record", subject=f"audit:{audit.id}", now=now
    )
    return Reply.say(
        f"I've sent you the audit of {case_ref} as a Word document in a direct message."
    )


def may_have_audit(session: Session, person: Staff, audit: Audit) -> bool:
    """Whether the person is entitled to the audit (see the module's docstring)."""
    if person.id == audit.manager_id or person.has_role("admin"):
        return True
    if person.id in _moderator_ids(session, audit):
        return True
    managers = case_team_managers(session, case_of(session, audit))
    if person.id in {manager.id for manager in managers}:
        return True
    auditor = session.get(Staff, audit.manager_id)
    return sees_line_of(person, line_above(session, [auditor, *managers]))


def case_team_managers(session: Session, case: Case) -> list[Staff]:
    """The case's team managers: the practitioner's own manager when they are one, and the
    active team managers of the case's team."""
    practitioner = session.get(Staff, case.worker_id)
    own = session.get(Staff, practitioner.manager_id) if practitioner.manager_id else None
    in_team = session.exec(
        select(Staff).where(
            Staff.team_id == case.team_id,
            Staff.status == StaffStatus.ACTIVE,
            col(Staff.roles).contains("team_manager"),
        )
    ).all()
    found = [own] if own is not None and own.has_role("team_manager") else []
    return found + [person for person in in_team if person.has_role("team_manager")]


def line_above(session: Session, people: Iterable[Staff]) -> set[int]:
    """Everyone above these people by line management (their managers, and theirs, …)."""
    above: set[int] = set()
    for person in people:
        manager_id = person.manager_id
        while manager_id is not None and manager_id not in above:
            above.add(manager_id)
            manager_id = session.get(Staff, manager_id).manager_id
    return above


def _reaches_themselves(session: Session, person: Staff, now: datetime) -> bool:
    """Whether a DM to the person reaches them, not a cover (while they are marked away)."""
    route = route_dm(session, person, now)
    return route.recipient is not None and route.recipient.id == person.id


def _moderator_ids(session: Session, audit: Audit) -> set[int]:
    return set(session.exec(select(Reaudit.moderator_id).where(Reaudit.audit_id == audit.id)).all())
