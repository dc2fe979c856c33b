"""The stepped-form engine (bot/core/stepped_form.py) as a state machine, with a form of three
steps kept in memory: which hooks run, in which order, for each transition."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.core.errors import InvalidRequest
from bot.core.replies import CLOSE
from bot.core.stepped_form import STEP_GONE, SteppedForm, Values
from models import Team


@dataclass
class Draft:
    id: int = 7
    answers: dict[int, str] = field(default_factory=dict)
    finished: int = 0


class ThreeSteps(SteppedForm[Any]):
    """Each step asks for one word; `keeps_answers_with_errors` as the audit's forms do."""

    callback_id = "test.steps"
    draft_model = Team
    draft_key = "draft_id"
    missing = "No such draft."

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def admit(self, uow: Any, draft: Draft) -> bool:
        return draft.finished == 0

    def step_count(self, uow: Any, draft: Draft) -> int:
        return 3

    def resume_at(self, uow: Any, draft: Draft) -> int:
        return next((step for step in range(3) if step not in draft.answers), 2)

    def view(self, uow: Any, draft: Draft, step: int) -> dict[str, Any]:
        return {"step": step, "private_metadata": self.metadata_for(draft, step)}

    def keep(self, uow: Any, draft: Draft, step: int, values: Values) -> None:
        self.calls.append(f"keep {step}")
        draft.answers[step] = values.get("word") or ""

    def problems(self, uow: Any, draft: Draft, step: int, values: Values) -> dict[str, str]:
        return {} if values.get("word") else {"word": "Say a word."}

    def accept(self, uow: Any, draft: Draft, step: int, values: Values) -> None:
        self.calls.append(f"accept {step}")

    def finish(self, uow: Any, draft: Draft, values: Values) -> None:
        self.calls.append("finish")
        draft.finished += 1

    def error_field(self, step: int, values: Values) -> str:
        return "word"


@pytest.fixture
def form() -> ThreeSteps:
    return ThreeSteps()


def test_opening_shows_the_first_step_with_a_missing_answer(form):
    draft = Draft(answers={0: "one"})
    view = form.show(None, draft).view
    assert view["step"] == 1
    assert json.loads(view["private_metadata"]) == {"draft_id": 7, "step": 1}


def test_next_checks_the_step_keeps_what_was_typed_and_shows_the_next(form):
    draft = Draft()
    refused = form.submit_step(None, draft, 0, {"word": ""})
    assert refused.errors == {"word": "Say a word."} and draft.answers == {0: ""}
    moved_on = form.submit_step(None, draft, 0, {"word": "one"})
    assert moved_on.view["step"] == 1 and moved_on.errors is None
    assert form.calls == ["keep 0", "keep 0", "accept 0"]


def test_the_last_step_finishes_once_and_a_repeat_closes(form):
    draft = Draft(answers={0: "one", 1: "two"})
    assert form.submit_step(None, draft, 2, {"word": "three"}) == CLOSE
    assert form.submit_step(None, draft, 2, {"word": "three"}) == CLOSE  # a double submit
    assert draft.finished == 1 and form.calls == ["keep 2", "finish"]


def test_save_and_close_keeps_the_step_unchecked(form):
    draft = Draft()
    form.save_and_close(None, draft, 1, {"word": ""})
    assert draft.answers == {1: ""} and form.calls == ["keep 1"]


def test_a_step_the_form_does_not_have_is_refused(form):
    with pytest.raises(InvalidRequest, match=STEP_GONE):
        form.submit_step(None, Draft(), 3, {"word": "four"})
