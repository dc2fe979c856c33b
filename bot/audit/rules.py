"""The guided audit's steps and checks: plain functions of the policy and the answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.policy.schema import Domain, FrameworkPolicy
from models.statuses import Participation

CONCERNS = {
    "none": "No immediate concern",
    "category_2": "Category 2: the service is not appropriate",
    "category_1": "Category 1: the child may be at risk now",
}
# Where the auditor is not the case's team manager: did the case's manager, and the
# practitioner, take part in the auditor's discussion (Gloucestershire's counts)?
PARTICIPATION = {
    Participation.TOOK_PART: "Took part",
    Participation.NOT_AVAILABLE: "Not available",
}
MIN_SENTENCE = 10
FINAL = "final"


def domain_steps(framework: FrameworkPolicy) -> list[list[Domain]]:
    """The domains in groups, one group per form step (so a long framework is never cut)."""
    size = framework.domains_per_step
    return [framework.domains[i : i + size] for i in range(0, len(framework.domains), size)]


def with_step_answers(
    answers: dict[str, Any],
    framework: FrameworkPolicy,
    step: int,
    values: dict[str, str | None],
    domain_answer: Callable[[str, dict[str, str | None]], dict[str, Any]],
) -> dict[str, Any]:
    """A new dict of `answers` with one step's: each of its domains' (`domain_answer(domain id,
    values)`), or the last step's fields as typed. New, so a JSON column sees the change."""
    answers = dict(answers)
    steps = domain_steps(framework)
    if step < len(steps):
        for domain in steps[step]:
            answers[domain.id] = domain_answer(domain.id, values)
    else:
        answers[FINAL] = {key: value for key, value in values.items() if value is not None}
    return answers


def step_count(framework: FrameworkPolicy) -> int:
    return len(domain_steps(framework)) + 1  # the last step: impact, views, actions


def domain_errors(
    framework: FrameworkPolicy, domain: Domain, grade: str | None, justification: str | None
) -> dict[str, str]:
    """Problems with one domain's answer, keyed by form block."""
    errors = {}
    if framework.grades and grade not in framework.grades:
        errors[f"grade__{domain.id}"] = "Please choose a grade."
    text = (justification or "").strip()
    minimum = framework.min_justification_chars
    if not text:
        errors[f"why__{domain.id}"] = (
            "Please write why: a grade without a justification can't be accepted."
            if framework.grades
            else "Please write your evaluation of this area."
        )
    elif len(text) < minimum:
        errors[f"why__{domain.id}"] = (
            f"Please say a little more: at least {minimum} characters ({len(text)} so far)."
        )
    return errors


def first_incomplete_step(framework: FrameworkPolicy, answers: dict) -> int:
    """Where "Resume the audit" takes the manager: the first step with a missing answer."""
    for index, domains in enumerate(domain_steps(framework)):
        for domain in domains:
            answer = answers.get(domain.id) or {}
            if domain_errors(framework, domain, answer.get("grade"), answer.get("justification")):
                return index
    return len(domain_steps(framework))


@dataclass(frozen=True)
class ActionRow:
    slot: int
    what: str
    owner_slack_id: str | None
    due_on: date | None


def action_rows(values: dict[str, str | None], slots: int) -> list[ActionRow]:
    """The action slots of a form that were used (a slot with only the default owner is
    unused)."""
    rows = []
    for slot in range(1, slots + 1):
        what = (values.get(f"action_what_{slot}") or "").strip()
        due = values.get(f"action_due_{slot}")
        if what or due:
            rows.append(
                ActionRow(
                    slot,
                    what,
                    values.get(f"action_owner_{slot}"),
                    date.fromisoformat(due) if due else None,
                )
            )
    return rows


def final_errors(
    framework: FrameworkPolicy,
    values: dict[str, str | None],
    actions: list[ActionRow],
    *,
    today: date,
    owner_known: set[str],
    asks_who_took_part: bool,
) -> dict[str, str]:
    """Problems with the last step: the "so what", the views, the judgement, the concern flag,
    and SMART actions (or an explicit "none needed" with a reason); and, when the auditor is not
    the case's team manager, whether that manager and the practitioner took part."""
    errors = {}
    if len((values.get("impact") or "").strip()) < MIN_SENTENCE:
        errors["impact"] = "Please say what difference our involvement has made for the child."
    if len((values.get("views") or "").strip()) < MIN_SENTENCE:
        errors["views"] = (
            "Please record the child's and family's views, or why they were not sought."
        )
    overall = (values.get("overall") or "").strip()
    if framework.grades and overall not in framework.grades:
        errors["overall"] = "Please choose the overall judgement."
    elif not overall:
        errors["overall"] = "Please write the overall evaluation."
    concern = values.get("concern") or "none"
    if concern not in CONCERNS:
        errors["concern"] = "Please choose whether there is an immediate concern."
    elif concern != "none" and len((values.get("concern_note") or "").strip()) < MIN_SENTENCE:
        errors["concern_note"] = "Please describe the concern so the right people can act on it."
    errors |= action_errors(actions, today=today, owner_known=owner_known)
    if not actions and len((values.get("no_actions") or "").strip()) < MIN_SENTENCE:
        errors["no_actions"] = "Add at least one action, or say why no actions are needed."
    if asks_who_took_part:
        for field, who in (
            ("manager_engagement", "the case's team manager"),
            ("practitioner_engagement", "the practitioner"),
        ):
            if values.get(field) not in PARTICIPATION:
                errors[field] = f"Please say whether {who} took part in your discussion."
    return errors


def action_errors(
    actions: list[ActionRow], *, today: date, owner_known: set[str]
) -> dict[str, str]:
    """Each used action slot needs what, who (on the staff list) and a date not passed."""
    errors = {}
    for action in actions:
        if not action.what.strip():
            errors[f"action_what_{action.slot}"] = "Please say what needs to be done."
        if not action.owner_slack_id:
            errors[f"action_owner_{action.slot}"] = "Please choose who will do it."
        elif action.owner_slack_id not in owner_known:
            errors[f"action_owner_{action.slot}"] = "That person is not on the staff list."
        if action.due_on is None:
            errors[f"action_due_{action.slot}"] = "Please choose the date it must be done by."
        elif action.due_on < today:
            errors[f"action_due_{action.slot}"] = "That date has passed: please pick a later one."
    return errors
