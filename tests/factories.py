"""Small builders for test data, written straight into the tables."""

from __future__ import annotations

from datetime import date
from itertools import count

from sqlmodel import Session

from models import Case, Staff, Team

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
