"""The free text of the councils' practices (issue 25: transfer audits, action reviews,
supervision file audits, observations, IRO feedback, supervision gaps) goes with every other
free text: after `retention.free_text_days`, and at once, whatever its age, when its case has
been closed for `retention.closed_case_days`."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.policy.schema import Policy, RetentionPolicy
from bot.privacy.retention import run_retention, sweep
from models import (
    ActionProgress,
    ActionReview,
    AuditAction,
    Case,
    IroFeedback,
    Observation,
    SupervisionFileAudit,
    SupervisionGapAlert,
    TacDecision,
    TacSupervision,
    TransferAudit,
)
from models.db import transaction
from tests.support import factories
from tests.support.acting import tick_at

WRITTEN = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)
TEXT = "A marker the sweep must remove"
CASE_TEXT = {  # written about the case: goes with the case
    TransferAudit: ("justification",),
    ActionProgress: ("note",),
    IroFeedback: ("feedback",),
    SupervisionGapAlert: ("reason", "action"),
}
ABOUT_PEOPLE = {SupervisionFileAudit: ("justification", "actions"), Observation: ("note",)}


def only(**days: int) -> Policy:
    unset = {name: None for name in RetentionPolicy.model_fields if name.endswith("_days")}
    return Policy(retention=RetentionPolicy(**(unset | days)))


@pytest.fixture
def written(make_session):
    """One row of each, all its text written on WRITTEN; the case closed on 1 February 2026."""
    with transaction(make_session) as session:
        north, south = factories.team(session), factories.team(session, "South")
        head = factories.person(session, "Hana Head", "head_of_service")
        manager = factories.person(session, "Tom Manager", "team_manager", north, head)
        worker = factories.person(session, "Pat Worker", "practitioner", north, manager)
        case = factories.case(session, north, worker, "CR-9001")
        audit = factories.submitted_audit(session, manager, case, WRITTEN)
        [action] = session.exec(select(AuditAction).where(AuditAction.audit_id == audit.id))
        review = ActionReview(
            audit_id=audit.id, months_after=1, due_on=WRITTEN.date(), reviewer_id=manager.id,
            prompted_at=WRITTEN, completed_at=WRITTEN, completed_by_id=manager.id,
        )  # fmt: skip
        session.add(review)
        session.flush()
        session.add_all(
            [
                TransferAudit(
                    case_id=case.id, from_team_id=north.id, to_team_id=south.id,
                    auditor_id=head.id, requested_at=WRITTEN, due_on=WRITTEN.date(),
                    status="done", justification=TEXT, completed_at=WRITTEN,
                ),
                ActionProgress(
                    review_id=review.id, action_id=action.id, progress="in_progress",
                    note=TEXT, recorded_at=WRITTEN,
                ),
                IroFeedback(
                    audit_id=audit.id, iro_id=head.id, requested_by_id=manager.id,
                    requested_at=WRITTEN, status="given", feedback=TEXT, given_at=WRITTEN,
                ),
                SupervisionGapAlert(
                    audit_id=audit.id, gap_from=date(2025, 1, 6), gap_to=date(2025, 9, 1),
                    reason=TEXT, action=TEXT, action_due=date(2026, 2, 2), raised_at=WRITTEN,
                    acknowledged_by_id=head.id, acknowledged_at=WRITTEN,
                ),
                SupervisionFileAudit(
                    year=2026, supervisor_id=manager.id, auditor_id=head.id,
                    requested_at=WRITTEN, due_on=WRITTEN.date(), grade="Good",
                    justification=TEXT, actions=TEXT, completed_at=WRITTEN,
                ),
                Observation(
                    practitioner_id=worker.id, observer_id=manager.id,
                    observed_on=WRITTEN.date(), next_due_on=date(2027, 1, 12), note=TEXT,
                    recorded_at=WRITTEN,
                ),
            ]
        )  # fmt: skip
        case.status, case.closed_on = "closed", date(2026, 2, 1)


def texts(make_session, columns_of) -> dict[str, str | None]:
    with make_session() as session:
        return {
            f"{model.__tablename__}.{column}": getattr(row, column)
            for model, columns in columns_of.items()
            for row in session.exec(select(model))
            for column in columns
        }


def run(make_session, now: datetime, policy: Policy) -> dict[str, int]:
    with transaction(make_session) as session:
        return sweep(session, policy, now)


def test_it_stays_until_its_period_and_then_goes_wherever_it_was_written(make_session, written):
    everything = CASE_TEXT | ABOUT_PEOPLE
    two_years = only(free_text_days=730)
    run(make_session, datetime(2028, 1, 10, 3, tzinfo=UTC), two_years)
    assert set(texts(make_session, everything).values()) == {TEXT}
    removed = run(make_session, datetime(2028, 1, 13, 3, tzinfo=UTC), two_years)
    assert set(texts(make_session, everything).values()) == {"[removed after 730 days]"}
    assert set(texts(make_session, everything)) <= set(removed)  # and the audit's answers


def test_a_closed_cases_text_goes_with_it_and_the_rest_waits_for_its_own_period(
    make_session, written
):
    run(make_session, datetime(2026, 3, 2, 3, tzinfo=UTC), only(closed_case_days=28))
    assert set(texts(make_session, CASE_TEXT).values()) == {"[removed after 28 days]"}
    assert set(texts(make_session, ABOUT_PEOPLE).values()) == {TEXT}
    with make_session() as session:
        assert session.exec(select(Case.case_ref)).one().startswith("closed-")


def test_a_checkpoints_decisions_go_on_the_day_they_pass_their_period(make_session):
    """Recorded once and never changed after, a checkpoint's decisions are read by the daily
    sweep only on the day they pass the period (not every older one, every day)."""
    recorded = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with transaction(make_session) as session:
        north = factories.team(session)
        manager = factories.person(session, "Tom Manager", "team_manager", north)
        worker = factories.person(session, "Pat Worker", "practitioner", north, manager)
        case = factories.case(session, north, worker, "CR-TAC-1", case_type="TAC")
        checkpoint = TacSupervision(
            manager_id=manager.id, practitioner_id=worker.id, status="recorded",
            case_ids=[case.id], held_on=recorded.date(), started_at=recorded,
            recorded_at=recorded,
        )  # fmt: skip
        session.add(checkpoint)
        session.flush()
        session.add(
            TacDecision(
                supervision_id=checkpoint.id, case_id=case.id, decision="not_needed",
                reason=TEXT, trigger_note=TEXT,
            )
        )  # fmt: skip
    two_years = only(free_text_days=730)

    def day(when: datetime) -> dict[str, int] | None:
        with transaction(make_session) as session:
            return run_retention(session, tick_at(when, two_years))

    def decision() -> tuple[str | None, str | None]:
        with make_session() as session:
            row = session.exec(select(TacDecision)).one()
            return row.reason, row.trigger_note

    assert day(datetime(2028, 3, 1, 3, tzinfo=UTC)) == {}
    assert decision() == (TEXT, TEXT)
    removed = day(datetime(2028, 3, 2, 11, tzinfo=UTC))  # the next sweep, past the period
    assert removed == {"tacdecision.reason": 1, "tacdecision.trigger_note": 1}
    assert decision() == ("[removed after 730 days]",) * 2
    assert day(datetime(2028, 3, 3, 3, tzinfo=UTC)) == {}
