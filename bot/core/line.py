"""Line management: who stands above whom on the staff list, and the escalation ladder over it
(team manager, service manager, head of service) that chasing, extensions and alerts climb."""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from sqlmodel import Session

from bot.policy.schema import ESCALATION_LADDER
from models import Staff


def ladder_person(
    session: Session, owner: Staff, role: str, away: AbstractSet[int] = frozenset()
) -> Staff | None:
    """The first active person above the owner, by line management, with the ladder role; None
    when the owner has that role themselves (the step is their own) or nobody above has it.
    When that person is away (`away`: their ids) the step skips to the next rung up: the first
    person above them, not away, with a higher role of the ladder."""
    if owner.has_role(role):
        return None
    roles = (role,)
    seen = {owner.id}
    person = owner
    while person.manager_id is not None and person.manager_id not in seen:
        person = session.get(Staff, person.manager_id)
        seen.add(person.id)
        if person.is_active and person.has_role(*roles):
            if person.id not in away:
                return person
            roles = ESCALATION_LADDER[ESCALATION_LADDER.index(role) + 1 :]
    return None


def sees_line_of(person: Staff, line_manager_ids: AbstractSet[int]) -> bool:
    """Whether the person may see what names a team manager's cases (a case of concern): an
    administrator always; a service manager or head of service when they are in that manager's
    line (`line_manager_ids`: the manager's service manager and head of service)."""
    if person.has_role("admin"):
        return True
    return person.has_role("service_manager", "head_of_service") and person.id in line_manager_ids
