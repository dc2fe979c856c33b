"""`/supervision history @practitioner`: the practitioner's past TAC checkpoints, newest first,
as a private answer. Read by the practitioner's team manager, the service manager or head of
service in their line, and administrators; nobody else."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.line import ladder_person
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.tac.cases import manager_team_ids
from messages import escape_mrkdwn, render
from models import Case, Staff, TacDecision, TacSupervision
from models.statuses import SupervisionStatus

HISTORY_USAGE = "/supervision history @practitioner"
CHECKPOINTS_SHOWN = 8  # with at most CASES_SHOWN lines each: well under 50 blocks
CASES_SHOWN = 15
LINE_ROLES = ("service_manager", "head_of_service")


def show_history(uow: UnitOfWork, practitioner: Staff | None) -> Reply:
    session = uow.session
    require_history_reader(session, uow.actor, practitioner)
    recorded = (
        TacSupervision.practitioner_id == practitioner.id,
        TacSupervision.status == SupervisionStatus.RECORDED,
    )
    total = session.exec(select(func.count()).select_from(TacSupervision).where(*recorded)).one()
    supervisions = session.exec(
        select(TacSupervision)
        .where(*recorded)
        .order_by(col(TacSupervision.held_on).desc(), col(TacSupervision.recorded_at).desc())
        .limit(CHECKPOINTS_SHOWN)
    ).all()
    checkpoints = []
    for supervision in supervisions:
        position = {case_id: index for index, case_id in enumerate(supervision.case_ids)}
        decisions = sorted(
            session.exec(
                select(TacDecision, Case)
                .join(Case, col(Case.id) == TacDecision.case_id)
                .where(TacDecision.supervision_id == supervision.id)
            ).all(),
            key=lambda row: position.get(row[1].id, len(position)),
        )
        checkpoints.append(
            (
                supervision,
                session.get(Staff, supervision.manager_id),
                [(c, d) for d, c in decisions],
            )
        )
    return Reply(
        notice=render(
            "tac_history",
            practitioner=practitioner,
            checkpoints=checkpoints,
            more=max(0, total - len(checkpoints)),
            cases_shown=CASES_SHOWN,
            triggers={trigger.id: trigger.label for trigger in uow.policy.tac.triggers},
        )
    )


def require_history_reader(session: Session, actor: Staff, practitioner: Staff | None) -> None:
    """Whether `actor` may read the practitioner's checkpoints: an administrator, a team
    manager of the practitioner's team, or the service manager or head of service above them."""
    if practitioner is None:
        raise InvalidRequest("I can't find that person on the staff list.")
    if actor.has_role("admin"):
        return
    if actor.has_role("team_manager") and practitioner.team_id in manager_team_ids(session, actor):
        return
    line = (ladder_person(session, practitioner, role) for role in LINE_ROLES)
    if actor.has_role(*LINE_ROLES) and any(p is not None and p.id == actor.id for p in line):
        return
    raise NotAllowed(
        f"Sorry, only {escape_mrkdwn(practitioner.name)}'s team manager, the service manager or "
        "head of service in their line, and administrators can see their TAC checkpoints."
    )
