"""Finding staff on Slack by their email address (users.lookupByEmail), with a cache."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import or_
from sqlmodel import Session, col, select

from models import Staff
from models.db import SessionFactory, transaction
from models.statuses import StaffStatus

log = logging.getLogger(__name__)

NOT_FOUND = "users_not_found"


@dataclass
class ResolveReport:
    found: int = 0
    not_found: list[str] = field(default_factory=list)  # emails


def resolve_slack_ids(
    make_session: SessionFactory,
    client: WebClient,
    *,
    now: datetime,
    retry_after: timedelta = timedelta(days=1),
) -> ResolveReport:
    """Look up active staff who have no Slack id yet and were not looked up since `retry_after`.

    Found ids are stored; "not found" is remembered (`slack_lookup_at` is the cache) so the
    person is asked about again only after `retry_after`. Any other Slack error is logged and
    the person is left for the next run. Each person is committed on their own; no database
    transaction is held open while Slack is being asked.
    """
    with make_session() as session:
        staff_ids = session.exec(
            select(Staff.id)
            .where(
                Staff.status == StaffStatus.ACTIVE,
                col(Staff.slack_user_id).is_(None),
                or_(
                    col(Staff.slack_lookup).is_(None),
                    col(Staff.slack_lookup_at).is_(None),
                    col(Staff.slack_lookup_at) < now - retry_after,
                ),
            )
            .order_by(col(Staff.id))
        ).all()

    report = ResolveReport()
    for staff_id in staff_ids:
        with transaction(make_session) as session:
            staff = session.get(Staff, staff_id)
            if staff is None or staff.slack_user_id:
                continue  # removed, or resolved meanwhile (another instance)
            try:
                user_id = lookup_one(session, client, staff, now)
            except Exception as exc:  # one person's trouble must not stop the rest
                log.warning(
                    "Slack lookup for staff %s failed, will retry next run: %s",
                    staff_id,
                    _describe(exc),
                )
                continue
            if user_id is None:
                report.not_found.append(staff.email)
            else:
                report.found += 1
    return report


def lookup_one(session: Session, client: WebClient, staff: Staff, now: datetime) -> str | None:
    """Ask Slack for one person's id by email and record the answer on `staff` (not committed).

    Returns the Slack user id, or None when Slack has no such user (`users_not_found`). Any
    other failure (rate limit still exceeded, connection trouble, a bad token) is raised and
    nothing is recorded, so the question is asked again next time.
    """
    try:
        response = client.users_lookupByEmail(email=staff.email)
    except SlackApiError as exc:
        if _error_code(exc) != NOT_FOUND:
            raise
        staff.slack_lookup = "not_found"
        staff.slack_lookup_at = now
        session.add(staff)
        return None
    user = response.get("user") or {}
    user_id = user.get("id") if isinstance(user, dict) else None
    if not user_id:
        raise ValueError("users.lookupByEmail answered ok without a user id")
    staff.slack_user_id = str(user_id)
    staff.slack_lookup = "found"
    staff.slack_lookup_at = now
    session.add(staff)
    return staff.slack_user_id


def _error_code(exc: SlackApiError) -> str | None:
    data = getattr(exc.response, "data", None)
    return data.get("error") if isinstance(data, dict) else None


def _describe(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return f"Slack error {_error_code(exc)}"
    return f"{type(exc).__name__}: {exc}"
