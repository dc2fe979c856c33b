"""An inadmissible audit: a submitted audit the auditor or a moderator found unusable (wrong case
type, file incomplete, case transferred). It still counts as done in the volume figures; the
briefing leaves it out of the grades and of the analysis."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core import auditlog
from bot.core.errors import InvalidRequest
from models import Audit, Staff
from models.statuses import AuditStatus, InadmissibleReason

REASON_LABELS = {
    InadmissibleReason.WRONG_CASE_TYPE: "Wrong case type",
    InadmissibleReason.FILE_INCOMPLETE: "File incomplete",
    InadmissibleReason.CASE_TRANSFERRED: "Case transferred",
    InadmissibleReason.OTHER: "Other",
}


def mark_inadmissible(
    session: Session,
    audit: Audit,
    *,
    reason: str,
    note: str | None,
    by: Staff,
    now: datetime,
) -> bool:
    """Mark a submitted audit inadmissible; False (nothing changed) if it already is."""
    if audit.status != AuditStatus.SUBMITTED:
        raise InvalidRequest("Only a submitted audit can be marked inadmissible.")
    if reason not in InadmissibleReason.__members__.values():
        raise InvalidRequest(f"{reason!r} is not a reason an audit can be inadmissible for.")
    if audit.is_inadmissible:
        return False
    audit.inadmissible_reason = reason
    audit.inadmissible_note = " ".join((note or "").split()) or None
    audit.inadmissible_by = by.id
    audit.inadmissible_at = now
    session.add(audit)
    auditlog.record(
        session,
        actor=by.email,
        action="audit.inadmissible",
        subject=f"audit:{audit.id}",
        now=now,
        reason=reason,
    )
    return True
