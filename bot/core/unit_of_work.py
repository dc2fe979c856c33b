"""The unit of work: one person's request carried out in one transaction, knowing who is
acting and when, with the rows it changes locked before they are read.

Two requests that lock the same row run one after the other, and the second reads what the
first committed: a double click, a double submit, Slack's retry or a second instance makes one
change, not two. A use case names the row it acts on (`bot/core/use_cases.py`), and the unit of
work locks that row before the use case sees it, so no use case can forget the lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from bot.core.actor import acting_person, parse_id
from bot.core.calendar import WorkingCalendar
from bot.core.errors import InvalidRequest
from bot.core.outbox import answering
from bot.core.services import Services
from bot.core.tick import Tick
from bot.policy.schema import Policy
from messages import linking_cases
from models import Staff
from models.db import lock_row, transaction

log = logging.getLogger(__name__)

Row = TypeVar("Row", bound=SQLModel)
Result = TypeVar("Result")


class UnitOfWork:
    """What a use case works with: the person acting, the moment, the transaction's session,
    the rules, and the locks it takes."""

    def __init__(self, services: Services, session: Session, actor: Staff, now: datetime) -> None:
        self.services = services
        self.session = session
        self.actor = actor
        self.now = now

    @property
    def policy(self) -> Policy:
        return self.services.policy

    @property
    def calendar(self) -> WorkingCalendar:
        return self.services.calendar

    @property
    def tick(self) -> Tick:
        """The rules at this request's moment, as scheduled work sees them (for a draw asked
        for by hand)."""
        return self.services.tick(self.now)

    def lock(self, model: type[Row], row_id: int) -> Row | None:
        """Take the row's write lock, then read it as it is now (None if it does not exist)."""
        lock_row(self.session, model, row_id)
        return self.session.get(model, row_id, populate_existing=True)

    def lock_named(self, model: type[Row], row_id: str | int | None, missing: str) -> Row:
        """The row a button or form names, locked. A value that is no row id is a stale or
        forged button; `missing` is the answer when the row does not exist (or no longer)."""
        row = self.lock(model, parse_id(row_id))
        if row is None:
            raise InvalidRequest(missing)
        return row


def carry_out(
    services: Services, slack_user_id: str, work: Callable[[UnitOfWork], Result]
) -> Result:
    """Run `work` for the person acting, in one transaction: committed when it returns, rolled
    back when it raises (so a refused request changes nothing), and the sender woken after.

    A race lost on a unique key (another instance, or Slack's retry, did the same thing a moment
    earlier) is run once more, so the answer comes from what the winner committed."""
    try:
        result = _in_one_transaction(services, slack_user_id, work)
    except IntegrityError:
        log.info("a concurrent request did the same first; answering from the database")
        result = _in_one_transaction(services, slack_user_id, work)
    services.deliver_soon()
    return result


def _in_one_transaction(
    services: Services, slack_user_id: str, work: Callable[[UnitOfWork], Result]
) -> Result:
    with linking_cases(services.policy.case_link), transaction(services.make_session) as session:
        actor = acting_person(session, slack_user_id)
        answering(session, actor.id)
        return work(UnitOfWork(services, session, actor, services.now()))
