"""Who moderates an audit: someone up the team manager's line with the policy's role, or, with
`moderator_role: panel`, the members of the moderation panel in turn."""

from __future__ import annotations

import logging

from sqlmodel import Session, col, func, or_, select

from bot.policy.schema import ModerationPanel, Policy
from models import Reaudit, Staff

log = logging.getLogger(__name__)

PANEL = "panel"


class ModeratorFinder:
    """Who moderates a team manager's audit: the first active person up their line with the
    role; where the line has none, the active people with it, in turn (by email)."""

    panel: str | None = None

    def __init__(self, session: Session, role: str) -> None:
        self.session = session
        self.role = role
        # Everyone up any line, and whoever may hold the role: the lines are walked in memory.
        people = session.exec(
            select(Staff)
            .where(
                or_(
                    col(Staff.id).in_(select(Staff.manager_id)),
                    col(Staff.roles).contains(role),
                )
            )
            .order_by(Staff.email)
        ).all()
        self.in_turn = [person for person in people if person.is_active and person.has_role(role)]
        self.turns = 0

    def for_manager(self, manager: Staff) -> Staff | None:
        person, seen = manager, {manager.id}
        while person.manager_id is not None and person.manager_id not in seen:
            seen.add(person.manager_id)
            person = self.session.get(Staff, person.manager_id)
            if person.is_active and person.has_role(self.role):
                return person
        others = [person for person in self.in_turn if person.id != manager.id]
        if not others:
            return None
        self.turns += 1
        return others[(self.turns - 1) % len(others)]


class PanelFinder:
    """The moderation panel's members take the re-audits in turn, carrying on from the panel's
    re-audits so far, so the work is shared across draws and submissions. A member never
    moderates their own audit."""

    def __init__(self, session: Session, panel: ModerationPanel) -> None:
        self.panel = panel.name
        self.members = panel_members(session, panel)
        self.turns = session.exec(
            select(func.count()).select_from(Reaudit).where(Reaudit.panel == panel.name)
        ).one()

    def for_manager(self, manager: Staff) -> Staff | None:
        others = [person for person in self.members if person.id != manager.id]
        if not others:
            return None
        self.turns += 1
        return others[(self.turns - 1) % len(others)]


def moderator_finder(session: Session, policy: Policy, role: str) -> ModeratorFinder | PanelFinder:
    if role == PANEL and policy.reaudit.panel is not None:
        return PanelFinder(session, policy.reaudit.panel)
    return ModeratorFinder(session, role)


def panel_members(session: Session, panel: ModerationPanel) -> list[Staff]:
    """The panel's members who can moderate, in the panel's order: each an active member of
    staff on Slack (an external moderator is a staff row whose Slack user is a guest). Anyone
    else is logged and skipped."""
    found = {
        person.email.lower(): person
        for person in session.exec(
            select(Staff).where(func.lower(Staff.email).in_(panel.members))
        ).all()
    }
    members = []
    for email in panel.members:
        person = found.get(email)
        if person is None:
            log.warning(
                "moderation panel %r: %s is not on the staff list; skipped", panel.name, email
            )
        elif not person.is_active:
            log.warning("moderation panel %r: %s has left; skipped", panel.name, email)
        elif not person.slack_user_id:
            log.warning("moderation panel %r: %s is not on Slack; skipped", panel.name, email)
        else:
            members.append(person)
    return members


def may_moderate(policy: Policy, reaudit: Reaudit, person: Staff) -> bool:
    """The assigned moderator, or, for a panel's re-audit, any active member of the panel."""
    if reaudit.moderator_id == person.id:
        return True
    panel = policy.reaudit.panel
    if reaudit.panel is None or panel is None or not person.is_active:
        return False
    return person.email.lower() in panel.members
