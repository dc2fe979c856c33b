"""The oversight practices' lines in `/audit status` (issue 25, Bolton): counts only, and only
for the practices in use (some asked for), never a name or a case reference."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, func, select

from bot.observations.monthly import observation_counts
from bot.supervision_audit.asking import supervision_audit_counts
from models import TransferAudit
from models.transfer_audit import TransferAuditStatus


def oversight_lines(session: Session, today: date) -> list[str]:
    lines = []
    supervision = supervision_audit_counts(session, today)
    if supervision is not None:
        lines.append(supervision.line)
    transfers = _transfer_audit_line(session, today)
    if transfers:
        lines.append(transfers)
    observations = observation_counts(session, today)
    if observations is not None:
        lines.append(observations.line)
    return lines


def _transfer_audit_line(session: Session, today: date) -> str | None:
    def count(*conditions) -> int:
        return session.exec(
            select(func.count()).select_from(TransferAudit).where(*conditions)
        ).one()

    waiting = TransferAudit.status == TransferAuditStatus.REQUESTED
    open_, overdue = count(waiting), count(waiting, col(TransferAudit.due_on) < today)
    year_ago = datetime.combine(today - timedelta(days=365), time(), UTC)
    done = count(
        TransferAudit.status == TransferAuditStatus.DONE,
        col(TransferAudit.completed_at) >= year_ago,
    )
    if not (open_ or done):
        return None
    return (
        f"*Transfer audits (file fit for purpose):* *{open_}* waiting, *{overdue}* of them "
        f"overdue; *{done}* done in the last 12 months."
    )
