"""Button clicks and modal submissions on a selection: asking for a different case."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.commands import UNKNOWN_PERSON, find_actor
from bot.errors import AuditbotError
from bot.months import Month
from bot.outbox import queue_update
from bot.selection import MIN_REDRAW_REASON, redraw_case
from bot.services import Services
from messages import render
from models import Case, Selection, SelectionRound
from models.db import transaction


@dataclass(frozen=True)
class Reply:
    """Either a modal to open, or a short ephemeral answer."""

    view: dict[str, Any] | None = None
    text: str | None = None


def open_redraw_request(
    services: Services, slack_user_id: str, selection_id: str, channel: str | None, ts: str | None
) -> Reply:
    with services.make_session() as session:
        actor = find_actor(session, slack_user_id)
        if actor is None:
            return Reply(text=UNKNOWN_PERSON)
        selection = session.get(Selection, int(selection_id)) if selection_id.isdigit() else None
        if selection is None or selection.manager_id != actor.id:
            return Reply(text="Only the team manager this case was drawn for can ask for another.")
        if selection.status != "selected":
            return Reply(text="This case has already been replaced: see your latest message.")
        case = session.get(Case, selection.case_id)
        metadata = json.dumps({"selection_id": selection.id, "channel": channel, "ts": ts})
        view = render(
            "redraw_modal",
            case_ref=case.case_ref,
            private_metadata=metadata,
            min_reason=MIN_REDRAW_REASON,
        )
        return Reply(view=view)


def submit_redraw_request(
    services: Services, slack_user_id: str, private_metadata: str, reason: str
) -> dict[str, str] | None:
    """Re-draw; returns inline errors for the modal (block_id → message), or None when done."""
    metadata = json.loads(private_metadata)
    now = services.now()
    try:
        with transaction(services.make_session) as session:
            actor = find_actor(session, slack_user_id)
            if actor is None:
                return {"reason": UNKNOWN_PERSON}
            old = session.get(Selection, int(metadata["selection_id"]))
            old_case_ref = session.get(Case, old.case_id).case_ref if old and old.case_id else ""
            replacement, _ = redraw_case(
                session,
                selection_id=int(metadata["selection_id"]),
                actor=actor,
                reason=reason,
                policy=services.policy,
                calendar=services.calendar,
                now=now,
            )
            if metadata.get("channel") and metadata.get("ts"):
                month = Month.parse(session.get(SelectionRound, replacement.round_id).month)
                queue_update(
                    session,
                    key=f"selection-replaced:{old.id}",
                    channel=metadata["channel"],
                    ts=metadata["ts"],
                    message=render(
                        "selection_replaced",
                        case_ref=old_case_ref,
                        month=month.label,
                        reason=reason.strip(),
                    ),
                    concern=f"selection:{old.id}",
                    now=now,
                )
    except AuditbotError as error:
        return {"reason": str(error)}
    except IntegrityError:  # a double submit: the first one re-drew
        return {"reason": "This case has already been replaced: see your latest message."}
    services.deliver_soon()
    return None
