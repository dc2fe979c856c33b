"""What a transfer audit's form needs before it is recorded."""

from __future__ import annotations

FIT = "fit"
NOT_FIT = "not_fit"
FIT_ANSWERS = {FIT: "Fit for purpose", NOT_FIT: "Not fit for purpose"}


def transfer_audit_errors(
    fit: str | None,
    judgement: str | None,
    justification: str,
    *,
    grades: list[str],
    min_justification: int,
) -> dict[str, str]:
    """The form's problems by field: an answer to "fit for purpose?", a grade of the framework
    (when it has grades), and a justification long enough to explain the judgement."""
    errors = {}
    if fit not in FIT_ANSWERS:
        errors["fit"] = "Please say whether the file is fit for purpose."
    if grades and judgement not in grades:
        errors["judgement"] = "Please choose an overall judgement."
    if len(justification.strip()) < min_justification:
        errors["justification"] = (
            f"Please say why, in at least {min_justification} characters: the judgement needs "
            "its reasons."
        )
    return errors
