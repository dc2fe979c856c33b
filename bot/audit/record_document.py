"""The completed audit as a Word document for the child's record (Stockport and Sefton put the
finished audit on the child's file).

Pure: an `AuditRecord` in (see bot/audit/record_data.py for where it comes from), the bytes of a
.docx file out. Auditbot stores case references, never a child's or family member's name, so the
document carries the case reference only.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from docx import Document
from docx.document import Document as WordDocument
from docx.shared import Cm, Pt
from docx.table import Table

from bot.audit.rules import CONCERNS


@dataclass(frozen=True)
class DomainAnswer:
    title: str
    guidance: str
    grade: str | None  # None under a framework without grades
    justification: str


@dataclass(frozen=True)
class ActionLine:
    what: str
    owner: str
    due_on: date
    done_on: date | None
    done_note: str | None
    set_at_reaudit: bool


@dataclass(frozen=True)
class FamilyViews:
    """The contact with the child and family as recorded (models.booking.FamilyEngagement)."""

    status: str  # EngagementStatus
    method: str | None
    planned_on: date | None
    summary: str | None
    reason: str | None
    child_outcome: str | None  # ContactOutcome
    child_reason: str | None
    parents_outcome: str | None
    parents_reason: str | None


@dataclass(frozen=True)
class Discussion:
    """The latest booking of the practitioner discussion."""

    status: str  # BookingStatus
    starts_at: datetime  # local time
    reason: str | None  # why cancelled or not held


@dataclass(frozen=True)
class ModeratedLine:
    title: str
    original_grade: str | None
    agreed: bool
    moderated_grade: str | None
    reason: str | None


@dataclass(frozen=True)
class Moderation:
    """A submitted re-audit of the audit."""

    moderator: str
    submitted_on: date
    judgements: list[ModeratedLine]
    overall_agreed: bool | None
    overall_grade: str | None
    overall_reason: str | None
    actions_addressed: str | None  # yes | partly | no | none_set
    comment: str | None


@dataclass(frozen=True)
class IroFeedbackLine:
    """The IRO's or conference chair's feedback asked for in the audit (issue 25, Sefton)."""

    iro: str
    requested_on: date
    given_on: date | None
    feedback: str | None
    grade_view: str | None  # a grade, or None when they gave no view


@dataclass(frozen=True)
class ActionReviewLine:
    """The manager's review of the audit's actions, months after it (issue 25, Bolton)."""

    months_after: int
    reviewer: str
    reviewed_on: date | None  # None: asked for, not recorded yet
    progress: list[tuple[str, str, str]]  # (the action, how it stands, the note)


@dataclass(frozen=True)
class SupervisionGapLine:
    """A gap in supervision raised by the audit (Sefton's immediate response)."""

    gap_from: date
    gap_to: date
    reason: str
    action: str
    action_due: date
    acknowledged_by: str | None


@dataclass(frozen=True)
class AuditRecord:
    """Everything the document shows, already read from the database."""

    case_ref: str
    case_type: str
    team: str
    practitioner: str
    auditor: str
    drawn_on: date
    submitted_on: date
    framework: str
    domains: list[DomainAnswer]
    impact: str
    views: str
    overall: str | None
    concern: str  # a key of CONCERNS
    concern_note: str
    actions: list[ActionLine]
    no_actions: str
    made_on: date
    family: FamilyViews | None = None
    discussion: Discussion | None = None
    moderations: list[Moderation] = field(default_factory=list)
    inadmissible_reason: str | None = None  # InadmissibleReason
    inadmissible_note: str | None = None
    iro_feedback: IroFeedbackLine | None = None
    supervision_gap: SupervisionGapLine | None = None
    action_reviews: list[ActionReviewLine] = field(default_factory=list)
    look_back_months: int | None = None  # the period the audit looked at


ENGAGEMENT_STATUSES = {
    "planned": "Contact planned; its outcome was not recorded",
    "views_obtained": "Views obtained",
    "declined": "The family declined",
    "no_contact": "The family could not be contacted",
    "not_appropriate": "Contact was not appropriate",
}
METHODS = {
    "visit": "a home or office visit",
    "phone": "a phone call",
    "video": "a video call",
    "letter": "a letter or email",
    "other": "another way",
}
CONTACT_OUTCOMES = {
    "engaged": "took part",
    "inappropriate": "not appropriate for their age or circumstances",
    "no_response": "attempted, no response",
    "not_invited": "not invited",
}
INADMISSIBLE_REASONS = {
    "wrong_case_type": "the wrong case type",
    "file_incomplete": "the file was incomplete",
    "case_transferred": "the case was transferred",
    "other": "another reason",
}
ACTIONS_ADDRESSED = {
    "yes": "Yes",
    "partly": "Partly",
    "no": "No",
    "none_set": "The audit set no actions",
}


def record_filename(record: AuditRecord) -> str:
    """e.g. `audit-CR-100234-2026-11-27.docx`: the case reference made safe for a file name."""
    safe_ref = re.sub(r"[^A-Za-z0-9._-]+", "-", record.case_ref).strip("-.") or "case"
    return f"audit-{safe_ref}-{record.submitted_on.isoformat()}.docx"


def audit_record_docx(record: AuditRecord) -> bytes:
    """The Word document of the completed audit."""
    document = Document()
    _set_up(document, record)
    _write_summary(document, record)
    _write_domains(document, record)
    _write_views(document, record)
    _write_iro_feedback(document, record.iro_feedback)
    _write_discussion(document, record)
    _write_judgement(document, record)
    _write_supervision_gap(document, record.supervision_gap)
    _write_actions(document, record)
    _write_action_reviews(document, record.action_reviews)
    for moderation in record.moderations:
        _write_moderation(document, record, moderation)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _long_date(day: date) -> str:
    return f"{day:%A %-d %B %Y}"


def _set_up(document: WordDocument, record: AuditRecord) -> None:
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(11)
    properties = document.core_properties
    properties.title = f"Case file audit: {_clean(record.case_ref)}"
    properties.subject = "Case file audit for the child's record"
    properties.author = properties.last_modified_by = "Auditbot"
    made = datetime.combine(record.made_on, time(12, 0))
    properties.created = properties.modified = made  # the template's own date otherwise
    properties.comments = "Case references only: no child's or family member's name."
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = _clean(
        f"Case file audit of {record.case_ref}, submitted {_long_date(record.submitted_on)}. "
        f"Made by Auditbot on {_long_date(record.made_on)}."
    )


def _write_summary(document: WordDocument, record: AuditRecord) -> None:
    document.add_heading(_clean(f"Case file audit: {record.case_ref}"), level=0)
    document.add_paragraph(
        "The completed audit, for the child's record. It names the case by its reference only."
    )
    rows = [
        ("Case reference", record.case_ref),
        ("Case type", record.case_type),
        ("Team", record.team),
        ("Practitioner", record.practitioner),
        ("Auditor", record.auditor),
        ("Case drawn for audit", _long_date(record.drawn_on)),
        ("Audit submitted", _long_date(record.submitted_on)),
        ("Audit framework", record.framework),
        *([("Period looked at", _period(record))] if record.look_back_months else []),
    ]
    _table(document, None, rows)
    if record.inadmissible_reason:
        reason = INADMISSIBLE_REASONS.get(record.inadmissible_reason, record.inadmissible_reason)
        note = f" {record.inadmissible_note}" if record.inadmissible_note else ""
        _labelled(document, "Found inadmissible: ", f"{reason}.{note}")


def _period(record: AuditRecord) -> str:
    months = record.look_back_months
    return f"the {months} month{'' if months == 1 else 's'} to {_long_date(record.submitted_on)}"


def _write_domains(document: WordDocument, record: AuditRecord) -> None:
    document.add_heading("Judgements by domain", level=1)
    for domain in record.domains:
        title = f"{domain.title}: {domain.grade}" if domain.grade else domain.title
        document.add_heading(_clean(title), level=2)
        if domain.guidance:
            document.add_paragraph().add_run(_clean(domain.guidance)).italic = True
        _labelled(document, "Why: " if domain.grade else "Evaluation: ", domain.justification)


def _write_views(document: WordDocument, record: AuditRecord) -> None:
    document.add_heading("What difference our involvement has made", level=1)
    document.add_paragraph(_clean(record.impact))
    document.add_heading("The child's and family's views", level=1)
    document.add_paragraph(_clean(record.views))
    family = record.family
    if family is None:
        _labelled(document, "Contact with the family: ", "none was planned or recorded.")
        return
    outcome = ENGAGEMENT_STATUSES.get(family.status, family.status)
    if family.method:
        outcome += f", by {METHODS.get(family.method, family.method)}"
    if family.planned_on:
        outcome += f" (planned for {_long_date(family.planned_on)})"
    _labelled(document, "Contact with the family: ", outcome + ".")
    for label, text in (("Their views: ", family.summary), ("Why: ", family.reason)):
        if text:
            _labelled(document, label, text)
    for who, outcome_key, reason in (
        ("The child: ", family.child_outcome, family.child_reason),
        ("The parents or carers: ", family.parents_outcome, family.parents_reason),
    ):
        if outcome_key:
            said = CONTACT_OUTCOMES.get(outcome_key, outcome_key)
            _labelled(document, who, f"{said}." + (f" {reason}" if reason else ""))


def _write_iro_feedback(document: WordDocument, line: IroFeedbackLine | None) -> None:
    if line is None:
        return
    document.add_heading("The IRO's or conference chair's feedback", level=1)
    asked = f"Asked of {line.iro} on {_long_date(line.requested_on)}"
    if line.given_on is None:
        _labelled(document, "Feedback: ", f"{asked}; not given yet.")
        return
    _labelled(document, "Feedback: ", f"{asked}, given on {_long_date(line.given_on)}.")
    document.add_paragraph(_clean(line.feedback or ""))
    _labelled(document, "Their view of the grade: ", line.grade_view or "none given.")


def _write_supervision_gap(document: WordDocument, gap: SupervisionGapLine | None) -> None:
    if gap is None:
        return
    document.add_heading("Immediate response: a gap in supervision", level=1)
    _labelled(
        document,
        "No recorded supervision: ",
        f"from {_long_date(gap.gap_from)} to {_long_date(gap.gap_to)}.",
    )
    _labelled(document, "Why: ", gap.reason)
    _labelled(document, "Action agreed: ", f"{gap.action} By {_long_date(gap.action_due)}.")
    _labelled(document, "Acknowledged by: ", gap.acknowledged_by or "not yet acknowledged.")


def _write_discussion(document: WordDocument, record: AuditRecord) -> None:
    document.add_heading("The discussion with the practitioner", level=1)
    document.add_paragraph(_clean(_discussion_sentence(record.discussion)))


def _discussion_sentence(discussion: Discussion | None) -> str:
    if discussion is None:
        return "No discussion was booked."
    when = f"{_long_date(discussion.starts_at.date())} at {discussion.starts_at:%H:%M}"
    reason = f" {discussion.reason}" if discussion.reason else ""
    return {
        "held": f"Held on {when}.",
        "not_held": f"Booked for {when} and not held.{reason}",
        "cancelled": f"Booked for {when} and cancelled.{reason}",
    }.get(discussion.status, f"Booked for {when}; not recorded as held.")


def _write_judgement(document: WordDocument, record: AuditRecord) -> None:
    document.add_heading("Overall judgement and concern", level=1)
    _labelled(document, "Overall judgement: ", record.overall or "not given")
    _labelled(document, "Immediate concern: ", CONCERNS.get(record.concern, record.concern))
    if record.concern_note:
        _labelled(document, "The concern: ", record.concern_note)


def _write_actions(document: WordDocument, record: AuditRecord) -> None:
    document.add_heading("Actions", level=1)
    if not record.actions:
        _labelled(document, "No actions needed: ", record.no_actions or "no reason recorded.")
        return
    rows = [
        (
            action.what + (" (set at the re-audit)" if action.set_at_reaudit else ""),
            action.owner,
            _long_date(action.due_on),
            _action_status(action),
        )
        for action in record.actions
    ]
    _table(document, ("Action", "Who", "By", "Status"), rows)


def _write_action_reviews(document: WordDocument, reviews: list[ActionReviewLine]) -> None:
    for review in reviews:
        when = f"{review.months_after} month{'' if review.months_after == 1 else 's'}"
        document.add_heading(f"The actions reviewed, {when} after the audit", level=2)
        if review.reviewed_on is None:
            document.add_paragraph(_clean(f"Asked of {review.reviewer}; not recorded yet."))
            continue
        document.add_paragraph(
            _clean(f"Reviewed by {review.reviewer} on {_long_date(review.reviewed_on)}.")
        )
        _table(document, ("Action", "How it stands", "Note"), review.progress)


def _action_status(action: ActionLine) -> str:
    if action.done_on is None:
        return "Open"
    note = f": {action.done_note}" if action.done_note else ""
    return f"Done on {_long_date(action.done_on)}{note}"


def _write_moderation(document: WordDocument, record: AuditRecord, moderation: Moderation) -> None:
    document.add_heading("Moderation (re-audit)", level=1)
    document.add_paragraph(
        _clean(f"Re-audited by {moderation.moderator} on {_long_date(moderation.submitted_on)}.")
    )
    rows = [
        (
            line.title,
            line.original_grade or "",
            "Agreed" if line.agreed else "Disagreed",
            "" if line.agreed else (line.moderated_grade or ""),
            "" if line.agreed else (line.reason or ""),
        )
        for line in moderation.judgements
    ]
    headings = ("Domain", "Audit's grade", "Moderator", "Moderated grade", "Why")
    _table(document, headings, rows)
    if moderation.overall_agreed is not None:
        _labelled(document, "Overall judgement: ", _moderated_overall(record, moderation))
    if moderation.actions_addressed:
        addressed = ACTIONS_ADDRESSED.get(moderation.actions_addressed, "")
        _labelled(document, "The audit's actions addressed: ", addressed)
    if moderation.comment:
        _labelled(document, "The moderator's comment: ", moderation.comment)


def _moderated_overall(record: AuditRecord, moderation: Moderation) -> str:
    if moderation.overall_agreed:
        return f"agreed ({record.overall})."
    reason = f" {moderation.overall_reason}" if moderation.overall_reason else ""
    return f"moderated from {record.overall} to {moderation.overall_grade}.{reason}"


def _labelled(document: WordDocument, label: str, text: str) -> None:
    """A paragraph starting with a bold label."""
    paragraph = document.add_paragraph()
    paragraph.add_run(label).bold = True
    paragraph.add_run(_clean(text))


def _table(
    document: WordDocument, headings: tuple[str, ...] | None, rows: Iterable[tuple[str, ...]]
) -> None:
    """A grid table; without headings, a two-column table of labels (bold) and values."""
    columns = len(headings) if headings else 2
    table = document.add_table(rows=0, cols=columns)
    table.style = "Table Grid"
    if headings:
        _table_row(table, headings, bold=True)
    for row in rows:
        _table_row(table, row, bold=False, label_first=headings is None)
    if headings is None:
        for cell in table.columns[0].cells:
            cell.width = LABEL_WIDTH
        for cell in table.columns[1].cells:
            cell.width = VALUE_WIDTH


LABEL_WIDTH, VALUE_WIDTH = Cm(5), Cm(11)  # of a two-column table of labels and values


def _table_row(
    table: Table, values: tuple[str, ...], *, bold: bool, label_first: bool = False
) -> None:
    cells = table.add_row().cells
    for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
        run = cell.paragraphs[0].add_run(_clean(value))
        run.bold = bold or (label_first and index == 0)


# Characters XML 1.0 cannot hold (control characters other than tab and line breaks).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)
