"""Shared tools of the reliability tests (tests/reliability/): a comparable picture of
the whole database, Slack deliveries counted per outbox idempotency key, the sleeps slack_sdk's
retry handlers ask for, a large authority for fan-outs, and the printed counts."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from slack_sdk.http_retry import handler
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

import bot.slack.client
from bot.demo.slack_standin import SlackStandIn
from models import OutboxMessage, Staff, Team
from models.db import SessionFactory
from tests.support import factories

reliability = pytest.mark.reliability

# Outbox columns the sender changes while it delivers: not part of "what the database holds".
_DELIVERY_COLUMNS = frozenset(
    {
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "claimed_by",
        "last_error",
        "sent_at",
        "slack_channel",
        "slack_ts",
        "slack_file_ids",
    }
)


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the outbox without its delivery progress), sorted: two
    snapshots are equal when nothing was added, removed or changed."""
    picture: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in _DELIVERY_COLUMNS]
            rows = connection.execute(sa_select(*columns)).all()
            picture[table.name] = sorted((tuple(_plain(v) for v in row) for row in rows), key=repr)
    return picture


def _plain(value: Any) -> Any:
    return (
        json.dumps(value, sort_keys=True, default=str) if isinstance(value, dict | list) else value
    )


@dataclass
class Deliveries:
    """Successful chat.postMessage calls at the stand-in, matched to the outbox rows they
    delivered: `per_key` counts Slack posts per idempotency key; a post that is not the one
    recorded on its row (its ts) is a duplicate, attributed to the row with the same message."""

    per_key: Counter[str] = field(default_factory=Counter)
    unmatched: int = 0  # posts that match no outbox row at all

    @property
    def sent(self) -> int:
        return sum(self.per_key.values()) + self.unmatched

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.per_key.values() if n > 1) + self.unmatched

    def twice_or_more(self) -> dict[str, int]:
        return {key: n for key, n in self.per_key.items() if n > 1}


def deliveries(slack: SlackStandIn, make_session: SessionFactory) -> Deliveries:
    with make_session() as session:
        rows = session.exec(
            select(OutboxMessage).where(OutboxMessage.method == "chat.postMessage")
        ).all()
    by_ts = {row.slack_ts: row for row in rows if row.status == "sent" and row.slack_ts}
    result = Deliveries()
    for call in slack.calls("chat.postMessage"):
        if call.fault is not None or not call.response:
            continue
        row = by_ts.get(call.response.get("ts"))
        if row is None:
            row = next((r for r in rows if _same_message(r, call.params)), None)
        if row is None:
            result.unmatched += 1
        else:
            result.per_key[row.idempotency_key] += 1
    return result


def _same_message(row: OutboxMessage, params: dict[str, Any]) -> bool:
    payload = row.payload or {}
    return (
        payload.get("text") == params.get("text")
        and payload.get("blocks") == params.get("blocks")
        and params.get("channel") in {row.channel, row.slack_channel, row.payload.get("channel")}
    )


def outbox_statuses(make_session: SessionFactory) -> Counter[str]:
    with make_session() as session:
        return Counter(session.exec(select(OutboxMessage.status)).all())


class RetrySleeps:
    """What the client's retry handlers asked to sleep: ("rate_limit", seconds) after a 429,
    ("backoff", seconds) before retrying a connection or server error."""

    def __init__(self, really_sleep: bool) -> None:
        self.really_sleep = really_sleep
        self.calls: list[tuple[str, float]] = []

    def of(self, kind: str) -> list[float]:
        return [seconds for k, seconds in self.calls if k == kind]

    def _sleeper(self, kind: str) -> SimpleNamespace:
        import time

        def sleep(seconds: float) -> None:
            self.calls.append((kind, seconds))
            if self.really_sleep:
                time.sleep(seconds)

        return SimpleNamespace(sleep=sleep)


@contextmanager
def recorded_retry_sleeps(really_sleep: bool = False) -> Iterator[RetrySleeps]:
    """Record (and by default skip) the pauses of slack_sdk's retry handlers."""
    sleeps = RetrySleeps(really_sleep)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bot.slack.client, "time", sleeps._sleeper("rate_limit"))
        patch.setattr(handler, "time", sleeps._sleeper("backoff"))
        yield sleeps


def large_authority(session: Session, managers: int) -> dict[str, Any]:
    """`managers` teams, each with a manager, a practitioner and one eligible case, plus an
    administrator: a monthly draw then sends one DM per manager."""
    admin = factories.person(session, "Ada Admin", "admin")
    head = factories.person(session, "Hana Head", "head_of_service")
    team_managers: list[Staff] = []
    for number in range(managers):
        team = Team(
            name=f"Team {number:03d}",
            service_area="Area",
            team_type="short_term",
            channel_id=f"C0TEAM{number:04d}",
        )
        session.add(team)
        session.flush()
        manager = factories.person(session, f"Manager {number:03d}", "team_manager", team, head)
        worker = factories.person(session, f"Worker {number:03d}", "practitioner", team, manager)
        factories.case(session, team, worker, ref=f"CR-L{number:04d}", opened_on=date(2025, 1, 1))
        team_managers.append(manager)
    return {"admin": admin, "head": head, "managers": team_managers}


def report(title: str, **counts: Any) -> str:
    """Print the measured counts (shown with `pytest -s`) and return the line."""
    line = f"[reliability] {title}: " + ", ".join(f"{k}={v}" for k, v in counts.items())
    print(line)
    return line


# -- requests, as Slack sends them ---------------------------------------------------------------

RETRY_HEADERS = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def burst(bot: Any, body: str, *, copies: int = 2, retries: int = 1) -> list[Any]:
    """Deliver the same signed `body` `copies` times at once (a quick double click) plus
    `retries` times as Slack's retries (X-Slack-Retry-Num), all concurrently."""
    from bot.demo.slack_requests import sign
    from tests.support.harness import SECRET

    headers = [sign(SECRET, body) for _ in range(copies)]
    headers += [
        {**sign(SECRET, body), **RETRY_HEADERS, "X-Slack-Retry-Num": str(n + 1)}
        for n in range(retries)
    ]
    start = threading.Barrier(len(headers))

    def send(request_headers: dict[str, str]) -> Any:
        start.wait()
        return bot.post(body, request_headers)

    with ThreadPoolExecutor(len(headers)) as pool:
        return list(pool.map(send, headers))


def fill(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The submitted state of `view` with `answers` ({block_id: value}) in its input blocks."""
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        block_id = block.get("block_id")
        if block.get("type") != "input" or block_id not in answers:
            continue
        element, value = block["element"], answers[block_id]
        kind = element["type"]
        if kind == "datepicker":
            entry = {"selected_date": value}
        elif kind == "timepicker":
            entry = {"selected_time": value}
        elif kind in ("radio_buttons", "static_select"):
            entry = {"selected_option": {"value": value} if value else None}
        elif kind == "checkboxes":
            entry = {"selected_options": [{"value": v} for v in value or []]}
        elif kind == "users_select":
            entry = {"selected_user": value}
        else:
            entry = {"value": value}
        state[block_id] = {element["action_id"]: {"type": kind, **entry}}
    return state


def audit_actions(make_session: SessionFactory) -> list[str]:
    """The audit log's actions, oldest first: one entry per state change a person made."""
    from models import AuditLogEntry

    with make_session() as session:
        return list(
            session.exec(select(AuditLogEntry.action).order_by(AuditLogEntry.id)).all()  # type: ignore[arg-type]
        )
