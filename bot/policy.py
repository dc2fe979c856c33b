"""The authority's policy file: what differs between councils, validated at start.

Defaults reproduce Stockport + Sefton practice. A bad file stops the program with a
message naming the field (e.g. ``selection.min_open_days``).
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.errors import ConfigError

DIVISIONS = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkingHours(_Section):
    start: time = time(9, 0)
    end: time = time(17, 0)

    @model_validator(mode="after")
    def _start_before_end(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class CalendarPolicy(_Section):
    division: Literal["england-and-wales", "scotland", "northern-ireland"] = "england-and-wales"
    working_hours: WorkingHours = WorkingHours()

    @property
    def holidays_subdivision(self) -> str:
        return DIVISIONS[self.division]


class SelectionPolicy(_Section):
    eligible_case_types: list[str] = Field(default_factory=lambda: ["CP", "LAC", "CIN"])
    min_open_days: int = Field(default=28, ge=0)
    exclude_selected_within_months: int = Field(default=12, ge=0)
    run_at: time = time(8, 0)
    catch_up_working_days: int = Field(default=5, ge=0)

    @field_validator("eligible_case_types")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("list at least one case type")
        return value


DEFAULT_PREPARATION = [
    "Read the audit template and the practitioner's guide to the audit.",
    "Be ready to guide your manager through the case file and the key decisions, with evidence.",
    "Think about how the child's and family's views could be sought, or why not.",
    "Allow an hour to prepare beforehand, and an hour afterwards to reflect.",
]


class BookingPolicy(_Section):
    lead_working_days: int = Field(default=10, ge=0)
    duration_minutes: int = Field(default=60, ge=15, le=480)
    preparation_checklist: list[str] = Field(default_factory=lambda: list(DEFAULT_PREPARATION))
    reminder_working_days_before: int = Field(default=2, ge=0, le=20)
    reminder_time: time = time(9, 0)
    reminder_minutes_before: int = Field(default=60, ge=0, le=480)


class EngagementPolicy(_Section):
    # The outcome of planned contact is asked for on the next working day after it, at this time.
    outcome_prompt_time: time = time(9, 0)


class TacInterval(_Section):
    """A TAC summary cadence: so many weeks, or so many calendar months, after the last one."""

    weeks: int | None = Field(default=None, ge=1, le=104)
    months: int | None = Field(default=None, ge=1, le=24)

    @model_validator(mode="after")
    def _weeks_or_months(self) -> TacInterval:
        if (self.weeks is None) == (self.months is None):
            raise ValueError("give either weeks or months")
        return self


class TacCadence(_Section):
    """The cadence per team type (teams.csv `team_type`)."""

    short_term: TacInterval = TacInterval(weeks=10)
    long_term: TacInterval = TacInterval(months=6)


class TacTrigger(_Section):
    """A reason the team manager may record for an earlier summary."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,29}$")
    label: str = Field(min_length=1, max_length=75)
    needs_note: bool = False


DEFAULT_TAC_TRIGGERS = [
    TacTrigger(id="step_up", label="Juncture: step up"),
    TacTrigger(id="step_down", label="Juncture: step down"),
    TacTrigger(id="drift", label="Possible drift"),
    TacTrigger(id="other", label="Other issue or difficulty", needs_note=True),
]


class TacPolicy(_Section):
    cadence: TacCadence = TacCadence()
    # None: a newly qualified practitioner's cases are flagged but keep the team's cadence.
    newly_qualified_cadence: TacInterval | None = None
    due_soon_days: int = Field(default=14, ge=0, le=90)
    triggers: list[TacTrigger] = Field(
        default_factory=lambda: list(DEFAULT_TAC_TRIGGERS), min_length=1, max_length=10
    )
    digest_weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday"] = "monday"
    digest_time: time = time(9, 0)
    task_reminder_working_days_before: int = Field(default=2, ge=0, le=20)  # 0: no reminder
    task_reminder_time: time = time(9, 0)
    month_end_list_time: time = time(16, 0)
    catch_up_working_days: int = Field(default=3, ge=0, le=10)

    @field_validator("triggers")
    @classmethod
    def _unique_trigger_ids(cls, value: list[TacTrigger]) -> list[TacTrigger]:
        ids = [trigger.id for trigger in value]
        if len(set(ids)) != len(ids):
            raise ValueError("each trigger needs its own id")
        return value


class Domain(_Section):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    title: str = Field(min_length=1, max_length=150)
    guidance: str = Field(default="", max_length=1500)


SEFTON_DOMAINS = [
    Domain(
        id="help_protection_stability",
        title="Early help, protection and stability",
        guidance="Was the right help given at the right time? Is the child safe and settled?",
    ),
    Domain(
        id="recording_communication",
        title="Recording and communication",
        guidance="Would the child understand their story from the record? Is it up to date?",
    ),
    Domain(
        id="assessment",
        title="Assessment",
        guidance="Is the assessment timely, analytical and informed by the child's views?",
    ),
    Domain(
        id="relationship_direct_work",
        title="Relationship-based practice and direct work",
        guidance="What direct work has been done, and how well does the child know their worker?",
    ),
    Domain(
        id="multi_agency_planning",
        title="Multi-agency planning, analysis, review and decision making",
        guidance="Are partners involved, plans SMART and reviews driving progress?",
    ),
    Domain(
        id="supervision_oversight",
        title="Supervision and management oversight",
        guidance="Is there regular, reflective supervision with clear decisions on the record?",
    ),
    Domain(
        id="impact_outcomes",
        title="Impact and overall outcomes",
        guidance="What difference has our involvement made for the child?",
    ),
]
OFSTED_GRADES = ["Outstanding", "Good", "Requires improvement to be good", "Inadequate"]


class FrameworkPolicy(_Section):
    """The audit tool: its domains, and the grade scale (empty: evaluative statements only)."""

    name: str = "Sefton practice framework"
    grades: list[str] = Field(default_factory=lambda: list(OFSTED_GRADES), max_length=10)
    domains: list[Domain] = Field(default_factory=lambda: list(SEFTON_DOMAINS), min_length=1)
    domains_per_step: int = Field(default=2, ge=1, le=8)
    min_justification_chars: int = Field(default=40, ge=1, le=2000)

    @field_validator("domains")
    @classmethod
    def _unique_ids(cls, domains: list[Domain]) -> list[Domain]:
        ids = [domain.id for domain in domains]
        if len(ids) != len(set(ids)):
            raise ValueError("each domain needs its own id")
        return domains

    @field_validator("grades")
    @classmethod
    def _grades_fit_a_menu(cls, grades: list[str]) -> list[str]:
        if any(not grade or len(grade) > 75 for grade in grades):
            raise ValueError("each grade must be 1 to 75 characters")
        return grades


class AuditPolicy(_Section):
    alert_acknowledge_working_hours: int = Field(default=4, ge=1, le=40)
    action_reminder_working_days_before: int = Field(default=2, ge=0, le=20)
    action_reminder_time: time = time(9, 0)
    action_slots: int = Field(default=3, ge=1, le=10)


class Policy(_Section):
    case_types: list[str] = Field(default_factory=lambda: ["CP", "LAC", "CIN", "TAC", "EH"])
    calendar: CalendarPolicy = CalendarPolicy()
    selection: SelectionPolicy = SelectionPolicy()
    booking: BookingPolicy = BookingPolicy()
    engagement: EngagementPolicy = EngagementPolicy()
    tac: TacPolicy = TacPolicy()
    framework: FrameworkPolicy = FrameworkPolicy()
    audit: AuditPolicy = AuditPolicy()

    @model_validator(mode="after")
    def _eligible_types_are_known(self) -> Policy:
        unknown = [t for t in self.selection.eligible_case_types if t not in self.case_types]
        if unknown:
            raise ValueError(
                f"selection.eligible_case_types: {', '.join(unknown)} not in case_types"
            )
        return self


def load_policy(path: Path | None) -> Policy:
    """Load and validate the policy file; ``None`` gives the built-in defaults."""
    if path is None:
        return Policy()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"policy file {path}: cannot be read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"policy file {path}: not valid YAML: {exc}") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"policy file {path}: expected a mapping of settings at the top level")
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"policy file {path}: {describe_validation_error(exc)}") from exc


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem, each starting with the dotted field name."""
    lines = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "not a known setting"
        lines.append(f"{field}: {message}" if field else message)
    return "; ".join(lines)
