"""Drawing re-audits on the database (SQLite and PostgreSQL): windows, sampling modes,
moderators, idempotency, the schedule, the yearly sample and the report's figures."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select

from bot.chasing.overdue import find_reaudits_overdue
from bot.core.errors import InvalidRequest
from bot.core.months import Month
from bot.policy.schema import Policy
from bot.reaudit.draw import draw_annual_moderation, draw_reaudits, run_scheduled_reaudits
from bot.report.moderation import reaudit_agreement
from bot.report.period import Period
from models import ModeratedJudgement, OutboxMessage, Reaudit, ReauditRound
from models.db import transaction
from tests.database.test_selection import LONDON
from tests.support import factories
from tests.support.acting import tick_at

DECEMBER = Month(2026, 12)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)


def draw(session, policy, calendar, month=DECEMBER, seed="fixed-seed", now=NOW):
    tick = tick_at(now, policy, calendar, new_seed=lambda: seed)
    return draw_reaudits(session, tick, month, actor="ada@x")


def audit_at(session, people, moment, manager="north_tm", overall="Good"):
    team = people["north"] if manager == "north_tm" else people["south"]
    worker = people["north_worker"] if manager == "north_tm" else people["south_worker"]
    case = factories.case(session, team, worker)
    return factories.submitted_audit(session, people[manager], case, moment, overall=overall)


def reaudits(session):
    return session.exec(select(Reaudit).order_by(Reaudit.id)).all()


@pytest.mark.parametrize(
    ("moment", "eligible"),
    [
        (datetime(2026, 9, 30, 23, 30, tzinfo=LONDON), False),
        (datetime(2026, 10, 1, 0, 30, tzinfo=LONDON), True),  # exactly two months old
        (datetime(2026, 11, 1, 23, 30, tzinfo=LONDON), True),  # exactly one month old
        (datetime(2026, 11, 2, 0, 10, tzinfo=LONDON), False),
    ],
)
def test_per_manager_takes_audits_completed_one_to_two_months_before(
    make_session, policy, working_calendar, moment, eligible
):
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=0)
        audit_at(session, people, moment)
        outcome = draw(session, policy, working_calendar)
    assert outcome.created and outcome.count == (1 if eligible else 0)
    assert outcome.criteria["pool_size"] == (1 if eligible else 0)


def test_one_audit_per_team_manager_goes_to_their_service_manager(
    make_session, policy, working_calendar
):
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=0)
        north = [audit_at(session, people, datetime(2026, 10, d, 12, tzinfo=UTC)) for d in (5, 6)]
        south = audit_at(session, people, datetime(2026, 10, 7, 12, tzinfo=UTC), "south_tm")
        outcome = draw(session, policy, working_calendar)
        drawn = reaudits(session)
        keys = set(session.exec(select(OutboxMessage.idempotency_key)).all())
    assert [person.name for person in outcome.moderators] == ["Sam Service"] * 2
    assert {r.audit_id for r in drawn} - {a.id for a in north} == {south.id}
    assert {r.due_on for r in drawn} == {date(2026, 12, 31)}
    assert sorted(r.pool_size for r in drawn) == [1, 2]
    for r in drawn:
        assert f"reaudit:{r.id}:moderator" in keys
    manager_and_worker = {people[k].id for k in ("north_tm", "north_worker")}
    north_reaudit = next(r for r in drawn if r.audit_id != south.id)
    assert {f"reaudit:{north_reaudit.id}:chosen:{i}" for i in manager_and_worker} <= keys


def test_a_second_draw_changes_nothing(make_session, policy, working_calendar):
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=0)
        audit_at(session, people, datetime(2026, 10, 5, 12, tzinfo=UTC))
        draw(session, policy, working_calendar)
    with transaction(make_session) as session:
        again = draw(session, policy, working_calendar, seed="other-seed")
        assert not again.created and again.count == 1 and again.drawn_by == "ada@x"
        assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 3
        assert session.exec(select(func.count()).select_from(ReauditRound)).one() == 1


def test_the_same_seed_draws_the_same_audits(make_session, policy, working_calendar):
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=0)
        for day in range(1, 21):
            audit_at(session, people, datetime(2026, 10, day, 12, tzinfo=UTC))
    picks = []
    for _ in range(2):
        with make_session() as session:
            draw(session, policy, working_calendar, seed="replay")
            picks.append([r.audit_id for r in reaudits(session)])
            session.rollback()
    assert picks[0] == picks[1] and len(picks[0]) == 1


def test_no_audits_records_an_empty_draw(make_session, policy, working_calendar):
    with transaction(make_session) as session:
        factories.authority(session, cases_per_team=0)
        outcome = draw(session, policy, working_calendar)
        assert outcome.created and outcome.count == 0
        assert session.exec(select(ReauditRound)).one().criteria["pool_size"] == 0


def test_an_audit_re_audited_in_december_is_not_drawn_again_in_january(
    make_session, policy, working_calendar
):
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=0)
        audit_at(session, people, datetime(2026, 11, 1, 12, tzinfo=UTC))
        assert draw(session, policy, working_calendar).count == 1
        january = draw(
            session,
            policy,
            working_calendar,
            month=Month(2027, 1),
            now=datetime(2027, 1, 4, 9, tzinfo=UTC),
        )
        assert january.count == 0


def test_percent_takes_a_share_of_last_month_including_every_good_audit(
    make_session, working_calendar
):
    policy = Policy.model_validate({"reaudit": {"sampling": "percent"}})
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=0)
        goods = [audit_at(session, people, datetime(2026, 11, 3, 12, tzinfo=UTC)) for _ in "ab"]
        for day in range(4, 12):
            audit_at(
                session,
                people,
                datetime(2026, 11, day, 12, tzinfo=UTC),
                overall="Requires improvement to be good",
            )
        audit_at(session, people, datetime(2026, 10, 20, 12, tzinfo=UTC))  # not last month
        outcome = draw(session, policy, working_calendar)
        drawn = reaudits(session)
    assert outcome.count == 3 and outcome.criteria["pool_size"] == 10
    assert {a.id for a in goods} <= {r.audit_id for r in drawn}
    assert sorted(r.chosen_because for r in drawn) == ["always_included"] * 2 + ["random"]
    assert "30% of the 10 audit(s) completed in November 2026" in outcome.rule


def test_without_a_line_moderator_the_role_takes_turns(make_session, working_calendar):
    policy = Policy.model_validate({"reaudit": {"moderator_role": "admin"}})
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=0)
        factories.person(session, "Zed Admin", "admin")
        audit_at(session, people, datetime(2026, 10, 5, 12, tzinfo=UTC))
        audit_at(session, people, datetime(2026, 10, 5, 12, tzinfo=UTC), "south_tm")
        outcome = draw(session, policy, working_calendar)
    assert [person.name for person in outcome.moderators] == ["Ada Admin", "Zed Admin"]


def test_an_audit_nobody_can_moderate_is_reported(make_session, policy, working_calendar):
    with transaction(make_session) as session:
        north = factories.team(session)
        manager = factories.person(session, "Tess Manager", "team_manager", north)
        worker = factories.person(session, "Will Worker", "practitioner", north, manager)
        case = factories.case(session, north, worker)
        factories.submitted_audit(session, manager, case, datetime(2026, 10, 5, 12, tzinfo=UTC))
        outcome = draw(session, policy, working_calendar)
    assert outcome.count == 0 and outcome.criteria["unassigned"] == 1


def test_a_month_that_has_not_started_cannot_be_drawn(make_session, policy, working_calendar):
    with transaction(make_session) as session:
        with pytest.raises(InvalidRequest, match="can be drawn from 1 January 2027"):
            draw(session, policy, working_calendar, month=Month(2027, 1))
        assert session.exec(select(ReauditRound)).all() == []


@pytest.mark.parametrize(
    ("moment", "draws"),
    [
        (datetime(2026, 12, 1, 8, 59, tzinfo=LONDON), False),
        (datetime(2026, 12, 1, 9, 0, tzinfo=LONDON), True),
        (datetime(2026, 12, 8, 10, 0, tzinfo=LONDON), True),  # 5 working days late
        (datetime(2026, 12, 9, 10, 0, tzinfo=LONDON), False),
    ],
)
def test_the_scheduler_draws_on_the_first_working_day(
    make_session, policy, working_calendar, moment, draws
):
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=0)
        audit_at(session, people, datetime(2026, 10, 5, 12, tzinfo=UTC))
    tick = tick_at(moment, policy, working_calendar)
    with transaction(make_session) as session:
        assert bool(run_scheduled_reaudits(session, tick)) is draws
    with transaction(make_session) as session:
        assert run_scheduled_reaudits(session, tick) == []


def test_the_head_of_service_moderates_a_yearly_sample_of_re_audits(make_session, working_calendar):
    policy = Policy.model_validate({"reaudit": {"annual": {"enabled": True, "month": 1}}})
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=0)
        for day in (5, 6, 7):
            audit_at(session, people, datetime(2026, 10, day, 12, tzinfo=UTC))
            audit_at(session, people, datetime(2026, 10, day, 12, tzinfo=UTC), "south_tm")
        november = draw(session, policy, working_calendar, month=Month(2026, 11), now=NOW, seed="n")
        assert november.count == 0  # October audits are too recent for November
        draw(session, policy, working_calendar)
        for reaudit in reaudits(session):
            reaudit.status, reaudit.submitted_at = "submitted", NOW
            session.add(reaudit)
    january = datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)
    with transaction(make_session) as session:
        [monthly, yearly] = run_scheduled_reaudits(
            session, tick_at(january, policy, working_calendar)
        )
    assert monthly.kind == "monthly" and monthly.count == 0
    with transaction(make_session) as session:
        again = draw_annual_moderation(
            session, tick_at(january, policy, working_calendar), Month(2027, 1), actor="ada@x"
        )
    assert not again.created
    assert yearly.kind == "annual" and yearly.count == 1  # 10% of 2, rounded up
    assert [person.name for person in yearly.moderators] == ["Hana Head"]
    assert "10% at random of the 2 re-audit(s) completed" in yearly.rule


def test_the_report_gets_agreement_per_domain_and_grades_moved(
    make_session, policy, working_calendar
):
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=0)
        audit_at(session, people, datetime(2026, 10, 5, 12, tzinfo=UTC))
        audit_at(session, people, datetime(2026, 10, 5, 12, tzinfo=UTC), "south_tm")
        draw(session, policy, working_calendar)
        first, second = reaudits(session)
        domains = [d.id for d in policy.framework.domains]
        first.status = "submitted"
        session.add(first)
        for domain_id in domains:
            moved = {domains[0]: "up", domains[1]: "down"}.get(domain_id)
            for reaudit in (first, second):  # the second is still a draft: not counted
                session.add(
                    ModeratedJudgement(
                        reaudit_id=reaudit.id,
                        domain_id=domain_id,
                        original_grade="Good",
                        agreed=moved is None,
                        moderated_grade={"up": "Outstanding", "down": "Inadequate"}.get(moved),
                        moved=moved,
                    )
                )
    with make_session() as session:
        quarter = reaudit_agreement(session, Period.quarter(2026, 4), policy.framework)
    titles = [d.title for d in policy.framework.domains]
    assert [
        (row.domain, row.reaudited, row.agreed, row.moved_up, row.moved_down) for row in quarter
    ] == [
        (titles[0], 1, 0, 1, 0),
        (titles[1], 1, 0, 0, 1),
        *[(title, 1, 1, 0, 0) for title in titles[2:]],
    ]
    # the figures belong to the audits' month (October), not the month of the re-audit draw
    with make_session() as session:
        october = reaudit_agreement(session, Period.month(Month(2026, 10)), policy.framework)
        december = reaudit_agreement(session, Period.month(DECEMBER), policy.framework)
    assert october == quarter and december == []


def test_a_reaudit_past_its_due_date_is_chased_to_its_moderator(
    make_session, policy, working_calendar
):
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=0)
        audit_at(session, people, datetime(2026, 10, 5, 12, tzinfo=UTC))
        audit_at(session, people, datetime(2026, 10, 6, 12, tzinfo=UTC), "south_tm")
        draw(session, policy, working_calendar)
        first, second = reaudits(session)
        first.status = "submitted"
        session.add(first)
    with make_session() as session:
        assert find_reaudits_overdue(session, policy, working_calendar, date(2026, 12, 31)) == []
        [item] = find_reaudits_overdue(session, policy, working_calendar, date(2027, 1, 4))
        assert item.kind == "reaudit_overdue" and item.item_id == second.id
        assert item.owner.id == second.moderator_id
        assert item.due_on == second.due_on == date(2026, 12, 31)
        assert item.manager.id == people["south_tm"].id
        assert item.button == "Open the re-audit"
