"""Data retention (issue 13, part 6): the daily sweep at fixed `now`s removes or redacts what
has expired, keeps every count the QA briefing needs, logs what it did, and changes nothing
when run again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.core.calendar import WorkingCalendar
from bot.core.months import Month
from bot.core.outbox import queue_dm
from bot.policy.schema import Policy, RetentionPolicy
from bot.privacy.retention import run_retention
from bot.report.figures import compute_briefing
from bot.report.period import Period
from models import (
    Absence,
    Audit,
    AuditAction,
    AuditLogEntry,
    Case,
    ConcernReview,
    FamilyEngagement,
    HomeTabViewer,
    OutboxMessage,
    RetentionRun,
    Selection,
    Staff,
)
from models.db import transaction
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.acting import tick_at
from tests.support.report_fixture import AS_OF, build_report_world

CALENDAR = WorkingCalendar("ENG")
DECEMBER = Period.month(Month(2026, 12))


def periods(**days: int) -> Policy:
    """A policy whose retention sets these periods and keeps everything else."""
    unset = {name: None for name in RetentionPolicy.model_fields if name.endswith("_days")}
    return Policy(retention=RetentionPolicy(**(unset | days)))


KEEP_A_YEAR = periods(outbox_message_days=30, free_text_days=365, closed_case_days=730)
# December 2027, after the 02:00 sweep time: December 2026's free text is a year old.
LATER = datetime(2027, 12, 21, 3, 0, tzinfo=UTC)
REMOVED = "[removed after 365 days]"


@pytest.fixture
def world(make_session):
    with transaction(make_session) as session:
        people = build_report_world(session)
        nina = session.get(Staff, people["nina"].id)
        for key, sent_at in (("old", datetime(2026, 12, 2, tzinfo=UTC)), ("new", LATER)):
            queue_dm(
                session, key=key, recipient=nina, message={"text": "CR-1 is yours"},
                concern="selection:1", now=sent_at,
            )  # fmt: skip
        session.flush()
        for message in session.exec(select(OutboxMessage)):
            message.status = "sent"
        queue_dm(
            session, key="failed", recipient=nina, message={"text": "CR-2 is yours"},
            concern="selection:2", now=datetime(2026, 12, 2, tzinfo=UTC),
        )  # fmt: skip
        session.flush()
        session.exec(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == "failed")
        ).one().status = "failed"
        redrawn = session.exec(select(Selection).where(Selection.status == "replaced")).one()
        redrawn.replaced_reason = "The case is transferring to another authority."
        redrawn.replaced_by, redrawn.replaced_at = "sol@example.gov.uk", redrawn.created_at
        # A closed case, closed long ago, and one closed recently.
        north, worker = session.get(Staff, people["nina"].id).team_id, people["pat"]
        for ref, closed_on in (("CR-OLD-CLOSED", date(2025, 6, 1)), ("CR-NEW", date(2027, 6, 1))):
            session.add(
                Case(
                    case_ref=ref, team_id=north, worker_id=worker.id, case_type="CP",
                    opened_on=date(2024, 1, 1), status="closed", closed_on=closed_on,
                )
            )  # fmt: skip
    return people


def sweep(make_session, now, policy=KEEP_A_YEAR):
    with transaction(make_session) as session:
        return run_retention(session, tick_at(now, policy, CALENDAR))


def counts(make_session):
    """The figures the briefing is built from (not its free-text reasons)."""
    with make_session() as session:
        briefing = compute_briefing(
            session, DECEMBER, framework=Policy().framework, timezone=CALENDAR.timezone,
            as_of=AS_OF,
        )  # fmt: skip
    return (
        briefing.completion, briefing.grades, briefing.concerns, briefing.actions,
        [(row.group, row.engaged, row.not_engaged) for row in briefing.engagement],
        len(briefing.reasons), len(briefing.register),
    )  # fmt: skip


def snapshot(make_session):
    with make_session() as session:
        return [
            [row.model_dump() for row in session.exec(select(model).order_by(model.id))]
            for model in (Audit, AuditAction, FamilyEngagement, Selection, OutboxMessage, Case)
        ]


def test_expired_text_is_redacted_and_the_counts_are_kept(make_session, world):
    before = counts(make_session)
    removed = sweep(make_session, LATER)
    assert removed["outbox_bodies"] == 2
    assert removed["closed_cases"] == 1
    assert removed["audit.answers"] >= 4 and removed["familyengagement.reason"] >= 1
    assert counts(make_session) == before

    with make_session() as session:
        audits = session.exec(select(Audit).where(Audit.status == "submitted")).all()
        for audit in audits:
            graded = [v for k, v in audit.answers.items() if k != "final"]
            assert all(answer["justification"] == REMOVED for answer in graded)
            assert all(answer["grade"] for answer in graded)  # the judgements stay
        redrawn = session.exec(select(Selection).where(Selection.status == "replaced")).one()
        assert redrawn.replaced_reason == REMOVED and redrawn.replaced_by  # who and when stay
        done = session.exec(select(AuditAction).where(AuditAction.status == "done")).all()
        assert done and all(action.done_note == REMOVED for action in done)
        messages = {m.idempotency_key: m for m in session.exec(select(OutboxMessage))}
        assert messages["old"].payload == {} and messages["old"].status == "sent"
        assert messages["failed"].payload == {} and messages["failed"].concern == "selection:2"
        assert messages["new"].payload == {"text": "CR-1 is yours"}
        refs = set(session.exec(select(Case.case_ref)).all())
        assert "CR-OLD-CLOSED" not in refs and "CR-NEW" in refs
        assert any(ref.startswith("closed-") for ref in refs)
        [logged] = session.exec(
            select(AuditLogEntry).where(AuditLogEntry.action == "retention.sweep")
        ).all()
        assert logged.details == removed and logged.subject == "2027-12-21"


def test_running_again_changes_nothing(make_session, world):
    sweep(make_session, LATER)
    after_first = snapshot(make_session)
    assert sweep(make_session, LATER) is None  # the same day: already done
    assert sweep(make_session, datetime(2027, 12, 22, 3, 0, tzinfo=UTC)) == {}
    assert snapshot(make_session) == after_first
    with make_session() as session:
        assert len(session.exec(select(RetentionRun)).all()) == 2


def test_nothing_goes_before_its_time(make_session, world):
    before = snapshot(make_session)
    assert sweep(make_session, datetime(2027, 12, 21, 1, 0, tzinfo=UTC)) is None  # before 02:00
    assert sweep(make_session, LATER, policy=periods()) is None  # no period: everything kept
    # January 2027: only the bodies of the messages of December (30 days) have expired.
    removed = sweep(make_session, datetime(2027, 1, 11, 3, 0, tzinfo=UTC))
    assert removed == {"outbox_bodies": 2}
    after = snapshot(make_session)
    assert after[0] == before[0] and after[1] == before[1]  # audits and actions untouched


def _queue(make_session, key, at, status):
    with transaction(make_session) as session:
        nina = session.exec(select(Staff).where(Staff.email.startswith("nina"))).one()
        queue_dm(
            session, key=key, recipient=nina, message={"text": f"{key} CR-9"},
            concern="selection:9", now=at,
        )  # fmt: skip
        session.flush()
        session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one(
        ).status = status  # fmt: skip


def _body(make_session, key):
    with make_session() as session:
        return session.exec(
            select(OutboxMessage.payload).where(OutboxMessage.idempotency_key == key)
        ).one()


def test_a_message_pending_at_one_sweep_loses_its_body_at_a_later_one(make_session, world):
    """Each sweep clears only the bodies queued since the last one stopped; a message still
    pending then (the sender retrying) is read again once it has finished."""
    early = datetime(2027, 10, 1, tzinfo=UTC)
    _queue(make_session, "stuck", early, "pending")
    _queue(make_session, "away", early, "withheld")
    assert sweep(make_session, LATER)["outbox_bodies"] == 3  # old, failed, away
    assert _body(make_session, "stuck") != {} and _body(make_session, "away") == {}
    with make_session() as session:
        [run] = session.exec(select(RetentionRun)).all()
        assert run.bodies_before == early  # the oldest pending message, before the cutoff
    with transaction(make_session) as session:
        session.exec(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == "stuck")
        ).one().status = "sent"
    assert sweep(make_session, datetime(2027, 12, 22, 3, 0, tzinfo=UTC)) == {"outbox_bodies": 1}
    assert _body(make_session, "stuck") == {}
    with make_session() as session:
        latest = session.exec(select(RetentionRun).order_by(col(RetentionRun.day).desc())).first()
        assert latest.bodies_before == datetime(2027, 11, 22, 3, 0, tzinfo=UTC)  # 30 days


def test_a_second_instance_cannot_claim_the_same_day(make_session, world):
    sweep(make_session, LATER)
    with pytest.raises(IntegrityError), transaction(make_session) as session:
        session.add(RetentionRun(day=date(2027, 12, 21), ran_at=LATER, removed={}))
        session.flush()


def test_a_case_closed_long_ago_loses_its_reference_and_its_free_text(make_session, world):
    closed_only = periods(closed_case_days=730)
    with transaction(make_session) as session:
        case = session.exec(select(Case).where(Case.case_ref == "CR-OLD-CLOSED")).one()
        manager = session.get(Staff, world["nina"].id)
        audit_id = factories.submitted_audit(
            session, manager, case, datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
        ).id
        session.add(
            AuditLogEntry(
                at=LATER, actor=manager.email, action="selection.redraw", subject="selection:1",
                details={"reason": "moved away", "replaced_case": "CR-OLD-CLOSED"},
            )
        )  # fmt: skip
    before = snapshot(make_session)
    assert sweep(make_session, LATER, policy=closed_only) == {"closed_cases": 1}
    with make_session() as session:
        audit = session.get(Audit, audit_id)
        assert {a["justification"] for k, a in audit.answers.items() if k != "final"} == {
            "[removed after 730 days]"
        }
        [action] = session.exec(select(AuditAction).where(AuditAction.audit_id == audit_id)).all()
        assert action.what == "[removed after 730 days]"
        others = session.exec(select(Audit).where(Audit.id != audit_id).order_by(Audit.id)).all()
        assert [a.model_dump() for a in others] == [
            row for row in before[0] if row["id"] != audit_id
        ]
        [logged] = session.exec(
            select(AuditLogEntry).where(AuditLogEntry.action == "selection.redraw")
        ).all()
        assert logged.details["replaced_case"].startswith("closed-")
        assert logged.details["reason"] == "moved away"  # free text within its own period


def test_the_tick_sweeps_once_a_day(start_bot):
    bot = start_bot(lambda: LATER, policy=KEEP_A_YEAR, people=build_report_world)
    first = run_due_work(bot.services, LATER)
    again = run_due_work(bot.services, LATER)
    assert first.retention and "retention: removed" in first.summary()
    assert again.retention is None and "retention" not in again.summary()


def test_a_concerns_review_is_redacted_a_year_after_it_left_the_register(make_session, world):
    """What the head of service recorded goes with the other free text once the case has been
    off the register that long; an open concern's review stays, whatever its age."""
    written = datetime(2026, 12, 10, tzinfo=UTC)
    with transaction(make_session) as session:
        first, second = session.exec(select(Audit).order_by(Audit.id).limit(2)).all()
        head = world["nina"].id
        for audit, closed_at in ((first, written), (second, None)):
            session.add(
                ConcernReview(
                    audit_id=audit.id, actions_taken="The plan was rewritten with the family.",
                    reviewed_by=head, reviewed_at=written, closed_by=closed_at and head,
                    closed_at=closed_at,
                )
            )  # fmt: skip
    removed = sweep(make_session, LATER)
    # and the fixture's November concern, closed on 20 December 2026
    assert removed["concernreview.actions_taken"] == 2
    with make_session() as session:
        texts = session.exec(
            select(ConcernReview.actions_taken)
            .where(col(ConcernReview.audit_id).in_([first.id, second.id]))
            .order_by(ConcernReview.id)
        ).all()
    assert texts == [REMOVED, "The plan was rewritten with the family."]


# -- issue 24: a period for everything, and defaults a DPO can accept --------------------------


def test_no_period_is_for_ever_by_default():
    defaults = RetentionPolicy()
    unset = [name for name, days in defaults if name.endswith("_days") and days is None]
    assert not unset, f"kept for ever by default: {unset}"


def test_a_leavers_identity_goes_everywhere_their_email_was_kept(make_session, world):
    left = datetime(2026, 12, 20, tzinfo=UTC)
    with transaction(make_session) as session:
        pat = session.get(Staff, world["pat"].id)
        pat.status, pat.left_at = "left", left
        session.add(
            Absence(
                staff_id=world["nina"].id, set_by=pat.email.upper(), created_at=left,
                starts_on=date(2026, 12, 21), ends_on=date(2026, 12, 22), starts_at=left,
                ends_before=left,
            )
        )  # fmt: skip
        session.add(
            AuditLogEntry(
                at=left, actor=pat.email, action="leaver.hand_over", subject=f"staff:{pat.id}",
                details={"to": pat.email, "items": 2},
            )
        )  # fmt: skip
        email = pat.email
    leavers_only = periods(leaver_days=365)
    assert sweep(make_session, datetime(2027, 12, 19, 3, tzinfo=UTC), leavers_only) == {}
    removed = sweep(make_session, datetime(2027, 12, 21, 3, tzinfo=UTC), leavers_only)
    assert removed == {"leavers": 1}
    with make_session() as session:
        pat = session.get(Staff, world["pat"].id)
        assert pat.name == f"Former member of staff {pat.id}"
        assert pat.email == f"left-{pat.id}@removed.invalid" and pat.slack_user_id is None
        assert session.exec(select(Absence.set_by)).all() == [pat.email]
        [entry] = session.exec(
            select(AuditLogEntry).where(AuditLogEntry.action == "leaver.hand_over")
        ).all()
        assert entry.actor == pat.email and entry.details == {"to": pat.email, "items": 2}
        everything = str([row for model in (Staff, AuditLogEntry, Absence)
                          for row in session.exec(select(model)).all()])  # fmt: skip
        assert email not in everything.lower()


def test_old_absences_home_tab_records_and_log_entries_are_deleted(make_session, world):
    now = datetime(2027, 12, 21, 3, tzinfo=UTC)
    with transaction(make_session) as session:
        for staff_id, ended in ((world["nina"].id, datetime(2026, 1, 5, tzinfo=UTC)),
                                (world["pat"].id, datetime(2027, 12, 1, tzinfo=UTC))):  # fmt: skip
            session.add(
                Absence(
                    staff_id=staff_id, set_by="ada@example.gov.uk", created_at=ended,
                    starts_on=ended.date(), ends_on=ended.date(), starts_at=ended,
                    ends_before=ended,
                )
            )  # fmt: skip
            session.add(
                HomeTabViewer(staff_id=staff_id, first_opened_at=ended, last_opened_at=ended)
            )
        session.add(AuditLogEntry(at=datetime(2025, 1, 1, tzinfo=UTC), actor="x", action="old",
                                  subject="s"))  # fmt: skip
    policy = periods(absence_days=365, home_tab_days=365, audit_log_days=400)
    removed = sweep(make_session, now, policy)
    assert removed == {"absences": 1, "home_tab_records": 1, "audit_log_entries": 1}
    with make_session() as session:
        assert session.exec(select(Absence.staff_id)).all() == [world["pat"].id]
        assert session.exec(select(HomeTabViewer.staff_id)).all() == [world["pat"].id]
        assert not session.exec(select(AuditLogEntry).where(AuditLogEntry.action == "old")).all()


def test_a_closed_cases_reference_leaves_the_message_bodies_still_held(make_session, world):
    with transaction(make_session) as session:
        queue_dm(
            session, key="closed", recipient=session.get(Staff, world["nina"].id),
            message={"text": "About CR-OLD-CLOSED. Not CR-OLD-CLOSED2, nor CR-NEW."},
            concern="selection:9", now=LATER,
        )  # fmt: skip
        case_id = session.exec(select(Case.id).where(Case.case_ref == "CR-OLD-CLOSED")).one()
    assert sweep(make_session, LATER, periods(closed_case_days=730)) == {"closed_cases": 1}
    with make_session() as session:
        message = session.exec(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == "closed")
        ).one()
    assert message.payload == {"text": f"About closed-{case_id}. Not CR-OLD-CLOSED2, nor CR-NEW."}


def test_each_days_sweep_reads_answers_from_where_the_last_one_stopped(make_session, world):
    """Answers and log details are JSON, read row by row: a sweep reads only those that passed
    the period since the last sweep's cutoff, so what passed in between is still removed."""
    with transaction(make_session) as session:
        last = session.exec(select(Audit).order_by(col(Audit.id).desc())).first()
        last.updated_at = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)  # revised later
        session.flush()
        written = sorted(session.exec(select(Audit.updated_at)).all())
    cutoff = (written[0] + timedelta(days=1)).replace(hour=3, minute=0)
    earlier = [at for at in written if at < cutoff]
    assert 0 < len(earlier) < len(written) and written[-1] < LATER - timedelta(days=365)
    assert sweep(make_session, cutoff + timedelta(days=365))["audit.answers"] == len(earlier)
    removed = sweep(make_session, LATER)
    assert removed["audit.answers"] == len(written) - len(earlier)
    with make_session() as session:
        cutoffs = session.exec(select(RetentionRun.free_text_before).order_by(RetentionRun.day))
        assert list(cutoffs) == [cutoff, LATER - timedelta(days=365)]
        assert all(REMOVED in str(audit.answers) for audit in session.exec(select(Audit)))
