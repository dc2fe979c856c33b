"""The App Home tab: each person's own work, by role, built from the database at `now`.

A team manager sees this month's case with the same next-step buttons as their selection DM,
the open actions from their audits, the TAC summaries due in their team, their re-audit
outcomes and their submitted audits (each to download for the child's record); a practitioner
their bookings, actions ("Mark done") and TAC summary tasks; a service manager or head of
service the re-audits they are to do, what is overdue in their line and the Category 1 alerts
awaiting them; an administrator the month's programme and its problems, with buttons that run
`/audit select | reaudit | report`. Someone with several roles sees each part.
Each part shows only cases the reader is entitled to (their own, their team's, their line's).

The view is published through the outbox: when the person opens the tab (`open_home`), and
after every change that concerns them (`bot.core.outbox.queue_home_refresh`); the sender renders it
when it sends (`render_home_for`), so it is always the latest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, func, or_, select

from bot.audit.alerts import alert_recipients
from bot.chasing.overdue import find_overdue
from bot.commands.audit_command import run_audit_command
from bot.commands.status import programme_status
from bot.core.actor import UNKNOWN_PERSON, active_staff_member
from bot.core.calendar import WorkingCalendar
from bot.core.line import ladder_person
from bot.core.months import Month
from bot.core.outbox import HOME_TAB_VIEWERS, queue_home_refresh, queue_home_view
from bot.core.permissions import COMMANDS_BY_NAME, may_use
from bot.core.replies import Reply
from bot.core.services import Services
from bot.people.away import open_absence
from bot.policy.schema import Policy
from bot.selection.draw import current_selection
from bot.selection.manager_message import render_selection_message
from bot.tac.cases import summaries_due_blocks, summaries_due_by_manager
from messages import linking_cases, render
from models import (
    Audit,
    AuditAction,
    Booking,
    Case,
    HomeTabViewer,
    ModeratedJudgement,
    Reaudit,
    SafeguardingAlert,
    Selection,
    Staff,
    TacTask,
)
from models.db import forget_memo, transaction
from models.statuses import (
    ActionStatus,
    AuditStatus,
    BookingStatus,
    ReauditStatus,
    SelectionStatus,
    TacTaskStatus,
)

# Slack allows 100 blocks in a Home tab (docs.slack.dev/reference/views/home-tab-views);
# each list shows its first few items and says how many more there are.
MAX_BLOCKS = 100
SHOWN = 8
# Blocks of the selection DM that the Home tab shows as they are (same text, same buttons).
SELECTION_BLOCKS = ("selection_case", "selection_state", "selection_actions")
HOME_COMMANDS = ("select", "reaudit", "report")
OVERSIGHT_ROLES = ("service_manager", "head_of_service")


def render_home_for(
    session: Session, staff_id: int, now: datetime, *, policy: Policy, calendar: WorkingCalendar
) -> dict[str, Any] | None:
    """The person's Home tab as it stands at `now`; None if they are no longer on the list."""
    person = session.get(Staff, staff_id)
    if person is None or not person.is_active:
        return None
    with linking_cases(policy.case_link):  # rendered by the sender, as it sends
        return home_view(session, person, now, policy=policy, calendar=calendar)


def home_view(
    session: Session, person: Staff, now: datetime, *, policy: Policy, calendar: WorkingCalendar
) -> dict[str, Any]:
    today = calendar.local(now).date()
    month = Month.of(today)
    blocks: list[dict[str, Any]] = []
    if person.has_role("team_manager"):
        blocks += _manager_section(session, person, month, now, policy, calendar)
    if person.has_role("practitioner"):
        blocks += _practitioner_section(session, person, now, calendar)
    if person.has_role(*OVERSIGHT_ROLES) or _panel_of(policy, person):
        blocks += _oversight_section(session, person, today, policy, calendar)
    if person.has_role("admin"):
        blocks += _admin_section(session, person, month, today, now)
    away = open_absence(session, person, now)
    return render(
        "home_view",
        person=person,
        unknown=None,
        blocks=within_home_limit(blocks),
        away=away,
        away_cover=session.get(Staff, away.cover_id) if away and away.cover_id else None,
    )


def within_home_limit(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Within Slack's limit (with room for the header, the greeting and the absence footer),
    cut between sections."""
    room = MAX_BLOCKS - 4
    if len(blocks) <= room:
        return blocks
    kept = blocks[: room - 1]
    return [*kept, render("home_more", count=len(blocks) - len(kept))["blocks"][0]]


def _lists(**lists: list[Any]) -> dict[str, Any]:
    """Each list cut to its first SHOWN items, with `more_<name>`: how many were left out."""
    context: dict[str, Any] = {}
    for name, items in lists.items():
        context[name] = items[:SHOWN]
        context[f"more_{name}"] = max(0, len(items) - SHOWN)
    return context


def _with_case(statement: Any, audit_id: Any) -> Any:
    """Join the audited case to a statement on something of an audit (by its `audit_id`)."""
    return (
        statement.join(Audit, col(Audit.id) == audit_id)
        .join(Selection, col(Selection.id) == Audit.selection_id)
        .join(Case, col(Case.id) == Selection.case_id)
    )


# -- team manager -------------------------------------------------------------------------------


def _manager_section(
    session: Session,
    manager: Staff,
    month: Month,
    now: datetime,
    policy: Policy,
    calendar: WorkingCalendar,
) -> list[dict[str, Any]]:
    selection = current_selection(session, manager, month)
    case_blocks: list[dict[str, Any]] = []
    if selection is not None and selection.status == SelectionStatus.SELECTED:
        message = render_selection_message(
            session, selection, policy=policy, calendar=calendar, now=now
        )
        case_blocks = [b for b in message["blocks"] if b.get("block_id") in SELECTION_BLOCKS]
    # The team's TAC summaries due: the very list (and lines) of the Monday digest.
    tac_due = summaries_due_by_manager(
        session, policy=policy.tac, today=calendar.local(now).date(), managers=[manager]
    )[manager.id]
    return render(
        "home_manager",
        month=month.label,
        selection=selection,
        case_blocks=case_blocks,
        outcomes=_reaudit_outcomes(session, manager),
        tac_due=summaries_due_blocks(
            tac_due[:SHOWN],
            title="*TAC reflective case summaries due in your team*",
            with_worker=True,
            more=f"…and {len(tac_due) - SHOWN} more" if len(tac_due) > SHOWN else "",
        ),
        **_lists(
            actions=_open_actions_set_by(session, manager),
            tac_tasks=_tac_tasks_in_team(session, manager),
            audits=_submitted_audits(session, manager),
        ),
    )["blocks"]


def _submitted_audits(session: Session, manager: Staff) -> list[tuple[Audit, Case]]:
    """The manager's submitted audits, newest first: each can be had as a Word document."""
    rows = session.exec(
        select(Audit, Case)
        .join(Selection, col(Selection.id) == Audit.selection_id)
        .join(Case, col(Case.id) == Selection.case_id)
        .where(Audit.manager_id == manager.id, Audit.status == AuditStatus.SUBMITTED)
        .order_by(col(Audit.submitted_at).desc(), col(Audit.id).desc())
    ).all()
    return list(rows)


def _open_actions_set_by(session: Session, manager: Staff) -> list[tuple[AuditAction, Staff, Case]]:
    rows = session.exec(
        _with_case(select(AuditAction, Staff, Case), AuditAction.audit_id)
        .join(Staff, col(Staff.id) == AuditAction.owner_id)
        .where(Audit.manager_id == manager.id, AuditAction.status == ActionStatus.OPEN)
        .order_by(col(AuditAction.due_on), col(AuditAction.id))
    ).all()
    return list(rows)


def _tac_tasks_in_team(session: Session, manager: Staff) -> list[tuple[TacTask, Staff, Case]]:
    """Open TAC summary tasks the manager set, or on their team's cases."""
    in_team = Case.team_id == manager.team_id if manager.team_id is not None else False
    rows = session.exec(
        select(TacTask, Staff, Case)
        .join(Case, col(Case.id) == TacTask.case_id)
        .join(Staff, col(Staff.id) == TacTask.practitioner_id)
        .where(TacTask.status == TacTaskStatus.OPEN, or_(TacTask.manager_id == manager.id, in_team))
        .order_by(col(TacTask.due_on), col(TacTask.id))
    ).all()
    return list(rows)


def _reaudit_outcomes(session: Session, manager: Staff, limit: int = 3) -> list[dict[str, Any]]:
    """The latest re-audits of the manager's audits: how many domains the moderator agreed."""
    rows = session.exec(
        _with_case(select(Reaudit, Case, Staff), Reaudit.audit_id)
        .join(Staff, col(Staff.id) == Reaudit.moderator_id)
        .where(Audit.manager_id == manager.id, Reaudit.status == ReauditStatus.SUBMITTED)
        .order_by(col(Reaudit.submitted_at).desc())
        .limit(limit)
    ).all()
    outcomes = []
    for reaudit, case, moderator in rows:
        agreed, total = session.exec(
            select(
                func.count().filter(col(ModeratedJudgement.agreed).is_(True)),
                func.count(),
            ).where(ModeratedJudgement.reaudit_id == reaudit.id)
        ).one()
        outcomes.append(
            dict(reaudit=reaudit, case=case, moderator=moderator, agreed=agreed, total=total)
        )
    return outcomes


# -- practitioner -------------------------------------------------------------------------------


def _practitioner_section(
    session: Session, practitioner: Staff, now: datetime, calendar: WorkingCalendar
) -> list[dict[str, Any]]:
    bookings = session.exec(
        select(Booking, Case, Staff)
        .join(Selection, col(Selection.id) == Booking.selection_id)
        .join(Case, col(Case.id) == Selection.case_id)
        .join(Staff, col(Staff.id) == Selection.manager_id)
        .where(Case.worker_id == practitioner.id, Booking.status == BookingStatus.BOOKED)
        .where(col(Booking.starts_at) >= now)
        .order_by(col(Booking.starts_at))
    ).all()
    actions = session.exec(
        _with_case(select(AuditAction, Case), AuditAction.audit_id)
        .where(AuditAction.owner_id == practitioner.id, AuditAction.status == ActionStatus.OPEN)
        .order_by(col(AuditAction.due_on), col(AuditAction.id))
    ).all()
    tasks = session.exec(
        select(TacTask, Case)
        .join(Case, col(Case.id) == TacTask.case_id)
        .where(TacTask.practitioner_id == practitioner.id, TacTask.status == TacTaskStatus.OPEN)
        .order_by(col(TacTask.due_on), col(TacTask.id))
    ).all()
    return render(
        "home_practitioner",
        **_lists(
            bookings=[(calendar.local(b.starts_at), b, case, boss) for b, case, boss in bookings],
            actions=list(actions),
            tasks=list(tasks),
        ),
    )["blocks"]


# -- service manager and head of service --------------------------------------------------------


def _panel_of(policy: Policy, person: Staff) -> str | None:
    """The moderation panel this person sits on (any member may take its re-audits), if any:
    an external moderator with no role sees its re-audits here too."""
    panel = policy.reaudit.panel
    return panel.name if panel and person.email.lower() in panel.members else None


def _oversight_section(
    session: Session, person: Staff, today: date, policy: Policy, calendar: WorkingCalendar
) -> list[dict[str, Any]]:
    panel = _panel_of(policy, person)
    mine = Reaudit.moderator_id == person.id
    reaudits = session.exec(
        _with_case(select(Reaudit, Case), Reaudit.audit_id)
        .where(or_(mine, Reaudit.panel == panel) if panel else mine)
        .where(Reaudit.status != ReauditStatus.SUBMITTED)
        .order_by(col(Reaudit.due_on), col(Reaudit.id))
    ).all()
    overdue = [
        item
        for item in find_overdue(session, policy, calendar, today)
        if item.owner.id != person.id and _in_line_of(session, person, item.manager or item.owner)
    ]
    return render(
        "home_oversight",
        today=today,
        **_lists(
            reaudits=list(reaudits),
            overdue=sorted(overdue, key=lambda item: item.due_on),
            alerts=_alerts_awaiting(session, person),
        ),
    )["blocks"]


def _in_line_of(session: Session, person: Staff, manager: Staff) -> bool:
    """Whether `person` is the service manager or head of service above `manager`."""
    return any(
        ladder_person(session, manager, role) == person
        for role in OVERSIGHT_ROLES
        if person.has_role(role)
    )


def _alerts_awaiting(session: Session, person: Staff) -> list[tuple[SafeguardingAlert, Case]]:
    rows = session.exec(
        _with_case(select(SafeguardingAlert, Audit, Case), SafeguardingAlert.audit_id)
        .where(col(SafeguardingAlert.acknowledged_by).is_(None))
        .order_by(col(SafeguardingAlert.raised_at))
    ).all()
    return [
        (alert, case)
        for alert, audit, case in rows
        if person in alert_recipients(session, session.get(Staff, audit.manager_id))
    ]


# -- administrator ------------------------------------------------------------------------------


def _admin_section(
    session: Session, admin: Staff, month: Month, today: date, now: datetime
) -> list[dict[str, Any]]:
    status = programme_status(session, month, today, now)  # `now`: who is away at this moment
    commands = [COMMANDS_BY_NAME[name] for name in HOME_COMMANDS]
    return render(
        "home_admin",
        status=status,
        commands=[spec for spec in commands if may_use(admin, spec)],
        next_month=month.plus(1).label,
        **_lists(not_on_slack=status.not_on_slack, failed=status.failed_deliveries),
    )["blocks"]


# -- use cases behind the tab -------------------------------------------------------------------


def open_home(services: Services, slack_user_id: str, event_id: str) -> None:
    """The person opened the Home tab: publish it (once per event, however often Slack
    delivers it) and refresh it after every later change that concerns them."""
    now = services.now()
    change = f"opened:{event_id}"
    with transaction(services.make_session) as session:
        person = active_staff_member(session, slack_user_id)
        if person is None:
            queue_home_view(
                session,
                key=f"home:{slack_user_id}:{change}",
                slack_user_id=slack_user_id,
                view=render("home_view", person=None, unknown=UNKNOWN_PERSON, blocks=[]),
                now=now,
            )
        else:
            _remember_viewer(session, person, now)
            queue_home_refresh(session, person.id, change=change, now=now)
    services.deliver_soon()


def _remember_viewer(session: Session, person: Staff, now: datetime) -> None:
    """Record that the person uses the tab; an upsert, since two instances (or Slack's retry)
    may handle an opening at the same moment."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(HomeTabViewer).values(
        staff_id=person.id, first_opened_at=now, last_opened_at=now
    )
    session.execute(
        statement.on_conflict_do_update(index_elements=["staff_id"], set_={"last_opened_at": now})
    )
    forget_memo(session, HOME_TAB_VIEWERS)


def run_home_command(services: Services, slack_user_id: str, name: str) -> Reply:
    """A command button on the Home tab: exactly `/audit <name>`, with its permission checks;
    the answer is shown in a modal, since a Home tab has no conversation to answer in."""
    if name not in HOME_COMMANDS:
        return Reply.say("That button is not valid any more: please reopen the Home tab.")
    answer = run_audit_command(services, slack_user_id, name)
    return Reply(view=answer_modal(f"/audit {name}", answer.notice["blocks"]))


def answer_modal(title: str, blocks: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return render("home_answer_modal", title=title, blocks=list(blocks)[:MAX_BLOCKS])
