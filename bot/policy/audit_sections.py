"""Optional parts of the audit form (issue 25, Sefton): the IRO's or conference chair's feedback,
and the supervision-gap trigger. Both are parts of a framework (`framework.iro_feedback`,
`framework.supervision_gap`) and are off unless a council turns them on."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IroFeedbackPolicy(_Part):
    """Sefton: "We also incorporated feedback from the child/family/IRO/CP Chair into the form."
    For cases of these types the auditor names the IRO or child protection conference chair,
    who is asked by DM for their feedback and their view of the grade."""

    enabled: bool = False
    case_types: list[str] = Field(default_factory=lambda: ["CP", "LAC"], min_length=1)
    # Not given after this many working days: the IRO is reminded once (0: never).
    remind_after_working_days: int = Field(default=5, ge=0, le=20)


class SupervisionGapPolicy(_Part):
    """Sefton: "If you identify an immediate safeguarding concern or there is no supervision in
    a 6 month period, follow the Immediate response process." The audit asks whether there was
    such a gap; a yes alerts the team manager's line at once, like a Category 1 concern."""

    enabled: bool = False
    months: int = Field(default=6, ge=1, le=24)


def check_grade_descriptors(descriptors: dict[str, str]) -> dict[str, str]:
    """Each a sentence short enough to show under a grade menu."""
    for grade, text in descriptors.items():
        if not text.strip() or len(text) > 250:
            raise ValueError(f"{grade}: a descriptor is 1 to 250 characters")
    return {grade: text.strip() for grade, text in descriptors.items()}
