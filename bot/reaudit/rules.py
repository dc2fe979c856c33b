"""The re-audit form's checks: plain functions of the policy, the original and the answers."""

from __future__ import annotations

from datetime import date

from bot.audit.rules import MIN_SENTENCE, ActionRow, action_errors, domain_steps
from bot.policy.schema import Domain, FrameworkPolicy

VERDICTS = {"agree": "I agree", "disagree": "I disagree"}
ADDRESSED = {"yes": "Yes", "partly": "Partly", "no": "No"}
NONE_SET = "none_set"  # the audit set no actions, so there was nothing to address


def verdict_errors(
    framework: FrameworkPolicy,
    domain: Domain,
    original_grade: str | None,
    answer: dict[str, str | None],
) -> dict[str, str]:
    """Problems with the moderator's view of one domain, keyed by form block: agree, or
    disagree with a different grade (on a graded framework) and a reason."""
    verdict = answer.get("verdict")
    if verdict not in VERDICTS:
        return {f"verdict__{domain.id}": "Please say whether you agree with this judgement."}
    if verdict == "agree":
        return {}
    errors = {}
    grade = answer.get("grade")
    if framework.grades and grade not in framework.grades:
        errors[f"grade__{domain.id}"] = "Please choose the grade you would give."
    elif framework.grades and grade == original_grade:
        errors[f"grade__{domain.id}"] = "That is the original grade: choose another, or agree."
    reason = (answer.get("reason") or "").strip()
    minimum = framework.min_justification_chars
    if not reason:
        errors[f"why__{domain.id}"] = (
            "Please say why you disagree: a changed judgement needs a reason."
        )
    elif len(reason) < minimum:
        errors[f"why__{domain.id}"] = (
            f"Please say a little more: at least {minimum} characters ({len(reason)} so far)."
        )
    return errors


def first_incomplete_step(
    framework: FrameworkPolicy, answers: dict, original: dict[str, dict]
) -> int:
    """Where "Resume the re-audit" takes the moderator: the first step with a missing answer."""
    for index, domains in enumerate(domain_steps(framework)):
        for domain in domains:
            grade = (original.get(domain.id) or {}).get("grade")
            if verdict_errors(framework, domain, grade, answers.get(domain.id) or {}):
                return index
    return len(domain_steps(framework))


def moved(grades: list[str], original: str | None, moderated: str | None) -> str | None:
    """ "up" when the moderated grade is better (earlier on the scale), "down" when worse."""
    if original not in grades or moderated not in grades or original == moderated:
        return None
    return "up" if grades.index(moderated) < grades.index(original) else "down"


def final_errors(
    values: dict[str, str | None],
    actions: list[ActionRow],
    *,
    audit_had_actions: bool,
    today: date,
    owner_known: set[str],
) -> dict[str, str]:
    """Problems with the last step: were the audit's actions addressed (a note unless fully),
    the overall comment, and any additional SMART actions."""
    errors = {}
    if audit_had_actions:
        addressed = values.get("addressed")
        if addressed not in ADDRESSED:
            errors["addressed"] = "Please say whether the audit's actions were addressed."
        elif (
            addressed != "yes" and len((values.get("addressed_note") or "").strip()) < MIN_SENTENCE
        ):
            errors["addressed_note"] = "Please note what is still outstanding, and why."
    if len((values.get("comment") or "").strip()) < MIN_SENTENCE:
        errors["comment"] = "Please write an overall comment on the audit."
    return errors | action_errors(actions, today=today, owner_known=owner_known)
