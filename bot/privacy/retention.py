"""Data retention: once a day, remove or redact what the policy no longer lets Auditbot keep.

What goes (each period in the policy's `retention`, None keeps it):
- `outbox_message_days`: the bodies of messages queued that long ago and sent, withdrawn or
  failed for good; the row, its idempotency key and status stay, so nothing can be sent twice.
- `free_text_days`: justifications, reasons and notes written that long ago become
  "[removed after N days]"; grades, statuses and dates stay, so every count the reports need
  stays too.
- `closed_case_days`: a case closed that long ago loses its reference (it becomes
  `closed-<id>`), in message bodies too, and the free text about it goes whatever its age.
- `leaver_days`: a leaver's name, email and Slack id, that long after their work was handed
  over (bot/privacy/identity.py); their row stays, so who did what stays countable by id.
- `absence_days`, `home_tab_days`: absences ended, and Home tab records last opened, that long
  ago are deleted.
- `audit_log_days`: audit-log entries that old are deleted.
- `slack_message_days`: the bot's own DMs and files are deleted from Slack, through the
  outbox (bot/privacy/slack_cleanup.py).

The sweep is claimed once per local day (`RetentionRun`), logged in the audit log with what it
removed, and only touches what is not yet removed: running it again changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    String,
    bindparam,
    cast,
    delete,
    exists,
    literal,
    union_all,
    update,
)
from sqlmodel import Session, SQLModel, col, select

from bot.core import auditlog
from bot.core.tick import Tick
from bot.policy.schema import Policy
from bot.privacy.identity import forget_leavers
from bot.privacy.slack_cleanup import remove_old_messages_from_slack
from models import (
    Absence,
    ActionProgress,
    ActionReview,
    Audit,
    AuditAction,
    AuditLogEntry,
    Booking,
    Case,
    ConcernReview,
    Extension,
    FamilyEngagement,
    HomeTabViewer,
    IroFeedback,
    ModeratedJudgement,
    Observation,
    OutboxMessage,
    PoorPractice,
    ProgrammePause,
    Reaudit,
    RetentionRun,
    RoundCase,
    RoundFindings,
    RoundJudgement,
    SafeguardingAlert,
    Selection,
    SupervisionFileAudit,
    SupervisionGapAlert,
    TacDecision,
    TacSupervision,
    TacTask,
    TransferAudit,
)
from models.db import refresh_statistics
from models.statuses import ActionStatus, CaseStatus, OutboxStatus, ReauditStatus

CLOSED_CASE_PREFIX = "closed-"
# Keys of free text inside JSON answers and audit-log details (see the audit and re-audit forms).
FREE_TEXT_KEYS = frozenset(
    {"justification", "reason", "impact", "views", "concern_note", "no_actions", "addressed_note"}
    | {"comment", "note", "actions_taken", "trigger_note"}
    | {"iro_not_asked", "gap_reason", "gap_action"}  # the audit's last page (Sefton)
)


_BEFORE_ANYTHING = datetime(1970, 1, 1, tzinfo=UTC)  # no sweep yet: read from the start


def removed_marker(days: int) -> str:
    return f"[removed after {days} days]"


@dataclass(frozen=True)
class _TextColumns:
    """Free-text columns of a table, and what dates them (older than the cutoff: removed)."""

    model: type[SQLModel]
    columns: tuple[str, ...]
    written: Any  # a column, or a condition builder taking the cutoff
    # For text never changed once dated (a recorded checkpoint's decisions), a builder taking
    # the cutoff and the last sweep's cutoff: only what has passed the period since is read.
    written_since: Any = None

    def older_than(self, cutoff: Any, since: Any = None) -> ColumnElement[bool]:
        if since is not None and self.written_since is not None:
            return self.written_since(cutoff, since)
        if callable(self.written):
            return self.written(cutoff)
        return self.written < cutoff


def _recorded_checkpoints(cutoff: Any, since: Any = None) -> Any:
    """The checkpoints recorded before `cutoff` (and from `since`)."""
    recorded = col(TacSupervision.recorded_at)
    period = (recorded < cutoff) if since is None else (recorded >= since) & (recorded < cutoff)
    return select(TacSupervision.id).where(period)


FREE_TEXT_COLUMNS = (
    _TextColumns(Selection, ("replaced_reason",), col(Selection.replaced_at)),
    _TextColumns(ProgrammePause, ("reason",), col(ProgrammePause.paused_at)),
    _TextColumns(
        Booking, ("place", "practitioner_reason", "closed_reason"), col(Booking.created_at)
    ),
    _TextColumns(
        FamilyEngagement,
        ("reason", "summary", "child_reason", "parents_reason"),
        col(FamilyEngagement.updated_at),
    ),
    _TextColumns(Audit, ("inadmissible_note",), col(Audit.inadmissible_at)),
    _TextColumns(
        AuditAction,
        ("what", "done_note"),
        lambda cutoff: (
            (AuditAction.status == ActionStatus.DONE) & (col(AuditAction.done_at) < cutoff)
        ),
    ),
    _TextColumns(
        SafeguardingAlert,
        ("note",),
        lambda cutoff: col(SafeguardingAlert.acknowledged_at) < cutoff,
    ),
    _TextColumns(  # once the case is off the register
        ConcernReview,
        ("actions_taken",),
        lambda cutoff: col(ConcernReview.closed_at) < cutoff,
    ),
    _TextColumns(
        ModeratedJudgement,
        ("reason",),
        lambda cutoff: col(ModeratedJudgement.reaudit_id).in_(
            select(Reaudit.id).where(
                Reaudit.status == ReauditStatus.SUBMITTED, Reaudit.updated_at < cutoff
            )
        ),
    ),
    _TextColumns(
        Reaudit,
        ("comment", "overall_reason"),
        lambda cutoff: (Reaudit.status == ReauditStatus.SUBMITTED) & (Reaudit.updated_at < cutoff),
    ),
    _TextColumns(RoundCase, ("attendance_reason",), col(RoundCase.attendance_at)),
    _TextColumns(Extension, ("reason", "refusal_reason"), col(Extension.created_at)),
    _TextColumns(  # a checkpoint is recorded once: its decisions do not change after
        TacDecision,
        ("reason", "trigger_note"),
        lambda cutoff: col(TacDecision.supervision_id).in_(_recorded_checkpoints(cutoff)),
        lambda cutoff, since: col(TacDecision.supervision_id).in_(
            _recorded_checkpoints(cutoff, since)
        ),
    ),
    _TextColumns(TransferAudit, ("justification",), col(TransferAudit.completed_at)),
    _TextColumns(ActionProgress, ("note",), col(ActionProgress.recorded_at)),
    _TextColumns(
        SupervisionFileAudit,
        ("justification", "actions"),
        col(SupervisionFileAudit.completed_at),
    ),
    _TextColumns(Observation, ("note",), col(Observation.recorded_at)),
    _TextColumns(IroFeedback, ("feedback",), col(IroFeedback.given_at)),
    _TextColumns(  # kept while nobody has said they are acting on it, as an alert's note
        SupervisionGapAlert,
        ("reason", "action"),
        lambda cutoff: col(SupervisionGapAlert.acknowledged_at) < cutoff,
    ),
    _TextColumns(RoundJudgement, ("return_comment",), col(RoundJudgement.reviewed_at)),
    _TextColumns(
        RoundFindings,
        ("strengths", "weaknesses", "recommendations"),
        col(RoundFindings.recorded_at),
    ),
    _TextColumns(
        PoorPractice,
        ("recommendation",),
        lambda cutoff: col(PoorPractice.acknowledged_at) < cutoff,
    ),
)


def run_retention(session: Session, tick: Tick) -> dict[str, int] | None:
    """The day's sweep, from the policy's time; None when not due or already done today."""
    policy, calendar, now = tick.policy, tick.calendar, tick.now
    rules = policy.retention
    local = calendar.local(now)
    periods = [days for name, days in rules if name.endswith("_days")]
    if local.time() < rules.run_at or all(days is None for days in periods):
        return None
    day = local.date()
    if session.exec(select(RetentionRun.id).where(RetentionRun.day == day)).first():
        return None
    removed = sweep_day(session, policy, day, now)
    refresh_statistics(session)  # once a day, with the other upkeep
    auditlog.record(
        session, actor="scheduler", action="retention.sweep", subject=str(day), now=now, **removed
    )
    return removed


def sweep_day(session: Session, policy: Policy, day: date, now: datetime) -> dict[str, int]:
    """Claim the day's sweep (a second instance's insert fails here), run it, and record what
    went and how far free text has gone, so tomorrow's sweep starts from there."""
    previous = session.exec(
        select(RetentionRun.free_text_before, RetentionRun.bodies_before).order_by(
            col(RetentionRun.day).desc()
        )
    ).first()
    text_since, bodies_since = previous or (None, None)
    rules = policy.retention
    run = RetentionRun(
        day=day,
        ran_at=now,
        removed={},
        free_text_before=_before(now, rules.free_text_days),
        # Found before the sweep clears anything: a message still pending now may finish
        # while it runs, and must be read again tomorrow.
        bodies_before=_bodies_done_before(session, _before(now, rules.outbox_message_days)),
    )
    session.add(run)
    session.flush()
    run.removed = sweep(session, policy, now, text_since=text_since, bodies_since=bodies_since)
    return run.removed


def _before(now: datetime, days: int | None) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


def _bodies_done_before(session: Session, cutoff: datetime | None) -> datetime | None:
    """How far message bodies are done once this sweep ends: every message created before
    this has finished (none is still pending) and passed the period, so its body has gone."""
    if cutoff is None:
        return None
    # The few pending rows by the sender's index, compared here: as min() in SQL, SQLite with
    # statistics walks the whole outbox by when each was queued, looking for a pending one.
    pending = session.exec(
        select(OutboxMessage.created_at).where(OutboxMessage.status == OutboxStatus.PENDING)
    ).all()
    return min([cutoff, *pending])


def sweep(
    session: Session,
    policy: Policy,
    now: datetime,
    *,
    text_since: datetime | None = None,
    bodies_since: datetime | None = None,
) -> dict[str, int]:
    """Remove what has expired at `now`; returns how many of each thing went. Answers and log
    entries dated before `text_since`, and messages created before `bodies_since`, are known
    to be done already and are not read again."""
    rules = policy.retention
    removed: dict[str, int] = {}
    if rules.outbox_message_days is not None:
        removed["outbox_bodies"] = _clear_sent_messages(
            session, now, rules.outbox_message_days, bodies_since
        )
    if rules.closed_case_days is not None:
        removed["closed_cases"] = _forget_closed_cases(session, now, rules.closed_case_days)
    if rules.free_text_days is not None:
        cutoff = now - timedelta(days=rules.free_text_days)
        marker = removed_marker(rules.free_text_days)
        removed.update(_redact_free_text(session, cutoff, marker, text_since))
    if rules.leaver_days is not None:
        removed["leavers"] = forget_leavers(session, now, rules.leaver_days)
    for name, days, model, dated in (
        ("absences", rules.absence_days, Absence, Absence.ends_before),
        ("home_tab_records", rules.home_tab_days, HomeTabViewer, HomeTabViewer.last_opened_at),
        ("audit_log_entries", rules.audit_log_days, AuditLogEntry, AuditLogEntry.at),
    ):
        if days is not None:
            removed[name] = _delete_older(session, model, dated, now - timedelta(days=days))
    if rules.slack_message_days is not None:
        removed.update(remove_old_messages_from_slack(session, now, rules.slack_message_days))
    return {name: count for name, count in removed.items() if count}


def _delete_older(session: Session, model: type[SQLModel], dated: Any, cutoff: datetime) -> int:
    result = session.execute(
        delete(model).where(col(dated) < cutoff).execution_options(synchronize_session=False)
    )
    return result.rowcount


def _clear_sent_messages(session: Session, now: datetime, days: int, since: datetime | None) -> int:
    cutoff = now - timedelta(days=days)
    created = col(OutboxMessage.created_at)
    result = session.execute(
        update(OutboxMessage)
        # Sent, withdrawn, failed for good or withheld (never sent): all but the pending will
        # not be sent again. Not an IN list: SQLite would then take the status index and
        # read every finished message, not the day's by when they were queued.
        .where(OutboxMessage.status != OutboxStatus.PENDING)
        .where(created < cutoff, created >= (since or _BEFORE_ANYTHING))
        .where(cast(OutboxMessage.payload, String) != "{}")
        .values(payload={})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _forget_closed_cases(session: Session, now: datetime, days: int) -> int:
    """A case closed `days` ago keeps its row (the counts) but not its reference or the free
    text about it."""
    closed_before: date = (now - timedelta(days=days)).date()
    cases = session.exec(
        select(Case)
        .where(Case.status == CaseStatus.CLOSED, col(Case.closed_on) < closed_before)
        .where(col(Case.case_ref).not_like(f"{CLOSED_CASE_PREFIX}%"))
    ).all()
    marker = removed_marker(days)
    for case in cases:
        _forget_reference_in_log(session, case.case_ref, f"{CLOSED_CASE_PREFIX}{case.id}", marker)
        _forget_reference_in_messages(session, case.case_ref, f"{CLOSED_CASE_PREFIX}{case.id}")
        case.case_ref = f"{CLOSED_CASE_PREFIX}{case.id}"
        session.add(case)
        selections = select(Selection.id).where(Selection.case_id == case.id)
        _redact_case_text(session, case.id, selections, marker)
    return len(cases)


def _forget_reference_in_log(
    session: Session, case_ref: str, replacement: str, marker: str
) -> None:
    """The log's details name cases (the references a re-draw swapped, a TAC checkpoint's
    decisions): a forgotten case's reference is replaced wherever it appears, and the reasons
    and notes of what is listed under it go with its other free text."""
    for entry in _replace_reference(session, AuditLogEntry, "details", case_ref, replacement):
        entry.details = _redact_items_about(entry.details, replacement, marker)


def _redact_items_about(value: Any, replacement: str, marker: str) -> Any:
    """Free text of the items ({"case": reference, ...}) about the forgotten case."""
    if isinstance(value, list):
        return [_redact_items_about(item, replacement, marker) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("case") == replacement:
        return _redact_json(value, marker)
    return {key: _redact_items_about(item, replacement, marker) for key, item in value.items()}


def _whole_reference(case_ref: str) -> re.Pattern[str]:
    """A reference ends where no reference character follows (a full stop ends a sentence)."""
    return re.compile(rf"(?<![A-Za-z0-9/_.-]){re.escape(case_ref)}(?!\.?[A-Za-z0-9/_-])")


def _forget_reference_in_messages(session: Session, case_ref: str, replacement: str) -> None:
    """Message bodies still held (not yet past `outbox_message_days`) lose the reference."""
    _replace_reference(session, OutboxMessage, "payload", case_ref, replacement)


def _replace_reference(
    session: Session, model: type[SQLModel], field: str, case_ref: str, replacement: str
) -> list[Any]:
    """The rows whose JSON `field` names the case, with the reference replaced in it."""
    whole = _whole_reference(case_ref)
    column = cast(getattr(model, field), String)
    rows = session.exec(select(model).where(column.contains(case_ref, autoescape=True))).all()
    for row in rows:
        setattr(row, field, json.loads(whole.sub(replacement, json.dumps(getattr(row, field)))))
        session.add(row)
    return list(rows)


def _redact_case_text(session: Session, case_id: int, selection_ids: Any, marker: str) -> None:
    """Every free text about one case, whatever its age (its case has been forgotten)."""
    audits = select(Audit.id).where(col(Audit.selection_id).in_(selection_ids))
    by_case = {
        Selection: col(Selection.id).in_(selection_ids),
        Booking: col(Booking.selection_id).in_(selection_ids),
        FamilyEngagement: col(FamilyEngagement.selection_id).in_(selection_ids),
        Audit: col(Audit.selection_id).in_(selection_ids),
        AuditAction: col(AuditAction.audit_id).in_(audits),
        SafeguardingAlert: col(SafeguardingAlert.audit_id).in_(audits),
        ConcernReview: col(ConcernReview.audit_id).in_(audits),
        Reaudit: col(Reaudit.audit_id).in_(audits),
        ModeratedJudgement: col(ModeratedJudgement.reaudit_id).in_(
            select(Reaudit.id).where(col(Reaudit.audit_id).in_(audits))
        ),
        TacDecision: TacDecision.case_id == case_id,
        RoundCase: RoundCase.case_id == case_id,
        Extension: col(Extension.selection_id).in_(selection_ids),
        TransferAudit: TransferAudit.case_id == case_id,
        ActionProgress: col(ActionProgress.review_id).in_(
            select(ActionReview.id).where(col(ActionReview.audit_id).in_(audits))
        ),
        IroFeedback: col(IroFeedback.audit_id).in_(audits),
        SupervisionGapAlert: col(SupervisionGapAlert.audit_id).in_(audits),
        RoundJudgement: col(RoundJudgement.audit_id).in_(audits),
        PoorPractice: col(PoorPractice.round_case_id).in_(
            select(RoundCase.id).where(RoundCase.case_id == case_id)
        ),
    }
    for text in FREE_TEXT_COLUMNS:
        if text.model not in by_case:  # not about one case (a pause, an audit day's findings)
            continue
        for column in text.columns:
            _redact_column(session, text.model, column, by_case[text.model], marker)
    for model, rows in (
        (Audit, col(Audit.id).in_(audits)),
        (Reaudit, col(Reaudit.audit_id).in_(audits)),
    ):
        _redact_answers(session.exec(select(model).where(rows)).all(), "answers", marker)
    subjects = _case_log_subjects(session, case_id, selection_ids, audits)
    entries = session.exec(select(AuditLogEntry).where(col(AuditLogEntry.subject).in_(subjects)))
    _redact_answers(entries.all(), "details", marker)


def _case_log_subjects(
    session: Session, case_id: int, selection_ids: Any, audits: Any
) -> list[str]:
    """The audit log's subjects ("booking:12") naming a row about one case: their entries'
    reasons and notes are about the case too."""
    rows = {
        "selection": selection_ids,
        "booking": select(Booking.id).where(col(Booking.selection_id).in_(selection_ids)),
        "extension": select(Extension.id).where(col(Extension.selection_id).in_(selection_ids)),
        "audit": audits,
        "action": select(AuditAction.id).where(col(AuditAction.audit_id).in_(audits)),
        "alert": select(SafeguardingAlert.id).where(col(SafeguardingAlert.audit_id).in_(audits)),
        "reaudit": select(Reaudit.id).where(col(Reaudit.audit_id).in_(audits)),
        "round-case": select(RoundCase.id).where(RoundCase.case_id == case_id),
        "tac-task": select(TacTask.id).where(TacTask.case_id == case_id),
        "case": select(Case.id).where(Case.id == case_id),
        "transferaudit": select(TransferAudit.id).where(TransferAudit.case_id == case_id),
        "actionreview": select(ActionReview.id).where(col(ActionReview.audit_id).in_(audits)),
    }
    return [
        f"{prefix}:{row_id}" for prefix, ids in rows.items() for row_id in session.exec(ids).all()
    ]


def _redact_free_text(
    session: Session, cutoff: datetime, marker: str, since: datetime | None
) -> dict[str, int]:
    """Most days nothing has just passed the period: one statement finds which columns hold
    text to remove, and only those are updated. Answers and log details are JSON, checked
    here row by row: only those dated from `since` (the last sweep's cutoff) are read."""
    params = {"cutoff": cutoff, "marker": marker, "since": since or _BEFORE_ANYTHING}
    due = set(session.execute(_columns_with_expired_text(), params).scalars())
    counts: dict[str, int] = {}
    for key, (text, column) in enumerate(_text_columns()):
        if key in due:
            which = text.older_than(cutoff, since)
            counts[f"{text.model.__tablename__}.{column}"] = _redact_column(
                session, text.model, column, which, marker
            )
    for model, written, field in (
        (Audit, col(Audit.updated_at), "answers"),
        (Reaudit, col(Reaudit.updated_at), "answers"),
        (AuditLogEntry, col(AuditLogEntry.at), "details"),
    ):
        dated = (written < cutoff) if since is None else (written >= since) & (written < cutoff)
        rows = session.exec(select(model).where(dated)).all()
        changed = _redact_answers(rows, field, marker)
        if changed:
            counts[f"{model.__tablename__}.{field}"] = changed
    return {name: count for name, count in counts.items() if count}


def _text_columns() -> list[tuple[_TextColumns, str]]:
    return [(text, column) for text in FREE_TEXT_COLUMNS for column in text.columns]


@cache
def _columns_with_expired_text() -> CompoundSelect:
    """The positions (in _text_columns) of the columns holding text past its period, built
    once with the cutoff, the marker and the last sweep's cutoff as parameters."""
    cutoff, marker, since = bindparam("cutoff"), bindparam("marker"), bindparam("since")
    return union_all(
        *(
            select(literal(key)).where(
                exists().where(
                    text.older_than(cutoff, since),
                    *_still_written(text.model, column, marker),
                )
            )
            for key, (text, column) in enumerate(_text_columns())
        )
    )


def _still_written(model: type[SQLModel], column: str, marker: Any) -> tuple[Any, ...]:
    field = col(getattr(model, column))
    return field.is_not(None), field != "", field != marker


def _redact_column(
    session: Session, model: type[SQLModel], column: str, which: Any, marker: str
) -> int:
    result = session.execute(
        update(model)
        .where(which, *_still_written(model, column, marker))
        .values({column: marker})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _redact_answers(rows: Iterable[Any], field: str, marker: str) -> int:
    """Free text inside JSON (answers, audit-log details): a new dict, so the column is written."""
    changed = 0
    for row in rows:
        value = getattr(row, field)
        redacted = _redact_json(value, marker)
        if redacted != value:
            setattr(row, field, redacted)
            changed += 1
    return changed


def _redact_json(value: Any, marker: str) -> Any:
    if isinstance(value, dict):
        return {
            key: marker if _is_free_text(key, item) else _redact_json(item, marker)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact_json(item, marker) for item in value]
    return value


def _is_free_text(key: str, value: Any) -> bool:
    named = key in FREE_TEXT_KEYS or key.startswith("action_what_")
    return named and isinstance(value, str) and value != "" and not value.startswith("[removed")
