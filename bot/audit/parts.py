"""What the audit's optional parts add to its summary (issue 25, Sefton): the IRO's or chair's
feedback asked for or given, and a gap in supervision raised. One line each, mrkdwn, for the
manager's copy."""

from __future__ import annotations

from sqlmodel import Session

from messages import escape_mrkdwn, mention
from models import Audit, Staff
from models.iro_feedback import GIVEN, NO_VIEW, iro_feedback_for
from models.supervision_gap import supervision_gap_for


def audit_part_lines(session: Session, audit: Audit) -> list[str]:
    lines = []
    request = iro_feedback_for(session, audit.id)
    if request is not None:
        iro = mention(session.get(Staff, request.iro_id))
        if request.status == GIVEN:
            view = request.grade_view
            grade = f" (their grade: {escape_mrkdwn(view)})" if view and view != NO_VIEW else ""
            lines.append(f"*IRO or chair's feedback:* given by {iro}{grade}.")
        else:
            lines.append(f"*IRO or chair's feedback:* asked of {iro} by DM; you will be told.")
    gap = supervision_gap_for(session, audit.id)
    if gap is not None:
        lines.append(
            f"*Supervision gap* from {gap.gap_from:%-d %B %Y} to {gap.gap_to:%-d %B %Y}: the "
            "service manager and head of service have been alerted (immediate response)."
        )
    return lines
