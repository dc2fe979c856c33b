"""The stepped-form engine: a form in several steps (the audit, the re-audit, the TAC
checkpoint's pages) as an explicit state machine, written once.

    opened ──▶ step 1 ──next (checked)──▶ step 2 … last step ──submit (checked)──▶ finished
      ▲          │
      └─ resume ─┘  save and close: the step's answers kept, unchecked

Opening, or re-opening, shows the step the form resumes at (the first with a missing answer).
The last step finishes the draft once: a double submit or Slack's retry finds it finished and
either closes quietly or is refused, as the form says (`admit`).

Every transition runs as one unit of work with the draft's row locked, so two submissions of
the same step run one after the other and the second finds the first one's work done. A form
supplies its steps' views, checks and effects; the engine owns the order they run in, the step
in the form's metadata and the answers to the person.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, TypeVar

from sqlmodel import SQLModel

from bot.core.errors import AuditbotError, InvalidRequest
from bot.core.replies import CLOSE, Reply
from bot.core.services import Services
from bot.core.unit_of_work import UnitOfWork, carry_out
from bot.core.use_cases import FormUseCase, Submission, on_submit

Draft = TypeVar("Draft", bound=SQLModel)
Values = dict[str, Any]
STEP_GONE = "This step of the form no longer exists: please open it again from your message."


class SteppedForm(ABC, Generic[Draft]):
    callback_id: ClassVar[str]
    draft_model: ClassVar[type[SQLModel]]  # the row every transition locks
    draft_key: ClassVar[str]  # its id's name in the form's metadata
    missing: ClassVar[str]  # the answer when the form names no such draft
    keeps_answers_with_errors: ClassVar[bool] = True  # keep what was typed in a refused step

    # -- what each form defines ------------------------------------------------------------

    @abstractmethod
    def admit(self, uow: UnitOfWork, draft: Draft) -> bool:
        """Refuse (raise) anyone who may not fill it in; False when it is already finished
        and a repeated last step should simply close."""

    @abstractmethod
    def step_count(self, uow: UnitOfWork, draft: Draft) -> int: ...

    @abstractmethod
    def view(self, uow: UnitOfWork, draft: Draft, step: int) -> dict[str, Any]:
        """The modal for `step` (0-based); its metadata comes from `metadata_for`."""

    @abstractmethod
    def problems(self, uow: UnitOfWork, draft: Draft, step: int, values: Values) -> dict[str, str]:
        """What is wrong with the step's answers, by block id."""

    @abstractmethod
    def finish(self, uow: UnitOfWork, draft: Draft, values: Values) -> None:
        """The last step, checked: submit the draft and tell people, exactly once."""

    @abstractmethod
    def error_field(self, step: int, values: Values) -> str:
        """Where a refusal of the step is shown: its first input."""

    def resume_at(self, uow: UnitOfWork, draft: Draft) -> int:
        """The step an opened (or re-opened) draft shows first."""
        return 0

    def keep(self, uow: UnitOfWork, draft: Draft, step: int, values: Values) -> None:
        """Keep the step's answers as typed, unchecked: the draft to resume from."""

    def accept(self, uow: UnitOfWork, draft: Draft, step: int, values: Values) -> None:
        """A step other than the last, checked, before the next one is shown."""

    # -- the transitions ---------------------------------------------------------------------

    def metadata_for(self, draft: Draft, step: int) -> str:
        return json.dumps({self.draft_key: draft.id, "step": step})

    def show(self, uow: UnitOfWork, draft: Draft) -> Reply:
        """Open the draft where it should resume."""
        return Reply(view=self.view(uow, draft, self.resume_at(uow, draft)))

    def submit_step(self, uow: UnitOfWork, draft: Draft, step: int, values: Values) -> Reply:
        """Next: the next step's view, the step's errors, or (after the last) close."""
        if not self.admit(uow, draft):
            return CLOSE
        count = self.step_count(uow, draft)
        if not 0 <= step < count:
            raise InvalidRequest(STEP_GONE)
        if self.keeps_answers_with_errors:
            self.keep(uow, draft, step, values)
        errors = self.problems(uow, draft, step, values)
        if errors:
            return Reply(errors=errors)
        if step + 1 < count:
            self.accept(uow, draft, step, values)
            return Reply(view=self.view(uow, draft, step + 1))
        self.finish(uow, draft, values)
        return CLOSE

    def save_and_close(self, uow: UnitOfWork, draft: Draft, step: int, values: Values) -> None:
        """Closed: keep what was typed in the step, for later."""
        if self.admit(uow, draft):
            self.keep(uow, draft, step, values)

    # -- as use cases, for the listeners -----------------------------------------------------

    def __init__(self) -> None:
        self.on_step_submitted: FormUseCase = on_submit(
            self.draft_model,
            key=self.draft_key,
            field=self._error_field_of,
            missing=self.missing,
        )(self._submitted)

    def on_closed(self, services: Services, slack_user_id: str, form: Submission) -> None:
        """Saved before the ack, so a quick "Resume" finds the answers already there. A closed
        form that was finished meanwhile, or is not theirs, keeps nothing."""

        def closed(uow: UnitOfWork) -> None:
            draft = uow.lock_named(self.draft_model, form.metadata.get(self.draft_key), "")
            self.save_and_close(uow, draft, step_of(form), form.values)

        try:
            carry_out(services, slack_user_id, closed)
        except AuditbotError:
            return

    def _submitted(self, uow: UnitOfWork, draft: Draft, form: Submission) -> Reply:
        return self.submit_step(uow, draft, step_of(form), form.values)

    def _error_field_of(self, form: Submission, _refusal: AuditbotError) -> str:
        return self.error_field(step_of(form), form.values)


def step_of(form: Submission) -> int:
    """The step the form was showing; -1 (no such step) when its metadata doesn't say."""
    step = form.metadata.get("step")
    return step if isinstance(step, int) else -1
