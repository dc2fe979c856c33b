"""The QA briefing counts the oversight practices used in its period (issue 25, Bolton):
transfer audits, reviews of actions, supervision file audits and observations of practice, on
SQLite and PostgreSQL; a programme using none has no such section."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.core.months import Month
from bot.policy.schema import FrameworkPolicy
from bot.report.figures import compute_briefing
from bot.report.markdown import briefing_markdown
from bot.report.period import Period
from models import ActionReview, Observation, SupervisionFileAudit, TransferAudit
from models.db import session_factory, transaction
from tests.support import factories

LONDON = ZoneInfo("Europe/London")
MARCH = Period.month(Month(2027, 3))
IN_MARCH = datetime(2027, 3, 10, 11, 0, tzinfo=UTC)
AS_OF = date(2027, 4, 1)


def briefing(session):
    return compute_briefing(
        session, MARCH, framework=FrameworkPolicy(), timezone=LONDON, as_of=AS_OF
    )


def test_each_practice_used_in_the_period_is_counted(engine):
    with transaction(session_factory(engine)) as session:
        people = factories.authority(session, cases_per_team=1)
        north, south, head = people["north"], people["south"], people["head"]
        case_row = factories.case(session, north, people["north_worker"], ref="CR-N777")
        audit = factories.submitted_audit(session, people["north_tm"], case_row, IN_MARCH)
        session.add_all(
            [
                TransferAudit(
                    case_id=case_row.id, from_team_id=north.id, to_team_id=south.id,
                    auditor_id=head.id, requested_at=IN_MARCH, due_on=date(2027, 3, 24),
                    status="done", fit_for_purpose=False, judgement="Inadequate",
                    justification="x" * 40, completed_at=IN_MARCH, completed_by_id=head.id,
                ),
                ActionReview(
                    audit_id=audit.id, months_after=1, due_on=date(2027, 3, 10),
                    reviewer_id=people["north_tm"].id, prompted_at=IN_MARCH,
                ),
                SupervisionFileAudit(
                    year=2027, supervisor_id=people["north_tm"].id, auditor_id=head.id,
                    requested_at=IN_MARCH, due_on=date(2027, 3, 31),
                ),
                Observation(
                    practitioner_id=people["north_worker"].id, observer_id=people["north_tm"].id,
                    observed_on=date(2027, 3, 9), next_due_on=date(2028, 3, 9),
                    recorded_at=IN_MARCH,
                ),
            ]
        )  # fmt: skip
        session.flush()
        found = briefing(session)
    assert found.oversight == [
        "Transfer audits (file fit for purpose): 1 asked for, 1 done, of which 1 found the file "
        "not fit for purpose.",
        "Reviews of audits' actions: 1 asked of managers, 0 recorded.",
        "Supervision file audits: 1 asked for, 0 done; 1 overdue.",
        "Observations of practice: 1 recorded; 1 of 2 practitioners overdue (never observed, or "
        "past their due date).",
    ]
    text = briefing_markdown(found)
    assert "## Other quality assurance" in text and "CR-N777" not in text


def test_a_programme_using_none_has_no_such_section(engine):
    with transaction(session_factory(engine)) as session:
        factories.authority(session, cases_per_team=1)
        found = briefing(session)
    assert found.oversight == []
    assert "Other quality assurance" not in briefing_markdown(found)
