"""What follows the submission of an audit in a feature above the audit in the layers
(pyproject.toml): moderation of every audit, say. Such a feature subscribes here, and the audit
form calls `audit_submitted` once it has frozen the audit, in the same unit of work, so the audit
needs no import of what reacts to it and a retried submission (refused, since it is already
submitted) reacts to nothing."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.unit_of_work import UnitOfWork
from models import Audit

Reaction = Callable[[UnitOfWork, Audit], object]

_reactions: dict[str, Reaction] = {}


def when_audit_submitted(name: str, reaction: Reaction) -> None:
    """Run `reaction(uow, audit)` after each audit's submission; subscribing the same `name`
    again replaces it, so building the app twice (tests, the demo) reacts once."""
    _reactions[name] = reaction


def audit_submitted(uow: UnitOfWork, audit: Audit) -> None:
    """The audit was just submitted: run each subscribed reaction, in subscription order."""
    for reaction in list(_reactions.values()):
        reaction(uow, audit)
