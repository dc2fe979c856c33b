"""The shapes of a use case behind Slack, and the ritual around each, written once.

A use case is a plain function of the unit of work and the row it acts on. The decorators here
turn it into what a listener calls, and do the rest for every one alike: find who is acting
(anyone not on the staff list gets the same answer everywhere), read the row the button or form
names, lock it before the use case reads it, run everything in one transaction, answer a
refusal privately (a click) or on the form's field (a form), and wake the sender.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Any

from sqlmodel import SQLModel

from bot.core.actor import STALE_BUTTON
from bot.core.errors import AuditbotError
from bot.core.replies import CLOSE, Reply
from bot.core.services import Services
from bot.core.unit_of_work import UnitOfWork, carry_out

ClickUseCase = Callable[[Services, str, str], Reply]  # (services, Slack user id, button value)


@dataclass(frozen=True)
class Submission:
    """A form as submitted: its values by block id, and what the form carried."""

    values: dict[str, Any]
    private_metadata: str = ""
    view_id: str = ""

    @cached_property
    def metadata(self) -> dict[str, Any]:
        """The form's private_metadata; a forged or garbled one reads as empty."""
        try:
            metadata = json.loads(self.private_metadata or "{}")
        except json.JSONDecodeError:
            return {}
        return metadata if isinstance(metadata, dict) else {}

    def text(self, block_id: str) -> str:
        """What was typed in a text block (a reason, a note): empty when left blank."""
        return self.values.get(block_id) or ""


FormUseCase = Callable[[Services, str, Submission], Reply]  # (services, Slack user id, form)
ErrorField = str | Callable[[Submission, AuditbotError], str]  # where a refusal is shown


def answer(services: Services, slack_user_id: str, work: Callable[[UnitOfWork], Reply]) -> Reply:
    """Carry out `work` for the person; a refusal is their private answer, and changes nothing."""
    try:
        return carry_out(services, slack_user_id, work)
    except AuditbotError as error:
        return Reply.say(str(error))


def on_click(
    subject: type[SQLModel] | None = None, *, missing: str = STALE_BUTTON
) -> Callable[[Callable[[UnitOfWork, Any], Reply]], ClickUseCase]:
    """A button's use case, `(uow, row) -> Reply` for the `subject` row whose id the button
    carries (locked), or `(uow, value) -> Reply` with the button's value when it names none.
    `missing` is the answer when that row does not exist."""

    def decorate(body: Callable[[UnitOfWork, Any], Reply]) -> ClickUseCase:
        @wraps(body)
        def use_case(services: Services, slack_user_id: str, value: str) -> Reply:
            def work(uow: UnitOfWork) -> Reply:
                if subject is None:
                    return body(uow, value)
                return body(uow, uow.lock_named(subject, value, missing))

            return answer(services, slack_user_id, work)

        return use_case

    return decorate


def on_submit(
    subject: type[SQLModel] | None = None,
    *,
    key: str = "",
    field: ErrorField = "reason",
    missing: str = STALE_BUTTON,
) -> Callable[[Callable[[UnitOfWork, Any, Submission], Reply | None]], FormUseCase]:
    """A form's use case, `(uow, row, submission) -> Reply | None` for the `subject` row whose
    id the form's metadata carries under `key` (locked). None closes the form; a refusal is
    shown on `field`: a block id, or a function of the submission and the refusal giving one."""

    def decorate(body: Callable[[UnitOfWork, Any, Submission], Reply | None]) -> FormUseCase:
        @wraps(body)
        def use_case(services: Services, slack_user_id: str, form: Submission) -> Reply:
            def work(uow: UnitOfWork) -> Reply:
                row = uow.lock_named(subject, form.metadata.get(key), missing) if subject else None
                return body(uow, row, form) or CLOSE

            try:
                return carry_out(services, slack_user_id, work)
            except AuditbotError as error:
                where = field if isinstance(field, str) else field(form, error)
                return Reply.error(where, str(error))

        return use_case

    return decorate
