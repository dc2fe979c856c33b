"""Who stands behind an audit beyond its auditor: the case's team manager and the line above
them (service manager, head of service), found as Category 1 alerts find them."""

from __future__ import annotations

from sqlmodel import Session

from bot.audit.alerts import alert_recipients
from bot.core.line import sees_line_of
from bot.rounds.messages import round_case_manager
from models import Audit, Staff


def case_team_manager(session: Session, audit: Audit) -> Staff:
    """The case's team manager: the auditor, or for a round's audit by someone else, the case's
    own team manager."""
    others = round_case_manager(session, audit.selection_id)
    return others[0] if others else session.get(Staff, audit.manager_id)


def case_line(session: Session, audit: Audit) -> list[Staff]:
    """The case's team manager's service manager and head of service (every head of service
    where the line is not recorded)."""
    return alert_recipients(session, case_team_manager(session, audit))


def heads_of_service(session: Session, audit: Audit) -> list[Staff]:
    return [person for person in case_line(session, audit) if person.has_role("head_of_service")]


def stands_behind(session: Session, person: Staff, audit: Audit) -> bool:
    """The auditor, an administrator, or a service manager or head of service of the case's
    team manager's line."""
    if person.id == audit.manager_id:
        return True
    return sees_line_of(person, {someone.id for someone in case_line(session, audit)})
