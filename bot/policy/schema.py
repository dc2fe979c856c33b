"""The authority's policy file: what differs between councils, validated at start.

Defaults reproduce Stockport + Sefton practice. A bad file stops the program with a
message naming the field (e.g. ``selection.min_open_days``).
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.core.calendar import WorkingCalendar
from bot.core.errors import ConfigError
from bot.policy.audit_sections import (
    IroFeedbackPolicy,
    SupervisionGapPolicy,
    check_grade_descriptors,
)
from bot.policy.practice_oversight import (
    ObservationPolicy,
    ReviewMonths,
    SupervisionFileAuditPolicy,
    TransferAuditPolicy,
)

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
    # Issue 25 (Bolton: "Audits should look back over the previous 12 months"): shown to auditors.
    look_back_months: int | None = Field(default=None, ge=1, le=36)
    # Issue 25: optional parts of the form (bot/policy/audit_sections.py) and what each grade
    # means, shown under the grade menus (Stockport's Outstanding).
    iro_feedback: IroFeedbackPolicy = IroFeedbackPolicy()
    supervision_gap: SupervisionGapPolicy = SupervisionGapPolicy()
    grade_descriptors: dict[str, str] = Field(default_factory=dict)

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

    @model_validator(mode="after")
    def _descriptors_name_grades(self) -> FrameworkPolicy:
        unknown = [grade for grade in self.grade_descriptors if grade not in self.grades]
        if unknown:
            raise ValueError(f"grade_descriptors: {', '.join(unknown)} not in grades")
        check_grade_descriptors(self.grade_descriptors)
        return self


class AuditPolicy(_Section):
    alert_acknowledge_working_hours: int = Field(default=4, ge=1, le=40)
    # How those hours run: working hours (a Saturday alert is re-sent on Monday) or calendar
    # hours, evenings, weekends and bank holidays included.
    alert_resend_clock: Literal["working_hours", "calendar_hours"] = "working_hours"
    # Staff email of who is told at once of a Category 1 raised outside working hours (the
    # out-of-hours duty manager); they may acknowledge it. None: nobody beyond the line.
    out_of_hours_contact: str | None = None
    action_reminder_working_days_before: int = Field(default=2, ge=0, le=20)
    action_reminder_time: time = time(9, 0)
    action_slots: int = Field(default=3, ge=1, le=10)
    # Extensions: up to this many working days are granted at once (the service manager is
    # told); longer ones need the service manager's approval.
    extension_limit_working_days: int = Field(default=5, ge=0, le=60)
    # False: no "Ask for more time" anywhere, and a request is refused.
    extensions_enabled: bool = True
    # The longest extension that may be asked for at all, in working days (None: no cap).
    extension_max_working_days: int | None = Field(default=None, ge=1, le=120)
    # Issue 25 (Bolton): the audit's manager reviews its actions this many months after it.
    action_review_months: ReviewMonths = Field(default_factory=list)


class AnnualModerationPolicy(_Section):
    """Once a year the head of service moderates a sample of the past year's re-audits."""

    enabled: bool = False
    month: int = Field(default=4, ge=1, le=12)  # drawn on this month's first working day
    percent: int = Field(default=10, ge=1, le=100)


class ModerationPanel(_Section):
    """A named group of moderators sharing the re-audits among them (Gloucestershire's
    moderator group, which can include an external moderator invited as a Slack guest)."""

    name: str = Field(default="Moderation panel", min_length=1, max_length=60)
    members: list[str] = Field(min_length=1)  # staff emails

    @field_validator("members")
    @classmethod
    def _members_are_emails(cls, members: list[str]) -> list[str]:
        if any("@" not in member for member in members):
            raise ValueError("each member is a staff email")
        return [member.strip().lower() for member in members]


class ReauditPolicy(_Section):
    """Which completed audits are moderated, by whom, and by when.

    ``per_manager`` (Stockport): for each team manager one audit completed at least one and at
    most two months before the re-audit month starts. ``percent`` (Sefton): that share of the
    previous month's audits, always including every audit judged ``always_include_overall``.
    """

    sampling: Literal["per_manager", "percent", "every_audit"] = "per_manager"
    percent: int = Field(default=30, ge=1, le=100)
    always_include_overall: list[str] = Field(default_factory=lambda: ["Outstanding", "Good"])
    # The moderator: the first person up the team manager's line with this role, otherwise
    # the active people with it, in turn; "panel": shared among the panel's members.
    moderator_role: Literal["service_manager", "head_of_service", "admin", "panel"] = (
        "service_manager"
    )
    panel: ModerationPanel | None = None
    # Moderation of a month's audits closes on this day of the next month (the working day on
    # or after it): re-audits are due then, and the final briefing goes then. None: no window.
    moderation_window_day: int | None = Field(default=None, ge=1, le=28)
    run_at: time = time(9, 0)  # on the first working day, after the selection
    catch_up_working_days: int = Field(default=5, ge=0)
    # None: due on the last working day of the re-audit month.
    due_working_days: int | None = Field(default=None, ge=1, le=60)
    annual: AnnualModerationPolicy = AnnualModerationPolicy()


class ReportPolicy(_Section):
    """The monthly QA briefing: sent on the first working day of the month, from this time."""

    monthly_send_time: time = time(9, 0)
    # How many earlier months (or quarters) the briefing compares with (Gloucestershire: four).
    trend_periods: int = Field(default=3, ge=1, le=12)


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
    # Issue 25 (Bolton): a transfer audit (transfer_audit.enabled) not recorded by its due date.
    transfer_audit_overdue: ChaseRule = ChaseRule(first_nudge_after=1, repeat_every=2)


class ChasingPolicy(_Section):
    nudge_time: time = time(10, 0)  # on working days, inside working hours
    rules: ChaseRules = ChaseRules()


class TeamDigestPolicy(_Section):
    """The weekly post to each team's channel (counts only)."""

    weekday: Weekday = "monday"
    post_time: time = time(9, 0)


# --- Programme calendar, case transfers, links and retention (issue 13, parts 3-6) ---

MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip


class ProgrammeCalendarPolicy(_Section):
    """When the monthly draw happens: on the n-th working day of the month, and never in the
    months listed (e.g. ``[august]``: no audits in August)."""

    selection_working_day: int = Field(default=1, ge=1, le=10)
    no_selection_months: list[int] = Field(default_factory=list)

    @field_validator("no_selection_months", mode="before")
    @classmethod
    def _month_numbers(cls, value: object) -> object:
        if not isinstance(value, list):
            return value
        return [
            MONTH_NAMES.index(item.strip().lower()) + 1
            if isinstance(item, str) and item.strip().lower() in MONTH_NAMES
            else item
            for item in value
        ]

    @field_validator("no_selection_months")
    @classmethod
    def _real_months(cls, value: list[int]) -> list[int]:
        if any(not 1 <= month <= 12 for month in value):
            raise ValueError("give months as names (august) or numbers 1 to 12")
        return sorted(set(value))


class RetentionPolicy(_Section):
    """How long Auditbot keeps what it need not keep for ever, in days. Every period has a
    default a data-protection officer can accept as a start (nothing is kept for ever unless a
    council sets a period to null); each council sets its own from its retention schedule."""

    # Bodies of sent messages: needed only while a message may be updated or re-sent.
    outbox_message_days: int | None = Field(default=90, ge=1)
    # Justifications, reasons, notes: two years covers the briefing's trend and re-audits.
    free_text_days: int | None = Field(default=730, ge=1)
    closed_case_days: int | None = Field(default=365, ge=1)  # after the case closed
    # A leaver's name, email and Slack id, after their work was handed over.
    leaver_days: int | None = Field(default=365, ge=1)
    absence_days: int | None = Field(default=365, ge=1)  # after the absence ended
    # Who did what: six years, as councils keep audit trails. At least a year, since the
    # scheduler looks up this year's work in it (a month's briefing sent, a decision made).
    audit_log_days: int | None = Field(default=2190, ge=366)
    home_tab_days: int | None = Field(default=365, ge=1)  # since the person last opened it
    # Auditbot's own DMs and files in Slack (they name cases, may quote free text): deleted
    # from Slack this long after their last update, so a DM still in use stays; 90 days
    # outlasts an audit month and its re-audit, and the Home tab shows what is still open.
    slack_message_days: int | None = Field(default=90, ge=1)
    run_at: time = time(2, 0)


class ImportsPolicy(_Section):
    """The case system's nightly export (issue 22): teams.csv, staff.csv and cases.csv left in
    `folder` are imported once a day from `run_at`. No folder (the default): nothing is looked
    for."""

    folder: Path | None = None
    run_at: time = time(2, 0)

    @field_validator("folder")
    @classmethod
    def _absolute_folder(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_absolute():
            raise ValueError("must be an absolute path (e.g. /srv/auditbot/export)")
        return value


CASE_LINK_PLACEHOLDER = "{case_ref}"


def check_case_link(value: str | None) -> str | None:
    """A case system URL template: https, with {case_ref} where the reference goes."""
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError("must be an https:// address")
    if CASE_LINK_PLACEHOLDER not in value:
        raise ValueError(f"must contain {CASE_LINK_PLACEHOLDER} where the case reference goes")
    if any(char in value for char in '<>| "\n'):
        raise ValueError('must not contain spaces or the characters < > | "')
    return value


# --- Audit rounds (issue 12): thematic audits, whole-file audits and audit days -------------

RoundKind = Literal["thematic", "whole_file", "audit_day"]
ROUND_KINDS: dict[str, str] = {
    "thematic": "Thematic audit",
    "whole_file": "Whole case file audit",
    "audit_day": "Audit day",
}
AuditorRole = Literal["team_manager", "service_manager", "head_of_service", "admin"]

NEGLECT = FrameworkPolicy(
    name="Thematic audit: neglect",
    domains=[
        Domain(
            id="neglect_recognised",
            title="Is neglect recognised, named and its impact on the child understood?",
            guidance="Use of the neglect screening tool; chronology; cumulative harm.",
        ),
        Domain(
            id="neglect_plan",
            title="Does the plan say what must change for the child, by when?",
            guidance="SMART outcomes, contingency, escalation when change is not made.",
        ),
        Domain(
            id="neglect_lived_experience",
            title="Does the record show the child's daily lived experience?",
            guidance="Visits seen alone, home conditions, health and education needs.",
        ),
    ],
)
VOICE_OF_THE_CHILD = FrameworkPolicy(
    name="Thematic audit: voice of the child",
    domains=[
        Domain(
            id="voice_heard",
            title="Has the child been seen, and seen alone, and are their words recorded?",
        ),
        Domain(
            id="voice_influence",
            title="Have the child's wishes and feelings shaped the plan and decisions?",
        ),
        Domain(id="voice_feedback", title="Has the child been told what happened as a result?"),
    ],
)


class RoundEligibility(_Section):
    """Which open cases a round may draw: empty lists mean no restriction (case types: the
    selection's eligible types)."""

    case_types: list[str] = Field(default_factory=list)
    service_areas: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)
    min_open_days: int = Field(default=28, ge=0, le=3650)


class RoundDefinition(_Section):
    """One round: who audits how many cases of which kind, against which question set, when."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    kind: RoundKind
    theme: str | None = None  # a key of rounds.themes; None: the main framework
    eligible: RoundEligibility = RoundEligibility()
    cases: int = Field(ge=1, le=200)
    auditors: list[str] = Field(default_factory=list)  # staff emails
    auditor_role: AuditorRole | None = None
    one_case_per_auditor: bool = True
    selection_date: date | None = None  # None: audit_date less rounds.selection_weeks_before
    audit_date: date
    audit_until: date | None = None  # the last day of the audit window, if not one day
    # Issue 25 (Halton): auditors audit in pairs drawn from the round's seed (an odd one out
    # audits alone), one judgement per pair; a lead reviewer (staff email) quality-assures each
    # audit before it is final, and records the day's findings.
    pairs: bool = False
    lead_reviewer: str | None = None
    # Poor practice is conveyed at once to the case's senior manager with a recommendation and
    # a timescale (offered on every case, asked for when the overall judgement is the lowest).
    poor_practice: bool = False

    @model_validator(mode="after")
    def _coherent(self) -> RoundDefinition:
        if self.kind == "thematic" and not self.theme:
            raise ValueError("theme: a thematic round needs a theme")
        if not self.auditors and self.auditor_role is None:
            raise ValueError("auditors: name the auditors, or an auditor role")
        if self.one_case_per_auditor and self.auditors and self.cases > len(self.auditors):
            raise ValueError(
                f"cases: {self.cases} cases but {len(self.auditors)} auditor(s), one case each"
            )
        if self.pairs and 0 < len(self.auditors) < 2:
            raise ValueError("pairs: name at least two auditors to pair them")
        if self.selection_date is not None and self.selection_date >= self.audit_date:
            raise ValueError("selection_date: must be before audit_date")
        if self.audit_until is not None and self.audit_until < self.audit_date:
            raise ValueError("audit_until: must not be before audit_date")
        return self

    def day_off(self, calendar: WorkingCalendar) -> str | None:
        """Its audit date or the window's last day when that is not a working day (a weekend
        or a bank holiday of the authority's division), as "field: why"; None when both are."""
        for field_name in ("audit_date", "audit_until"):
            day = getattr(self, field_name)
            if day is not None and not calendar.is_working_day(day):
                holiday = calendar.bank_holiday_name(day)
                why = f"a bank holiday ({holiday})" if holiday else "not a working day"
                return f"{field_name}: {day:%A %-d %B %Y} is {why}"
        return None


class ThematicSchedule(_Section):
    """Monthly thematic rounds created automatically: month number → theme."""

    months: dict[int, str] = Field(default_factory=dict)
    cases: int = Field(default=10, ge=1, le=200)
    auditor_role: AuditorRole = "team_manager"
    one_case_per_auditor: bool = True
    eligible: RoundEligibility = RoundEligibility()
    selection_working_day: int = Field(default=1, ge=1, le=15)  # drawn on this working day
    audit_working_day: int = Field(default=10, ge=2, le=20)  # audited in the week from it

    @field_validator("months")
    @classmethod
    def _real_months(cls, months: dict[int, str]) -> dict[int, str]:
        if any(not 1 <= month <= 12 for month in months):
            raise ValueError("months are numbered 1 to 12")
        return months

    @model_validator(mode="after")
    def _draw_before_audit(self) -> ThematicSchedule:
        if self.selection_working_day >= self.audit_working_day:
            raise ValueError("selection_working_day: must come before audit_working_day")
        return self


class YearlyPlan(_Section):
    """Halton's audit days planned a year ahead (issue 25): "Four dates are set over a calendar
    year ... audit teams are agreed well in advance." Each date becomes an audit day round,
    defined at once so its auditors are told and administrators see the year's dates."""

    dates: list[date] = Field(default_factory=list)
    cases: int = Field(default=10, ge=1, le=200)
    auditors: list[str] = Field(default_factory=list)  # staff emails
    auditor_role: AuditorRole | None = None
    one_case_per_auditor: bool = True
    pairs: bool = False
    lead_reviewer: str | None = None
    poor_practice: bool = False
    eligible: RoundEligibility = RoundEligibility()

    @field_validator("dates")
    @classmethod
    def _each_date_once(cls, dates: list[date]) -> list[date]:
        if len(dates) != len(set(dates)):
            raise ValueError("each audit date only once")
        return sorted(dates)

    @model_validator(mode="after")
    def _rounds_are_valid(self) -> YearlyPlan:
        if self.dates:
            self.definitions()  # the same checks as a round in rounds.rounds
        return self

    def definitions(self) -> list[RoundDefinition]:
        return [
            RoundDefinition(
                name=f"audit-day-{day.isoformat()}",
                kind="audit_day",
                eligible=self.eligible,
                cases=self.cases,
                auditors=self.auditors,
                auditor_role=self.auditor_role,
                one_case_per_auditor=self.one_case_per_auditor,
                pairs=self.pairs,
                lead_reviewer=self.lead_reviewer,
                poor_practice=self.poor_practice,
                audit_date=day,
            )
            for day in self.dates
        ]


class RoundsPolicy(_Section):
    themes: dict[str, FrameworkPolicy] = Field(
        default_factory=lambda: {"neglect": NEGLECT, "voice_of_the_child": VOICE_OF_THE_CHILD}
    )
    selection_weeks_before: int = Field(default=5, ge=1, le=26)  # audit days (Halton)
    run_at: time = time(8, 30)  # draws and reminders from this time on working days
    # Unconfirmed practitioners are reminded so many working days after the draw, and again
    # so many calendar days before the audit (0: no such reminder).
    remind_after_working_days: int = Field(default=2, ge=0, le=20)
    remind_days_before_audit: int = Field(default=7, ge=0, le=60)
    # Issue 25 (Halton): on a round's last audit day, from this time, its lead reviewer is
    # asked for the day's strengths, weaknesses and recommendations.
    findings_prompt_at: time = time(16, 0)
    rounds: list[RoundDefinition] = Field(default_factory=list)
    schedule: ThematicSchedule = ThematicSchedule()
    yearly_plan: YearlyPlan = YearlyPlan()  # issue 25 (Halton)

    @model_validator(mode="after")
    def _themes_known_and_names_unique(self) -> RoundsPolicy:
        for index, round_ in enumerate(self.rounds):
            if round_.theme is not None and round_.theme not in self.themes:
                raise ValueError(f"rounds.{index}.theme: {round_.theme!r} is not in themes")
        for month, theme in self.schedule.months.items():
            if theme not in self.themes:
                raise ValueError(f"schedule.months.{month}: {theme!r} is not in themes")
        names = [round_.name for round_ in self.rounds]
        if len(names) != len(set(names)):
            raise ValueError("rounds: each round needs its own name")
        return self

    def framework_for(self, theme: str | None, default: FrameworkPolicy) -> FrameworkPolicy:
        return self.themes[theme] if theme else default


# --- end of audit rounds --------------------------------------------------------------------


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
    # Issue 13: the programme calendar, case transfers, case system links, retention.
    programme: ProgrammeCalendarPolicy = ProgrammeCalendarPolicy()
    transfer: Literal["stay", "follow"] = "stay"
    case_link: str | None = None
    retention: RetentionPolicy = RetentionPolicy()
    imports: ImportsPolicy = ImportsPolicy()  # issue 22: the nightly export
    transfer_audit: TransferAuditPolicy = TransferAuditPolicy()  # issue 25 (Bolton)
    supervision_file_audit: SupervisionFileAuditPolicy = SupervisionFileAuditPolicy()  # issue 25
    observation: ObservationPolicy = ObservationPolicy()  # issue 25 (Bolton)

    @field_validator("case_link")
    @classmethod
    def _case_link_is_a_template(cls, value: str | None) -> str | None:
        return check_case_link(value)

    rounds: RoundsPolicy = RoundsPolicy()  # issue 12

    @model_validator(mode="after")
    def _eligible_types_are_known(self) -> Policy:
        unknown = [t for t in self.selection.eligible_case_types if t not in self.case_types]
        if unknown:
            raise ValueError(
                f"selection.eligible_case_types: {', '.join(unknown)} not in case_types"
            )
        return self

    @model_validator(mode="after")
    def _iro_case_types_are_known(self) -> Policy:
        unknown = [t for t in self.framework.iro_feedback.case_types if t not in self.case_types]
        if unknown:
            raise ValueError(
                f"framework.iro_feedback.case_types: {', '.join(unknown)} not in case_types"
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
    def _a_panel_moderates_only_when_named(self) -> Policy:
        if self.reaudit.moderator_role == "panel" and self.reaudit.panel is None:
            raise ValueError("reaudit.panel: needed when reaudit.moderator_role is panel")
        return self

    @model_validator(mode="after")
    def _nudges_in_working_hours(self) -> Policy:
        hours = self.calendar.working_hours
        if not hours.start <= self.chasing.nudge_time < hours.end:
            raise ValueError("chasing.nudge_time: must be inside calendar.working_hours")
        return self

    @model_validator(mode="after")
    def _round_case_types_are_known(self) -> Policy:
        eligibilities = [r.eligible for r in self.rounds.rounds] + [self.rounds.schedule.eligible]
        eligibilities.append(self.rounds.yearly_plan.eligible)  # issue 25 (Halton)
        for eligible in eligibilities:
            unknown = [t for t in eligible.case_types if t not in self.case_types]
            if unknown:
                raise ValueError(f"rounds: case types {', '.join(unknown)} not in case_types")
        return self

    @model_validator(mode="after")
    def _planned_audit_days_are_working_days(self) -> Policy:
        calendar = WorkingCalendar(self.calendar.holidays_subdivision)
        for index, round_ in enumerate(self.rounds.yearly_plan.definitions()):
            problem = round_.day_off(calendar)
            if problem:
                why = problem.partition(": ")[2]
                raise ValueError(f"rounds.yearly_plan.dates.{index}: {why}")
        return self

    @model_validator(mode="after")
    def _round_audit_days_are_working_days(self) -> Policy:
        if not self.rounds.rounds:
            return self
        calendar = WorkingCalendar(self.calendar.holidays_subdivision)
        for index, round_ in enumerate(self.rounds.rounds):
            problem = round_.day_off(calendar)
            if problem:
                raise ValueError(f"rounds.rounds.{index}.{problem}")
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
