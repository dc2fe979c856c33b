"""The states a row moves through, as enums: stored as their text, compared as enums; and
the priority of an outbox row.

Each status is a `StrEnum`, so a value read from the database (plain text) equals its member,
and a member written to the database is its text.
"""

from enum import IntEnum, StrEnum


class StaffStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SelectionStatus(StrEnum):
    SELECTED = "selected"  # the manager's current case
    REPLACED = "replaced"  # re-drawn, or its audit moved with the case
    NO_ELIGIBLE_CASE = "no_eligible_case"


class AuditStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class ReauditStatus(StrEnum):
    DRAWN = "drawn"
    STARTED = "started"
    SUBMITTED = "submitted"


class BookingStatus(StrEnum):
    BOOKED = "booked"
    MOVED = "moved"
    CANCELLED = "cancelled"
    HELD = "held"
    NOT_HELD = "not_held"


class EngagementStatus(StrEnum):
    PLANNED = "planned"
    NOT_APPROPRIATE = "not_appropriate"
    VIEWS_OBTAINED = "views_obtained"
    DECLINED = "declined"
    NO_CONTACT = "no_contact"


class ContactOutcome(StrEnum):
    """How the child, or the parents or carers, took part in the audit (Gloucestershire's
    counts); not recorded means "not stated"."""

    ENGAGED = "engaged"
    INAPPROPRIATE = "inappropriate"  # for the child's age or circumstances
    NO_RESPONSE = "no_response"  # attempted, no response
    NOT_INVITED = "not_invited"


class Participation(StrEnum):
    """Whether the case's manager or practitioner took part in another auditor's discussion."""

    TOOK_PART = "took_part"
    NOT_AVAILABLE = "not_available"


class InadmissibleReason(StrEnum):
    WRONG_CASE_TYPE = "wrong_case_type"
    FILE_INCOMPLETE = "file_incomplete"
    CASE_TRANSFERRED = "case_transferred"
    OTHER = "other"


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"  # within the limit: at once
    APPROVED = "approved"
    REFUSED = "refused"


class SupervisionStatus(StrEnum):
    DRAFT = "draft"
    RECORDED = "recorded"


class TacTaskStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"


class Attendance(StrEnum):
    PENDING = "pending"
    YES = "yes"
    NO = "no"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"  # what it was about changed before it was sent
    WITHHELD = "withheld"


class Priority(IntEnum):
    """Which outbox rows the sender takes first: a lower number goes before a higher one."""

    URGENT = 0  # Category 1 safeguarding alerts, their re-sends, escalation and acknowledgement
    ANSWER = 1  # what the person who just acted sees of what they did
    ROUTINE = 2  # everything else: reminders, chasing, digests, Home tab refreshes, others' DMs
    # Deleting the bot's old messages from Slack after the retention period: never before a DM.
    HOUSEKEEPING = 3
