"""Policy sections for the oversight practices beyond the monthly audit (issue 25, Bolton's
framework): the head of service's audit of a file when its case moves team, the manager's
reviews of an audit's actions, the yearly audit of each team manager's supervision file, and
the yearly observation of each practitioner's practice. Every one is off by default, so a
council turns on only what it practises."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TransferAuditPolicy(_Section):
    """ "Heads of Service will undertake audits on cases transferring from teams and complete a
    file fit for purpose form" (Bolton): when an import moves a case to another team, the
    senior manager of the sending (or receiving) team is asked, by DM, whether the file is fit
    for purpose, with an overall judgement and why."""

    enabled: bool = False
    auditor_role: Literal["head_of_service", "service_manager"] = "head_of_service"
    auditor_team: Literal["sending", "receiving"] = "sending"
    due_working_days: int = Field(default=10, ge=1, le=60)


def _one_each_in_order(months: list[int]) -> list[int]:
    if months != sorted(set(months)):
        raise ValueError("list each month once, in order (e.g. [1, 2])")
    return months


# "reviewed within 1 month, and again the following month" (Bolton): `audit.action_review_months`
# lists when the audit's manager is asked to review its actions, in months after the audit.
ReviewMonths = Annotated[
    list[Annotated[int, Field(ge=1, le=12)]], AfterValidator(_one_each_in_order)
]


class SupervisionFileAuditPolicy(_Section):
    """ "The relevant Senior Manager will undertake an Annual Audit of Supervision Files to
    ensure front line supervisors are effectively providing supervision to all supervisees"
    (Bolton): once a year, in `month`, every team manager's supervision file is asked of the
    senior manager above them, by DM, with a short form (grade, why, actions)."""

    enabled: bool = False
    auditor_role: Literal["head_of_service", "service_manager"] = "head_of_service"
    month: int = Field(default=4, ge=1, le=12)  # asked for from its first working day
    due_working_days: int = Field(default=20, ge=1, le=60)


class ObservationPolicy(_Section):
    """ "Direct observation of staff in their role ... should happen at least every 12 months"
    (Bolton): a team manager records each observation with `/audit observed @worker`; who is
    due or overdue is sent to each team manager once a month, and counted in /audit status."""

    enabled: bool = False
    every_months: int = Field(default=12, ge=1, le=36)
    list_working_day: int = Field(default=1, ge=1, le=10)  # the monthly DM, on this working day
    due_soon_days: int = Field(default=31, ge=0, le=90)  # listed as due within this many days
