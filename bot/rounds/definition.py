"""Defining an audit round: from the policy file or from the administrator's Slack form, checked
by the same rules (the policy's pydantic model, then what only the database can tell)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from bot.core import auditlog
from bot.core.calendar import WorkingCalendar
from bot.core.errors import AuditbotError
from bot.core.replies import Reply
from bot.core.services import Services
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, answer, on_submit
from bot.policy.schema import ROUND_KINDS, Policy, RoundDefinition
from bot.rounds.rules import selection_date_of
from messages import render
from models import AuditRound, Staff, Team
from models.statuses import StaffStatus

ADMINS_ONLY = "Sorry, only admins can define an audit round. Nothing has been changed."
# The form's blocks, by the RoundDefinition field they fill.
FIELD_BLOCKS = {
    "name": "name",
    "kind": "kind",
    "theme": "theme",
    "cases": "cases",
    "auditors": "auditors",
    "auditor_role": "auditors",
    "one_case_per_auditor": "cases",
    "selection_date": "selection_date",
    "audit_date": "audit_date",
    "audit_until": "audit_until",
    "eligible": "min_open_days",
    "case_types": "case_types",
    "service_areas": "service_areas",
    "teams": "teams",
    "min_open_days": "min_open_days",
    "pairs": "audit_day_practices",
    "poor_practice": "audit_day_practices",
    "lead_reviewer": "lead_reviewer",
}


class RoundProblem(AuditbotError):
    """A round definition that can't be used; `field` names the setting or form block."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def round_auditors(session: Session, emails: list[str], role: str | None) -> list[Staff]:
    """The named auditors (by email), or everyone active with the auditor role, by email."""
    query = select(Staff).where(Staff.status == StaffStatus.ACTIVE).order_by(Staff.email)
    if emails:
        return list(session.exec(query.where(col(Staff.email).in_(emails))).all())
    people = session.exec(query.where(col(Staff.roles).contains(role or ""))).all()
    return [person for person in people if role and person.has_role(role)]


def lead_reviewer(session: Session, definition: RoundDefinition) -> Staff | None:
    """The round's lead reviewer (issue 25), if it names one who is active."""
    return session.exec(
        select(Staff).where(
            Staff.email == definition.lead_reviewer, Staff.status == StaffStatus.ACTIVE
        )
    ).first()


def check_against_database(
    session: Session,
    definition: RoundDefinition,
    policy: Policy,
    calendar: WorkingCalendar,
    today: date,
    *,
    by_hand: bool,
) -> None:
    """What the policy model can't know: the audit days are working days (bank holidays
    included), the name is free, the people and teams exist, there are enough auditors, and
    (for a round defined by hand) the dates have not passed."""
    day_off = definition.day_off(calendar)
    if day_off:
        field, _, why = day_off.partition(": ")
        raise RoundProblem(field, why[:1].upper() + why[1:] + ": please choose a working day.")
    if session.exec(select(AuditRound.id).where(AuditRound.name == definition.name)).first():
        raise RoundProblem("name", f"A round called {definition.name} already exists.")
    auditors = round_auditors(session, definition.auditors, definition.auditor_role)
    missing = sorted(set(definition.auditors) - {person.email for person in auditors})
    if missing:
        raise RoundProblem("auditors", f"Not on the staff list: {', '.join(missing)}.")
    if not auditors:
        role = (definition.auditor_role or "").replace("_", " ")
        raise RoundProblem("auditors", f"Nobody active has the role {role}.")
    if definition.lead_reviewer is not None and lead_reviewer(session, definition) is None:
        raise RoundProblem(
            "lead_reviewer", f"Not an active person on the staff list: {definition.lead_reviewer}."
        )
    known_teams = set(session.exec(select(Team.name)).all())
    unknown_teams = sorted(set(definition.eligible.teams) - known_teams)
    if unknown_teams:
        raise RoundProblem("teams", f"Unknown team(s): {', '.join(unknown_teams)}.")
    if not by_hand:
        return  # the draw takes what it can, and tells the administrators if it falls short
    if definition.one_case_per_auditor and definition.cases > len(auditors):
        raise RoundProblem(
            "cases", f"{definition.cases} cases but {len(auditors)} auditor(s), one case each."
        )
    if definition.audit_date <= today:
        raise RoundProblem("audit_date", "The audit date must be after today.")
    if selection_date_of(definition, policy.rounds, today) >= today:
        return
    if definition.selection_date is not None:
        raise RoundProblem(
            "selection_date", "That date has passed: the draw must be today or later."
        )
    weeks = policy.rounds.selection_weeks_before
    raise RoundProblem(
        "audit_date",
        f"The cases of an audit day are drawn {weeks} weeks before it, and that has passed: "
        "choose a later audit date, or a draw date from today.",
    )


def create_round(
    session: Session,
    definition: RoundDefinition,
    policy: Policy,
    *,
    calendar: WorkingCalendar,
    source: str,
    actor: str,
    today: date,
    now: datetime,
) -> AuditRound:
    check_against_database(session, definition, policy, calendar, today, by_hand=source == "slack")
    audit_round = AuditRound(
        name=definition.name,
        kind=definition.kind,
        theme=definition.theme,
        definition=definition.model_dump(
            mode="json",
            include={
                "eligible",
                "cases",
                "auditors",
                "auditor_role",
                "pairs",
                "lead_reviewer",
                "poor_practice",
            },
        )
        | {"one_case_per_auditor": definition.one_case_per_auditor},
        selection_on=max(selection_date_of(definition, policy.rounds, today), today),
        audit_on=definition.audit_date,
        audit_until=definition.audit_until,
        source=source,
        created_by=actor,
        created_at=now,
    )
    session.add(audit_round)
    session.flush()
    auditlog.record(
        session,
        actor=actor,
        action="round.define",
        subject=f"round:{audit_round.id}",
        now=now,
        name=audit_round.name,
        source=source,
    )
    return audit_round


def asks_for_round_form(text: str) -> bool:
    return text.lower().split() == ["round", "new"]


def open_round_form(services: Services, slack_user_id: str) -> Reply:
    """`/audit round new`: the form, for administrators only."""
    return answer(services, slack_user_id, _round_form)


def _round_form(uow: UnitOfWork) -> Reply:
    if not uow.actor.has_role("admin"):
        return Reply.say(ADMINS_ONLY)
    teams = uow.session.exec(select(Team).order_by(Team.name)).all()
    rounds = uow.policy.rounds
    return Reply(
        view=render(
            "round_modal",
            kinds=list(ROUND_KINDS.items()),
            themes=[(key, framework.name) for key, framework in rounds.themes.items()],
            case_types=_pairs(uow.policy.case_types),
            service_areas=_pairs(sorted({team.service_area for team in teams})),
            teams=_pairs([team.name for team in teams]),
        )
    )


def _pairs(values: list[str]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


def _refused_block(_form: Submission, refusal: AuditbotError) -> str:
    if isinstance(refusal, RoundProblem):
        return FIELD_BLOCKS.get(refusal.field, "name")
    return "name"


@on_submit(field=_refused_block)
def submit_round_form(uow: UnitOfWork, _nothing: None, form: Submission) -> Reply | None:
    """Define the round; inline errors by form block, or None when it is saved."""
    if not uow.actor.has_role("admin"):
        return Reply.error("name", ADMINS_ONLY)
    definition = definition_from_form(uow.session, form.values, uow.policy)
    create_round(
        uow.session,
        definition,
        uow.policy,
        calendar=uow.calendar,
        source="slack",
        actor=uow.actor.email,
        today=uow.calendar.local(uow.now).date(),
        now=uow.now,
    )
    return None


def definition_from_form(
    session: Session, values: dict[str, Any], policy: Policy
) -> RoundDefinition:
    """The form's answers as a RoundDefinition, checked by the same model as the policy file."""
    auditor_ids = values.get("auditors") or []
    lead_id = values.get("lead_reviewer") or None
    emails = dict(
        session.exec(
            select(Staff.slack_user_id, Staff.email).where(
                col(Staff.slack_user_id).in_([*auditor_ids, lead_id])
            )
        ).all()
    )
    if lead_id is not None and lead_id not in emails:
        raise RoundProblem("lead_reviewer", f"<@{lead_id}> is not on the staff list.")
    practices = values.get("audit_day_practices") or []
    unknown = [uid for uid in auditor_ids if uid not in emails]
    if unknown:
        raise RoundProblem(
            "auditors",
            "Everyone chosen must be on the staff list: "
            + ", ".join(f"<@{uid}>" for uid in unknown),
        )
    theme = values.get("theme") or None
    if theme is not None and theme not in policy.rounds.themes:
        raise RoundProblem("theme", f"{theme} is not one of the policy's themes.")
    raw = {
        "name": (values.get("name") or "").strip().lower(),
        "kind": values.get("kind"),
        "theme": theme,
        "eligible": {
            "case_types": values.get("case_types") or [],
            "service_areas": values.get("service_areas") or [],
            "teams": values.get("teams") or [],
            "min_open_days": _number(values, "min_open_days", default=28),
        },
        "cases": _number(values, "cases"),
        "auditors": [emails[uid] for uid in auditor_ids],
        "auditor_role": values.get("auditor_role") or None,
        "one_case_per_auditor": "one_each" in (values.get("one_case_per_auditor") or []),
        "selection_date": values.get("selection_date"),
        "audit_date": values.get("audit_date"),
        "audit_until": values.get("audit_until"),
        "pairs": "pairs" in practices,
        "poor_practice": "poor_practice" in practices,
        "lead_reviewer": emails.get(lead_id),
    }
    try:
        return RoundDefinition.model_validate(raw)
    except ValidationError as exc:
        raise _first_problem(exc) from exc


def _number(values: dict[str, Any], block: str, default: int | None = None) -> int | None:
    text = (values.get(block) or "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise RoundProblem(block, "Please give a whole number.")
    return int(text)


FRIENDLY = {
    "name": "Use 1 to 40 lower-case letters, digits, - or _, e.g. neglect-2027-01.",
    "kind": "Please choose the kind of round.",
    "cases": "Please give how many cases: 1 to 200.",
    "audit_date": "Please choose the audit date.",
}


def _first_problem(exc: ValidationError) -> RoundProblem:
    """The first problem as a form block and a message; a model-level check names its field
    at the start of the message ("cases: …")."""
    error = exc.errors()[0]
    location = [str(part) for part in error["loc"]]
    message = error["msg"].removeprefix("Value error, ")
    if location:
        field = location[-1]
        return RoundProblem(field, FRIENDLY.get(field, message))
    field, _, text = message.partition(": ")
    return RoundProblem(field, text[:1].upper() + text[1:] + ("" if text.endswith(".") else "."))
