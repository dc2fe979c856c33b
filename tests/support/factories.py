"""Small builders for test data, written straight into the tables."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from itertools import count

from sqlmodel import Session, select

from bot.core.months import Month
from bot.people.away import answer_away
from bot.people.away_command import AwayRequest
from bot.policy.schema import FrameworkPolicy
from bot.tac.cases import note_latest_decisions
from models import (
    Audit,
    AuditAction,
    Case,
    Reaudit,
    ReauditRound,
    Selection,
    SelectionRound,
    Staff,
    TacDecision,
    TacSupervision,
    TacTask,
    Team,
)

JUSTIFICATION = "The plan is clear and reviewed monthly; the child's voice is recorded throughout."

_numbers = count(1)


def team(session: Session, name: str = "North", team_type: str = "short_term") -> Team:
    row = Team(name=name, service_area="North", team_type=team_type, channel_id="C0CHANNEL1")
    session.add(row)
    session.flush()
    return row


def person(
    session: Session,
    name: str,
    roles: str,
    team_row: Team | None = None,
    manager: Staff | None = None,
    slack_user_id: str | None = "auto",
) -> Staff:
    number = next(_numbers)
    if slack_user_id == "auto":
        slack_user_id = f"U0TEST{number:04d}"
    row = Staff(
        email=f"{name.lower().replace(' ', '.')}@example.gov.uk",
        name=name,
        roles=roles,
        team_id=team_row.id if team_row else None,
        manager_id=manager.id if manager else None,
        slack_user_id=slack_user_id,
        slack_lookup="found" if slack_user_id else None,
    )
    session.add(row)
    session.flush()
    return row


def case(
    session: Session,
    team_row: Team,
    worker: Staff,
    ref: str | None = None,
    case_type: str = "CP",
    opened_on: date = date(2025, 1, 1),
    status: str = "open",
) -> Case:
    row = Case(
        case_ref=ref or f"CR-{next(_numbers):06d}",
        team_id=team_row.id,
        worker_id=worker.id,
        case_type=case_type,
        opened_on=opened_on,
        status=status,
    )
    session.add(row)
    session.flush()
    return row


def authority(session: Session, cases_per_team: int = 5) -> dict[str, object]:
    """Two teams with a manager each, an admin, a service manager and some eligible cases."""
    admin = person(session, "Ada Admin", "admin")
    head = person(session, "Hana Head", "head_of_service")
    service_manager = person(session, "Sam Service", "service_manager", manager=head)
    north, south = team(session, "North"), team(session, "South", "long_term")
    north_tm = person(session, "Nina North", "team_manager", north, service_manager)
    south_tm = person(session, "Sol South", "team_manager", south, service_manager)
    north_worker = person(session, "Pat Worker", "practitioner", north, north_tm)
    south_worker = person(session, "Rae Worker", "practitioner", south, south_tm)
    for index in range(cases_per_team):
        case(session, north, north_worker, ref=f"CR-N{index:03d}")
        case(session, south, south_worker, ref=f"CR-S{index:03d}")
    return {
        "admin": admin,
        "head": head,
        "service_manager": service_manager,
        "north": north,
        "south": south,
        "north_tm": north_tm,
        "south_tm": south_tm,
        "north_worker": north_worker,
        "south_worker": south_worker,
    }


def selected_case(
    session: Session, manager: Staff, case_row: Case, drawn_at: datetime, due_on: date
) -> Selection:
    """`case_row` drawn for `manager` in the month of `drawn_at` (its round made if need be)."""
    month = str(Month.of(drawn_at.date()))
    selection_round = session.exec(
        select(SelectionRound).where(SelectionRound.month == month)
    ).first() or SelectionRound(
        month=month, seed="test", drawn_at=drawn_at, drawn_by="test", criteria={}
    )
    session.add(selection_round)
    session.flush()
    selection = Selection(
        round_id=selection_round.id,
        manager_id=manager.id,
        team_id=case_row.team_id,
        status="selected",
        case_id=case_row.id,
        pool_size=1,
        draw_seed="test",
        due_on=due_on,
        attempt=next(_numbers),
        created_at=drawn_at,
    )
    session.add(selection)
    session.flush()
    return selection


def submitted_audit(
    session: Session,
    manager: Staff,
    case_row: Case,
    submitted_at: datetime,
    overall: str = "Good",
    grade: str = "Good",
    with_action: bool = True,
) -> Audit:
    """A completed audit of `case_row` by `manager`, graded `grade` in every default domain,
    with one open action for the practitioner (or none)."""
    selection = selected_case(session, manager, case_row, submitted_at, submitted_at.date())
    answers = {
        domain.id: {"grade": grade, "justification": JUSTIFICATION}
        for domain in FrameworkPolicy().domains
    }
    answers["final"] = {} if with_action else {"no_actions": "The plan is working well."}
    audit = Audit(
        selection_id=selection.id,
        manager_id=manager.id,
        status="submitted",
        answers=answers,
        framework="Sefton practice framework",
        overall=overall,
        started_at=submitted_at,
        updated_at=submitted_at,
        submitted_at=submitted_at,
    )
    session.add(audit)
    session.flush()
    if with_action:
        session.add(
            AuditAction(
                audit_id=audit.id,
                what="Update the chronology",
                owner_id=case_row.worker_id,
                due_on=submitted_at.date(),
                created_at=submitted_at,
            )
        )
        session.flush()
    return audit


def tac_task(
    session: Session,
    manager: Staff,
    practitioner: Staff,
    case_row: Case,
    due_on: date,
    at: datetime,
) -> TacTask:
    """An open "complete the summary by `due_on`" task, from a recorded supervision checkpoint."""
    supervision = TacSupervision(
        manager_id=manager.id,
        practitioner_id=practitioner.id,
        status="recorded",
        case_ids=[case_row.id],
        started_at=at,
        recorded_at=at,
    )
    session.add(supervision)
    session.flush()
    decision = TacDecision(
        supervision_id=supervision.id,
        case_id=case_row.id,
        decision="complete_by",
        complete_by=due_on,
    )
    session.add(decision)
    session.flush()
    note_latest_decisions(session, [case_row.id])
    task = TacTask(
        decision_id=decision.id,
        case_id=case_row.id,
        practitioner_id=practitioner.id,
        manager_id=manager.id,
        due_on=due_on,
        created_at=at,
    )
    session.add(task)
    session.flush()
    return task


def mark_away(
    session: Session,
    person: Staff,
    first: date,
    last: date,
    *,
    cover: Staff | None = None,
    now: datetime,
    timezone: tzinfo,
) -> None:
    """Set `person` away from `first` to `last` as `/audit away` does (themselves, at `now`)."""
    request = AwayRequest(
        starts_on=first, ends_on=last, cover_user_id=cover.slack_user_id if cover else None
    )
    answer_away(session, person, request, now, timezone)
    session.flush()


def reaudit(
    session: Session,
    audit: Audit,
    moderator: Staff,
    *,
    month: str,
    due_on: date,
    at: datetime,
    status: str = "drawn",
) -> Reaudit:
    """A monthly re-audit of `audit` drawn in `month` (its round made if need be)."""
    drawn = session.exec(
        select(ReauditRound).where(ReauditRound.kind == "monthly", ReauditRound.month == month)
    ).first() or ReauditRound(
        kind="monthly", month=month, seed="test", drawn_at=at, drawn_by="test", criteria={}
    )
    session.add(drawn)
    session.flush()
    row = Reaudit(
        round_id=drawn.id,
        audit_id=audit.id,
        moderator_id=moderator.id,
        chosen_because="random",
        pool_size=1,
        draw_seed="test",
        due_on=due_on,
        status=status,
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    return row
