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
    # Extensions: up to this many working days are granted at once (the service manager is
    # told); longer ones need the service manager's approval.
    extension_limit_working_days: int = Field(default=5, ge=0, le=60)


class AnnualModerationPolicy(_Section):
    """Once a year the head of service moderates a sample of the past year's re-audits."""

    enabled: bool = False
    month: int = Field(default=4, ge=1, le=12)  # drawn on this month's first working day
    percent: int = Field(default=10, ge=1, le=100)


class ReauditPolicy(_Section):
    """Which completed audits are moderated, by whom, and by when.

    ``per_manager`` (Stockport): for each team manager one audit completed at least one and at
    most two months before the re-audit month starts. ``percent`` (Sefton): that share of the
    previous month's audits, always including every audit judged ``always_include_overall``.
    """

    sampling: Literal["per_manager", "percent"] = "per_manager"
    percent: int = Field(default=30, ge=1, le=100)
    always_include_overall: list[str] = Field(default_factory=lambda: ["Outstanding", "Good"])
    # The moderator: the first person up the team manager's line with this role, otherwise
    # the active people with it, in turn.
    moderator_role: Literal["service_manager", "head_of_service", "admin"] = "service_manager"
    run_at: time = time(9, 0)  # on the first working day, after the selection
    catch_up_working_days: int = Field(default=5, ge=0)
    # None: due on the last working day of the re-audit month.
    due_working_days: int | None = Field(default=None, ge=1, le=60)
    annual: AnnualModerationPolicy = AnnualModerationPolicy()


class ReportPolicy(_Section):
    """The monthly QA briefing: sent on the first working day of the month, from this time."""

    monthly_send_time: time = time(9, 0)


ESCALATION_LADDER = ("team_manager", "service_manager", "head_of_service")
EscalationRole = Literal["team_manager", "service_manager", "head_of_service"]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday"]


class ChaseRule(_Section):
    """How one kind of overdue item is chased, in working days after its due date: the first
    nudge to its owner, how often it repeats, and when each step of the ladder (team manager →
    service manager → head of service) hears of it. A step that is the owner is skipped."""

    first_nudge_after: int = Field(default=1, ge=1, le=60)
    repeat_every: int = Field(default=2, ge=1, le=20)
    escalate_after: dict[EscalationRole, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ladder_climbs_in_order(self) -> ChaseRule:
        ladder = self.escalate_after
        days = [ladder[role] for role in ESCALATION_LADDER if role in ladder]
        if days != sorted(days):
            raise ValueError("escalate_after must not reach a higher step before a lower one")
        if days and days[0] < self.first_nudge_after:
            raise ValueError("escalate_after must not come before first_nudge_after")
        if days and days[-1] > 120:
            raise ValueError("escalate_after: at most 120 working days")
        return self


class DiscussionChaseRule(ChaseRule):
    book_by_day: int = Field(default=10, ge=1, le=28)  # the discussion is booked by this day


class ChaseRules(_Section):
    """One rule per kind of overdue item (defaults: audits are due within their month)."""

    discussion_not_booked: DiscussionChaseRule = DiscussionChaseRule(
        first_nudge_after=1, repeat_every=2, escalate_after={"service_manager": 5}
    )
    audit_overdue: ChaseRule = ChaseRule(
        first_nudge_after=1,
        repeat_every=2,
        escalate_after={"service_manager": 3, "head_of_service": 8},
    )
    reaudit_overdue: ChaseRule = ChaseRule(
        first_nudge_after=1, repeat_every=2, escalate_after={"head_of_service": 5}
    )
    action_overdue: ChaseRule = ChaseRule(
        first_nudge_after=1,
        repeat_every=3,
        escalate_after={"team_manager": 3, "service_manager": 10, "head_of_service": 20},
    )
    tac_summary_overdue: ChaseRule = ChaseRule(
        first_nudge_after=1,
        repeat_every=3,
        escalate_after={"team_manager": 3, "service_manager": 10},
    )
    alert_unacknowledged: ChaseRule = ChaseRule(
        first_nudge_after=1, repeat_every=1, escalate_after={"head_of_service": 2}
    )


class ChasingPolicy(_Section):
    nudge_time: time = time(10, 0)  # on working days, inside working hours
    rules: ChaseRules = ChaseRules()


class TeamDigestPolicy(_Section):
    """The weekly post to each team's channel (counts only)."""

    weekday: Weekday = "monday"
    post_time: time = time(9, 0)


class Policy(_Section):
    case_types: list[str] = Field(default_factory=lambda: ["CP", "LAC", "CIN", "TAC", "EH"])
    calendar: CalendarPolicy = CalendarPolicy()
    selection: SelectionPolicy = SelectionPolicy()
    booking: BookingPolicy = BookingPolicy()
    engagement: EngagementPolicy = EngagementPolicy()
    tac: TacPolicy = TacPolicy()
    framework: FrameworkPolicy = FrameworkPolicy()
    audit: AuditPolicy = AuditPolicy()
    reaudit: ReauditPolicy = ReauditPolicy()
    report: ReportPolicy = ReportPolicy()
    chasing: ChasingPolicy = ChasingPolicy()
    team_digest: TeamDigestPolicy = TeamDigestPolicy()

    @model_validator(mode="after")
    def _eligible_types_are_known(self) -> Policy:
        unknown = [t for t in self.selection.eligible_case_types if t not in self.case_types]
        if unknown:
            raise ValueError(
                f"selection.eligible_case_types: {', '.join(unknown)} not in case_types"
            )
        return self

    @model_validator(mode="after")
    def _always_included_grades_are_known(self) -> Policy:
        grades = self.framework.grades
        ungraded = [g for g in self.reaudit.always_include_overall if g not in grades]
        if grades and ungraded:
            raise ValueError(
                f"reaudit.always_include_overall: {', '.join(ungraded)} not in framework.grades"
            )
        return self

    @model_validator(mode="after")
    def _nudges_in_working_hours(self) -> Policy:
        hours = self.calendar.working_hours
        if not hours.start <= self.chasing.nudge_time < hours.end:
            raise ValueError("chasing.nudge_time: must be inside calendar.working_hours")
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
