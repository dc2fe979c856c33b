"""Who may act on a selected case: the team manager it was drawn for, or whoever covers for them
while they are away (bot/core/cover.py); and only while it is still their current case."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core.cover import require_acting_for
from bot.core.errors import InvalidRequest, NotAllowed
from models import Selection, Staff
from models.round_findings import paired_partner_id
from models.statuses import SelectionStatus

ONLY_THE_MANAGER = "Only the team manager this case was drawn for can do that."
REPLACED = "This case has been replaced: please use your latest message."


def require_managed_selection(
    session: Session, actor: Staff, selection: Selection | None, now: datetime
) -> Selection:
    """The selection, if `actor` is the team manager it was drawn for (or, on a paired audit
    day, its auditors' pair), or covers for them at `now`, and it is still current."""
    if selection is None:
        raise NotAllowed(ONLY_THE_MANAGER)
    owners = (selection.manager_id, paired_partner_id(session, selection.id))  # issue 25 pairs
    require_acting_for(session, actor, *owners, now=now, refusal=ONLY_THE_MANAGER)
    if selection.status != SelectionStatus.SELECTED:
        raise InvalidRequest(REPLACED)
    return selection
