"""Button clicks and modal submissions on a selection: asking for a different case."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.core.actor import UNKNOWN_PERSON, find_actor
from bot.core.errors import AuditbotError
from bot.core.services import Services
from bot.selection.draw import MIN_REDRAW_REASON, redraw_case, redraw_refusal
from messages import render
from models import Case, Selection
from models.db import transaction

ALREADY_REPLACED = "This case has already been replaced: see your latest message."


@dataclass(frozen=True)
class Reply:
    """Either a modal to open, or a short ephemeral answer."""

    view: dict[str, Any] | None = None
    text: str | None = None

    @property
    def notice(self) -> dict[str, Any]:
        """The answer as the rendered ephemeral message (bot/tac/checkpoint.py's Reply has one)."""
        return render("notice", text=self.text, usage=None)


def open_redraw_request(services: Services, slack_user_id: str, selection_id: str) -> Reply:
    with services.make_session() as session:
        actor = find_actor(session, slack_user_id)
        if actor is None:
            return Reply(text=UNKNOWN_PERSON)
        selection = session.get(Selection, int(selection_id)) if selection_id.isdigit() else None
        if selection is None or selection.manager_id != actor.id:
            return Reply(text="Only the team manager this case was drawn for can ask for another.")
        refusal = redraw_refusal(session, selection)
        if refusal:
            return Reply(text=refusal)
        view = render(
            "redraw_modal",
            case_ref=session.get(Case, selection.case_id).case_ref,
            private_metadata=json.dumps({"selection_id": selection.id}),
            min_reason=MIN_REDRAW_REASON,
        )
        return Reply(view=view)


def submit_redraw_request(
    services: Services, slack_user_id: str, private_metadata: str, reason: str
) -> dict[str, str] | None:
    """Re-draw; returns inline errors for the modal (block_id → message), or None when done."""
    selection_id = int(json.loads(private_metadata)["selection_id"])
    try:
        with transaction(services.make_session) as session:
            actor = find_actor(session, slack_user_id)
            if actor is None:
                return {"reason": UNKNOWN_PERSON}
            redraw_case(
                session,
                selection_id=selection_id,
                actor=actor,
                reason=reason,
                policy=services.policy,
                calendar=services.calendar,
                now=services.now(),
            )
    except AuditbotError as error:
        return {"reason": str(error)}
    except IntegrityError:  # a double submit: the first one re-drew
        return {"reason": ALREADY_REPLACED}
    services.deliver_soon()
    return None
