"""The re-audit form's checks: plain functions of the policy, the original and the answers."""

from __future__ import annotations

from datetime import date

from bot.audit.inadmissible import REASON_LABELS
from bot.audit.rules import MIN_SENTENCE, ActionRow, action_errors, domain_steps
from bot.policy.schema import Domain, FrameworkPolicy
from models.statuses import InadmissibleReason

VERDICTS = {"agree": "I agree", "disagree": "I disagree"}
ADDRESSED = {"yes": "Yes", "partly": "Partly", "no": "No"}
NONE_SET = "none_set"  # the audit set no actions, so there was nothing to address
# The moderator's view of the audit's overall judgement, asked after the last domain: its key
# in the answers and its blocks' suffix (a domain id has no hyphen, so it is never a domain's).
OVERALL = "overall-judgement"
ADMISSIBLE = "admissible"  # the final step's "Can this audit be used?" when it can
ADMISSIBILITY = {ADMISSIBLE: "Yes: it can be used"} | {
    str(reason): f"No: {label.lower()}" for reason, label in REASON_LABELS.items()
}


def verdict_errors(
    framework: FrameworkPolicy,
    domain: Domain,
    original_grade: str | None,
    answer: dict[str, str | None],
) -> dict[str, str]:
    """Problems with the moderator's view of one domain, keyed by form block: agree, or
    disagree with a different grade (on a graded framework) and a reason."""
    return _verdict_errors(framework, domain.id, "this judgement", original_grade, answer)


def asks_overall(framework: FrameworkPolicy, original_overall: str | None) -> bool:
    """Whether the moderator is asked about the audit's overall judgement: on a graded
    framework, when the audit gave one (an ungraded one's overall evaluation is prose)."""
    return bool(framework.grades) and bool(original_overall)


def overall_errors(
    framework: FrameworkPolicy, original_overall: str | None, answer: dict[str, str | None]
) -> dict[str, str]:
    """Problems with the moderator's view of the overall judgement, as for a domain's."""
    if not asks_overall(framework, original_overall):
        return {}
    return _verdict_errors(framework, OVERALL, "the overall judgement", original_overall, answer)


def _verdict_errors(
    framework: FrameworkPolicy,
    key: str,
    what: str,
    original_grade: str | None,
    answer: dict[str, str | None],
) -> dict[str, str]:
    verdict = answer.get("verdict")
    if verdict not in VERDICTS:
        return {f"verdict__{key}": f"Please say whether you agree with {what}."}
    if verdict == "agree":
        return {}
    errors = {}
    grade = answer.get("grade")
    if framework.grades and grade not in framework.grades:
        errors[f"grade__{key}"] = "Please choose the grade you would give."
    elif framework.grades and grade == original_grade:
        errors[f"grade__{key}"] = "That is the original grade: choose another, or agree."
    reason = (answer.get("reason") or "").strip()
    minimum = framework.min_justification_chars
    if not reason:
        errors[f"why__{key}"] = "Please say why you disagree: a changed judgement needs a reason."
    elif len(reason) < minimum:
        errors[f"why__{key}"] = (
            f"Please say a little more: at least {minimum} characters ({len(reason)} so far)."
        )
    return errors


def first_incomplete_step(
    framework: FrameworkPolicy,
    answers: dict,
    original: dict[str, dict],
    original_overall: str | None = None,
) -> int:
    """Where "Resume the re-audit" takes the moderator: the first step with a missing answer
    (the overall judgement is asked on the last domain step)."""
    steps = domain_steps(framework)
    for index, domains in enumerate(steps):
        for domain in domains:
            grade = (original.get(domain.id) or {}).get("grade")
            if verdict_errors(framework, domain, grade, answers.get(domain.id) or {}):
                return index
    if overall_errors(framework, original_overall, answers.get(OVERALL) or {}):
        return len(steps) - 1
    return len(steps)


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
    return (
        errors
        | admissibility_errors(values)
        | action_errors(actions, today=today, owner_known=owner_known)
    )


def inadmissible_reason(values: dict[str, str | None]) -> str | None:
    """The reason the moderator gave for the audit not being usable; None when it can be used
    (an unanswered question: it is asked with "it can be used" already chosen)."""
    chosen = values.get(ADMISSIBLE)
    return None if chosen in (None, ADMISSIBLE) else chosen


def admissibility_errors(values: dict[str, str | None]) -> dict[str, str]:
    """A reason the audit cannot be used must be one of the reasons; "other" needs a note."""
    reason = inadmissible_reason(values)
    if reason is None:
        return {}
    if reason not in ADMISSIBILITY:
        return {ADMISSIBLE: "Please choose whether this audit can be used."}
    note = " ".join((values.get("inadmissible_note") or "").split())
    if reason == InadmissibleReason.OTHER and len(note) < MIN_SENTENCE:
        return {"inadmissible_note": "Please say why this audit cannot be used."}
    return {}
