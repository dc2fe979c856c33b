"""Chasing overdue work, with escalation (the rules are in bot/chasing/rules.py, the kinds of
overdue item in bot/chasing/overdue.py).

Once a working day, from the policy's nudge time, every person who holds overdue items — as
their owner, or as a step of the escalation ladder — and is due a reminder of any of them is
chased: one DM listing all of them, their own each with a button to act on it (and, for an audit
not yet submitted, "Ask for more time", as on the selection DM), then those escalated to them (a
team manager's by practitioner, a service manager's by manager, a head of service's by team;
at those two steps each with "Open" and "Nudge the manager": bot/chasing/escalated.py), and
"Remind me tomorrow".

Someone covering for an absent colleague gets one DM a day, not two: the colleague's items come
in the cover's own DM, marked as theirs, and an item both hold (the colleague's own audit,
escalated to their manager who covers) is listed once. The day's run is claimed in a `ChaseRun`
row and each DM has the key `chase:<recipient>:<date>`, so a re-run, a restart or a second
instance sends nothing new.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from bot.chasing.overdue import OVERDUE_KINDS, OverdueItem, find_overdue
from bot.chasing.rules import (
    OWNER,
    Step,
    chasing_day,
    next_working_day,
    reminder_due,
    steps_reached,
)
from bot.core import auditlog
from bot.core.actor import STALE_BUTTON
from bot.core.calendar import WorkingCalendar
from bot.core.cover import Route, absent_ids, route_dm
from bot.core.line import ladder_person
from bot.core.outbox import queue_dm
from bot.core.replies import Reply
from bot.core.services import Services
from bot.core.tick import Tick
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import on_click
from bot.policy.schema import ESCALATION_LADDER, Policy
from messages import escape_mrkdwn, plain_date, render
from models import ChaseNotice, ChaseRun, ChaseSnooze, Staff

CHASE = "chase"
# Slack allows 50 blocks a message. The frame takes 5 (header, the own items' summary and "more"
# lines, the snooze button, the footnote). Each ladder step takes a title, a block per group (at
# most 6) and a "more" line; at the service manager's and head of service's steps each group
# also has an actions block with its items' "Open" and "Nudge the manager" (2 of at most 10
# items: 20 buttons, within an actions block's 25). The person's own items (and those of anyone
# they cover for) get what is left: a block each, or two with "Ask for more time" (a section
# holds one button, so both go in an actions block under it), at most 15 of them.
MAX_BLOCKS = 50
FRAME_BLOCKS = 5
MAX_OWN_ITEMS = 15
MAX_GROUPS = 6
MAX_GROUP_LINES = 10
BUTTONED_STEPS = ("service_manager", "head_of_service")


@dataclass(frozen=True)
class Held:
    """An overdue item as one person holds it: as its owner or at a step of the ladder."""

    item: OverdueItem
    step: Step
    working_days_overdue: int
    covering: Route | None = None  # held by an absent colleague, whose cover is chased for it

    @property
    def escalated(self) -> bool:
        return self.step.holder != OWNER


def run_chasing(session: Session, tick: Tick) -> int:
    """Queue today's chasing DMs (once a day); returns how many."""
    policy, calendar, now = tick.policy, tick.calendar, tick.now
    today = chasing_day(policy, calendar, calendar.local(now).replace(tzinfo=None))
    run = claim_run(session, CHASE, today.isoformat(), now) if today is not None else None
    if run is None:
        return 0
    holdings = _holdings(
        session,
        find_overdue(session, policy, calendar, today),
        Rules(policy, calendar, today, away=absent_ids(session, now)),
    )
    last_shown = _last_shown(session)
    snoozed = _snoozed_until(session, today)
    chases: dict[int, Chase] = {}
    for person, held in holdings.values():
        seen = {h.item.key: last_shown.get((person.id, h.item.key)) for h in held}
        if _dm_due(held, seen, snoozed.get(person.id), today, policy, calendar):
            _address(session, person, held, now, chases)
            _note_shown(session, person, held, today)
    for chase in chases.values():
        _send_chase(session, chase, today, now)
    run.recipients = len(chases)
    session.add(run)
    auditlog.record(
        session,
        actor="scheduler",
        action="chase.send",
        subject=f"chase:{today}",
        now=now,
        people=run.recipients,
    )
    return run.recipients


def claim_run(session: Session, kind: str, period: str, now: datetime) -> ChaseRun | None:
    """The period's run row, new; None when that work was done already (a re-run). A
    concurrent instance's insert fails here or at commit."""
    done = session.exec(
        select(ChaseRun.id).where(ChaseRun.kind == kind, ChaseRun.period == period)
    ).first()
    if done is not None:
        return None
    run = ChaseRun(kind=kind, period=period, ran_at=now)
    session.add(run)
    session.flush()
    return run


@dataclass
class Chase:
    """One person's chasing DM for the day: what they hold, and what those they cover hold."""

    recipient: Staff
    held: list[Held] = field(default_factory=list)


def _address(
    session: Session, person: Staff, held: list[Held], now: datetime, chases: dict[int, Chase]
) -> None:
    """Add the person's items to the DM of whoever gets their DMs today: themselves, or their
    cover (marked as the person's). With nobody to cover, theirs is queued withheld."""
    route = route_dm(session, person, now)
    recipient = route.recipient or person
    if route.covering:
        held = [replace(h, covering=route) for h in held]
    chases.setdefault(recipient.id, Chase(recipient)).held.extend(held)


def _send_chase(session: Session, chase: Chase, today: date, now: datetime) -> None:
    queue_dm(
        session,
        key=f"{CHASE}:{chase.recipient.id}:{today.isoformat()}",
        recipient=chase.recipient,
        message=chase_message(chase.held),
        concern=f"{CHASE}:{today.isoformat()}",
        now=now,
    )


def _note_shown(session: Session, person: Staff, held: list[Held], today: date) -> None:
    """Note every item the person was chased for today (through a cover or not)."""
    for h in held:
        session.add(
            ChaseNotice(recipient_id=person.id, item_key=h.item.key, step=h.step.holder, day=today)
        )
    # Only the day an item was last shown is read (`_last_shown`): the earlier days' notes go,
    # so the table holds a note per person and item, not one per day it stayed overdue.
    session.execute(
        delete(ChaseNotice).where(
            col(ChaseNotice.recipient_id) == person.id,
            col(ChaseNotice.item_key).in_([h.item.key for h in held]),
            col(ChaseNotice.day) < today,
        )
    )


@dataclass(frozen=True)
class Rules:
    policy: Policy
    calendar: WorkingCalendar
    today: date
    away: AbstractSet[int]  # who is away today: escalation passes them by


def _holdings(
    session: Session, items: list[OverdueItem], rules: Rules
) -> dict[int, tuple[Staff, list[Held]]]:
    """Who holds which items today, by person id."""
    policy, calendar, today = rules.policy, rules.calendar, rules.today
    holdings: dict[int, tuple[Staff, list[Held]]] = {}
    for item in items:
        rule = getattr(policy.chasing.rules, item.kind)
        overdue_by = calendar.working_days_between(item.due_on, today)
        for step in steps_reached(item.due_on, rule, calendar, today):
            person = (
                item.owner
                if step.holder == OWNER
                else ladder_person(session, item.owner, step.holder, rules.away)
            )
            if person is None:
                continue
            _, held = holdings.setdefault(person.id, (person, []))
            if all(h.item.key != item.key for h in held):
                held.append(Held(item, step, overdue_by))
    return holdings


def _last_shown(session: Session) -> dict[tuple[int, str], date]:
    rows = session.exec(
        select(ChaseNotice.recipient_id, ChaseNotice.item_key, func.max(ChaseNotice.day)).group_by(
            col(ChaseNotice.recipient_id), col(ChaseNotice.item_key)
        )
    ).all()
    return {(recipient, key): day for recipient, key, day in rows}


def _snoozed_until(session: Session, today: date) -> dict[int, date]:
    rows = session.exec(
        select(ChaseSnooze.staff_id, func.max(ChaseSnooze.until))
        .where(ChaseSnooze.until >= today)
        .group_by(col(ChaseSnooze.staff_id))
    ).all()
    return dict(rows)


def _dm_due(
    held: list[Held],
    last_shown: dict[str, date | None],
    snoozed_until: date | None,
    today: date,
    policy: Policy,
    calendar: WorkingCalendar,
) -> bool:
    """A DM goes when any held item is due a reminder. A snooze holds reminders back until its
    day (when one goes whatever the repeat interval), but never something newly escalated."""
    newly_escalated = any(h.escalated and last_shown[h.item.key] is None for h in held)
    if snoozed_until is not None and today < snoozed_until:
        return newly_escalated
    if snoozed_until == today:
        return True
    return any(
        reminder_due(
            last_shown[h.item.key], today, getattr(policy.chasing.rules, h.item.kind), calendar
        )
        for h in held
    )


# -- the message ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    heading: Any  # a person or a team
    items: list[Held]


def _group_key(held: Held) -> Any:
    item = held.item
    if held.step.holder == "team_manager":
        return item.owner
    if held.step.holder == "service_manager":
        return item.manager or item.owner
    return item.team


def _groups(held: list[Held]) -> list[Group]:
    # Keyed by identity: within a session each row is one object.
    by_heading: dict[int, Group] = {}
    for h in held:
        heading = _group_key(h)
        by_heading.setdefault(id(heading), Group(heading, [])).items.append(h)
    return sorted(by_heading.values(), key=lambda group: getattr(group.heading, "name", ""))


def chase_message(held: list[Held]) -> dict[str, Any]:
    return render("chase_dm", **chase_context(held))


def chase_context(held: list[Held]) -> dict[str, Any]:
    """Everything the person holds, most overdue first, then what those they cover for hold
    (their own items only: escalation passes by someone away); each item once, as its owner's
    where both hold it. Summarised where it would not fit."""
    ordered = sorted(held, key=lambda h: (h.covering is not None, h.item.due_on, h.item.key))
    own = [h for h in ordered if not h.escalated]
    own_keys = {h.item.key for h in own}
    escalated = [h for h in ordered if h.escalated and h.item.key not in own_keys]
    sections = [
        (step, _groups([h for h in escalated if h.step.holder == step]))
        for step in ESCALATION_LADDER
        if any(h.step.holder == step for h in escalated)
    ]
    shown = _own_shown(own, MAX_BLOCKS - FRAME_BLOCKS - _escalated_blocks(sections))
    covered = _covered(own)
    return {
        "text": _notification(own, escalated, covered),
        "own": shown,
        "own_hidden": own[len(shown) :],
        "own_summary": _own_summary(own, covered),
        "sections": sections,
        "max_groups": MAX_GROUPS,
        "max_lines": MAX_GROUP_LINES,
        "buttoned_steps": BUTTONED_STEPS,
    }


def _escalated_blocks(sections: list[tuple[str, list[Group]]]) -> int:
    """The blocks the escalated sections take (see MAX_BLOCKS above)."""
    return sum(
        1
        + min(len(groups), MAX_GROUPS) * (2 if step in BUTTONED_STEPS else 1)
        + (len(groups) > MAX_GROUPS)
        for step, groups in sections
    )


def _covered(own: list[Held]) -> dict[int, tuple[Route, int]]:
    """Each person covered for, by id: the route to the cover and how many of their items."""
    covered: dict[int, tuple[Route, int]] = {}
    for h in own:
        if h.covering is not None:
            _, count = covered.get(h.covering.intended.id, (h.covering, 0))
            covered[h.covering.intended.id] = (h.covering, count + 1)
    return covered


def _items(count: int) -> str:
    return f"{count} overdue item{'' if count == 1 else 's'}"


def _notification(
    own: list[Held], escalated: list[Held], covered: dict[int, tuple[Route, int]]
) -> str:
    mine = sum(1 for h in own if h.covering is None)
    parts = [
        f"Covering for {escape_mrkdwn(route.intended.name)}: {_items(count)}"
        for route, count in covered.values()
    ]
    if mine:
        parts.append(f"{_items(mine)} for you")
    elif escalated:
        parts.append(f"{_items(len(escalated))} escalated to you")
    return " · ".join(parts)


def _own_summary(own: list[Held], covered: dict[int, tuple[Route, int]]) -> str:
    """The line above the own items: how many, and whose when some are a colleague's."""
    if not own:
        return ""
    if not covered:
        return f"*{len(own)} of yours {'is' if len(own) == 1 else 'are'} overdue.*"
    mine = len(own) - sum(count for _, count in covered.values())
    parts = [f"{mine} of yours"] if mine else []
    parts += [
        f"{count} of {escape_mrkdwn(route.intended.name)}'s, as you are covering for them"
        f" while they are away until {plain_date(route.away.ends_on)}"
        for route, count in covered.values()
    ]
    return f"*{_items(len(own))}:* " + "; ".join(parts) + "."


def _own_shown(own: list[Held], budget: int) -> list[Held]:
    """The first of the person's own items that fit in the blocks left to them (`budget`)."""
    shown: list[Held] = []
    blocks = 0
    for held in own[:MAX_OWN_ITEMS]:
        blocks += 2 if held.item.more_time else 1
        if blocks > budget:
            break
        shown.append(held)
    return shown


# -- the buttons --------------------------------------------------------------------------------


def act_on_overdue_item(services: Services, slack_user_id: str, value: str) -> Reply:
    """A chasing DM's button: the use case behind that kind of item (`kind:id`)."""
    kind_name, _, item_id = value.partition(":")
    kind = OVERDUE_KINDS.get(kind_name)
    if kind is None or not item_id.isdigit():
        return Reply.say(STALE_BUTTON)
    return kind.act(services, slack_user_id, item_id)


@on_click()
def snooze_chasing(uow: UnitOfWork, _value: str) -> Reply:
    """ "Remind me tomorrow": no chasing DM before the next working day, then one whatever the
    repeat interval. Escalations to others are not affected."""
    until = next_working_day(uow.calendar.local(uow.now).date(), uow.calendar)
    uow.session.add(ChaseSnooze(staff_id=uow.actor.id, until=until, created_at=uow.now))
    auditlog.record(
        uow.session,
        actor=uow.actor.email,
        action="chase.snooze",
        subject=f"staff:{uow.actor.id}",
        now=uow.now,
        until=until.isoformat(),
    )
    return Reply.say(
        f"I'll remind you on {plain_date(until)}. Your manager is still told on the usual dates."
    )
