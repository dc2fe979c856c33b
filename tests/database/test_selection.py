from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.core.errors import InvalidRequest, NotAllowed
from bot.core.months import Month
from bot.policy.schema import Policy
from bot.selection.draw import (
    draw_monthly_selection,
    explain_selection,
    month_due_for_scheduled_draw,
    run_scheduled_draw,
)
from bot.selection.manager_message import open_actions_of_earlier_audits
from bot.selection.programme_calendar import suggested_discussion_date
from bot.selection.redraw import redraw_case
from models import AuditAction, AuditLogEntry, OutboxMessage, Selection
from models.db import transaction
from tests.support import factories
from tests.support.acting import tick_at

DECEMBER = Month(2026, 12)
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def draw(session, policy, calendar, month=DECEMBER, seed="fixed-seed", now=NOW):
    tick = tick_at(now, policy, calendar, new_seed=lambda: seed)
    return draw_monthly_selection(session, tick, month, actor="ada@example")


def test_every_team_manager_gets_one_case_of_their_team(make_session, policy, working_calendar):
    with transaction(make_session) as session:
        people = factories.authority(session)
        outcome = draw(session, policy, working_calendar)
    assert outcome.created
    drawn = {manager.email: case.case_ref for manager, case in outcome.drawn}
    assert drawn[people["north_tm"].email].startswith("CR-N")
    assert drawn[people["south_tm"].email].startswith("CR-S")
    with make_session() as session:
        selections = session.exec(select(Selection)).all()
        assert {s.due_on for s in selections} == {date(2026, 12, 31)}
        keys = sorted(m.idempotency_key for m in session.exec(select(OutboxMessage)).all())
    assert keys == sorted(f"selection:2026-12:{people[k].id}:1" for k in ("north_tm", "south_tm"))


@pytest.mark.parametrize(
    ("opened_on", "eligible"),
    [(date(2026, 11, 3), True), (date(2026, 11, 4), False)],  # 28 days before 1 December
)
def test_a_case_must_be_open_28_days_before_the_month(
    make_session, policy, working_calendar, opened_on, eligible
):
    with transaction(make_session) as session:
        north = factories.team(session)
        manager = factories.person(session, "Tess Manager", "team_manager", north)
        worker = factories.person(session, "Will Worker", "practitioner", north, manager)
        factories.case(session, north, worker, ref="CR-EDGE", opened_on=opened_on)
        outcome = draw(session, policy, working_calendar)
    assert [c.case_ref for _, c in outcome.drawn] == (["CR-EDGE"] if eligible else [])
    assert len(outcome.no_eligible_case) == (0 if eligible else 1)


def test_closed_cases_and_other_case_types_are_not_drawn(make_session, policy, working_calendar):
    with transaction(make_session) as session:
        north = factories.team(session)
        manager = factories.person(session, "Tess Manager", "team_manager", north)
        worker = factories.person(session, "Will Worker", "practitioner", north, manager)
        factories.case(session, north, worker, ref="CR-CLOSED", status="closed")
        factories.case(session, north, worker, ref="CR-TAC", case_type="TAC")
        factories.case(session, north, worker, ref="CR-EH", case_type="EH")
        outcome = draw(session, policy, working_calendar)
    assert outcome.drawn == []
    assert [m.name for m in outcome.no_eligible_case] == ["Tess Manager"]


@pytest.mark.parametrize(
    ("earlier", "eligible"), [(Month(2025, 12), False), (Month(2025, 11), True)]
)
def test_a_case_selected_in_the_previous_12_months_is_left_out(
    make_session, policy, working_calendar, earlier, eligible
):
    with transaction(make_session) as session:
        north = factories.team(session)
        manager = factories.person(session, "Tess Manager", "team_manager", north)
        worker = factories.person(session, "Will Worker", "practitioner", north, manager)
        factories.case(session, north, worker, ref="CR-ONLY")
        draw(session, policy, working_calendar, month=earlier)
        outcome = draw(session, policy, working_calendar)
    assert bool(outcome.drawn) is eligible


def test_a_replaced_case_does_not_count_as_selected(make_session, policy, working_calendar):
    with transaction(make_session) as session:
        north = factories.team(session)
        manager = factories.person(session, "Tess Manager", "team_manager", north)
        worker = factories.person(session, "Will Worker", "practitioner", north, manager)
        factories.case(session, north, worker, ref="CR-A")
        factories.case(session, north, worker, ref="CR-B")
        first = draw(session, policy, working_calendar, month=Month(2026, 11))
        first_ref = first.drawn[0][1].case_ref
        selection = session.exec(select(Selection)).one()
        redraw_case(
            session,
            selection_id=selection.id,
            actor=manager,
            reason="Transferring out this week",
            policy=policy,
            calendar=working_calendar,
            now=NOW,
        )
        outcome = draw(session, policy, working_calendar)
    # The November replacement was selected, so December can only draw the replaced case.
    assert [c.case_ref for _, c in outcome.drawn] == [first_ref]


def draw_on_a_fresh_database(path, policy, calendar, seed):
    from models.db import create_db_engine, session_factory, upgrade_database

    engine = create_db_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    with transaction(session_factory(engine)) as session:
        factories.authority(session, cases_per_team=30)
        outcome = draw(session, policy, calendar, seed=seed)
        result = [(manager.email, case.case_ref) for manager, case in outcome.drawn]
    engine.dispose()
    return result


def test_the_same_seed_and_data_give_the_same_draw(tmp_path, policy, working_calendar):
    first = draw_on_a_fresh_database(tmp_path / "one.db", policy, working_calendar, "replay-me")
    again = draw_on_a_fresh_database(tmp_path / "two.db", policy, working_calendar, "replay-me")
    assert first == again


def test_different_seeds_give_different_draws(tmp_path, policy, working_calendar):
    draws = {
        tuple(draw_on_a_fresh_database(tmp_path / f"{n}.db", policy, working_calendar, f"s{n}"))
        for n in range(4)
    }
    assert len(draws) > 1


def test_drawing_a_month_twice_changes_nothing(make_session, policy, working_calendar):
    with transaction(make_session) as session:
        factories.authority(session)
        first = draw(session, policy, working_calendar)
    with transaction(make_session) as session:
        second = draw(session, policy, working_calendar, seed="another-seed")
        messages = session.exec(select(OutboxMessage)).all()
        rows = session.exec(select(Selection)).all()
    assert not second.created
    assert [c.case_ref for _, c in second.drawn] == [c.case_ref for _, c in first.drawn]
    assert len(messages) == 2 and len(rows) == 2


def test_two_managers_of_one_team_never_get_the_same_case(make_session, policy, working_calendar):
    with transaction(make_session) as session:
        north = factories.team(session)
        first = factories.person(session, "Ann First", "team_manager", north)
        factories.person(session, "Bob Second", "team_manager", north)
        worker = factories.person(session, "Will Worker", "practitioner", north, first)
        factories.case(session, north, worker, ref="CR-ONE")
        factories.case(session, north, worker, ref="CR-TWO")
        outcome = draw(session, policy, working_calendar)
    assert sorted(c.case_ref for _, c in outcome.drawn) == ["CR-ONE", "CR-TWO"]


def test_managers_who_left_are_not_drawn_for(make_session, policy, working_calendar):
    with transaction(make_session) as session:
        people = factories.authority(session)
        people["south_tm"].status = "left"
        outcome = draw(session, policy, working_calendar)
    assert [m.name for m, _ in outcome.drawn] == ["Nina North"]


def test_policy_case_types_and_timescales_are_used(make_session, working_calendar):
    policy = Policy.model_validate(
        {"selection": {"eligible_case_types": ["TAC"], "min_open_days": 0}}
    )
    with transaction(make_session) as session:
        north = factories.team(session)
        manager = factories.person(session, "Tess Manager", "team_manager", north)
        worker = factories.person(session, "Will Worker", "practitioner", north, manager)
        factories.case(session, north, worker, ref="CR-CP")
        factories.case(
            session, north, worker, ref="CR-TAC", case_type="TAC", opened_on=date(2026, 11, 30)
        )
        outcome = draw(session, policy, working_calendar)
    assert [c.case_ref for _, c in outcome.drawn] == ["CR-TAC"]


class TestRedraw:
    def setup_case(self, make_session, policy, calendar):
        with transaction(make_session) as session:
            people = factories.authority(session, cases_per_team=3)
            draw(session, policy, calendar)
            selection = session.exec(
                select(Selection).where(Selection.manager_id == people["north_tm"].id)
            ).one()
        return people, selection

    def test_a_redraw_replaces_the_case_and_records_why(
        self, make_session, policy, working_calendar
    ):
        people, selection = self.setup_case(make_session, policy, working_calendar)
        with transaction(make_session) as session:
            replacement, new_case = redraw_case(
                session,
                selection_id=selection.id,
                actor=people["north_tm"],
                reason="Case transferring to South next week",
                policy=policy,
                calendar=working_calendar,
                now=NOW,
            )
        with make_session() as session:
            old = session.get(Selection, selection.id)
            log = session.exec(
                select(AuditLogEntry).where(AuditLogEntry.action == "selection.redraw")
            ).one()
            keys = {m.idempotency_key for m in session.exec(select(OutboxMessage)).all()}
        assert old.status == "replaced"
        assert old.replaced_reason == "Case transferring to South next week"
        assert new_case.id != old.case_id and new_case.case_ref.startswith("CR-N")
        assert (
            replacement.attempt == 2
            and replacement.draw_seed == "fixed-seed:nina.north@example.gov.uk:2"
        )
        assert log.actor == "nina.north@example.gov.uk"
        assert f"selection:2026-12:{people['north_tm'].id}:2" in keys
        with make_session() as session:
            assert "Re-draw 1" in explain_selection(session, replacement)

    def test_a_reason_is_required(self, make_session, policy, working_calendar):
        people, selection = self.setup_case(make_session, policy, working_calendar)
        with transaction(make_session) as session, pytest.raises(InvalidRequest, match="why"):
            redraw_case(
                session,
                selection_id=selection.id,
                actor=people["north_tm"],
                reason=" no ",
                policy=policy,
                calendar=working_calendar,
                now=NOW,
            )

    def test_only_the_manager_it_was_drawn_for_may_ask(
        self, make_session, policy, working_calendar
    ):
        people, selection = self.setup_case(make_session, policy, working_calendar)
        with transaction(make_session) as session, pytest.raises(NotAllowed):
            redraw_case(
                session,
                selection_id=selection.id,
                actor=people["south_tm"],
                reason="I would like a different one",
                policy=policy,
                calendar=working_calendar,
                now=NOW,
            )

    def test_a_replaced_selection_cannot_be_redrawn_again(
        self, make_session, policy, working_calendar
    ):
        people, selection = self.setup_case(make_session, policy, working_calendar)
        kwargs = dict(
            selection_id=selection.id,
            actor=people["north_tm"],
            reason="Transferring out",
            policy=policy,
            calendar=working_calendar,
            now=NOW,
        )
        with transaction(make_session) as session:
            redraw_case(session, **kwargs)
        with transaction(make_session) as session, pytest.raises(InvalidRequest, match="already"):
            redraw_case(session, **kwargs)

    def test_when_no_other_case_is_eligible_the_case_stays(
        self, make_session, policy, working_calendar
    ):
        with transaction(make_session) as session:
            north = factories.team(session)
            manager = factories.person(session, "Tess Manager", "team_manager", north)
            worker = factories.person(session, "Will Worker", "practitioner", north, manager)
            factories.case(session, north, worker, ref="CR-ONLY")
            draw(session, policy, working_calendar)
            selection = session.exec(select(Selection)).one()
        with transaction(make_session) as session, pytest.raises(InvalidRequest, match="no other"):
            redraw_case(
                session,
                selection_id=selection.id,
                actor=manager,
                reason="Transferring out soon",
                policy=policy,
                calendar=working_calendar,
                now=NOW,
            )
        with make_session() as session:
            assert session.get(Selection, selection.id).status == "selected"


@pytest.mark.parametrize(
    ("local_now", "due"),
    [
        (datetime(2026, 12, 1, 7, 59), None),  # first working day, before 08:00
        (datetime(2026, 12, 1, 8, 0), DECEMBER),
        (datetime(2026, 12, 8, 12, 0), DECEMBER),  # 5 working days late: still catches up
        (datetime(2026, 12, 9, 12, 0), None),  # too late: an administrator decides
        (datetime(2027, 1, 1, 9, 0), None),  # bank holiday; first working day is 4 January
        (datetime(2027, 1, 4, 8, 0), Month(2027, 1)),
    ],
)
def test_the_scheduled_draw_is_due_from_8am_on_the_first_working_day(
    policy, working_calendar, local_now, due
):
    now = local_now.replace(tzinfo=LONDON)
    assert month_due_for_scheduled_draw(policy, working_calendar, LONDON, now) == due


def test_the_scheduler_draws_once(make_session, policy, working_calendar):
    now = datetime(2026, 12, 1, 8, 0, tzinfo=LONDON)
    with transaction(make_session) as session:
        assert (
            run_scheduled_draw(session, tick_at(now, policy, working_calendar)) is None
        )  # nobody to draw for yet
        factories.authority(session)
        outcome = run_scheduled_draw(session, tick_at(now, policy, working_calendar))
        assert outcome.created and outcome.drawn_by == "scheduler"
        assert run_scheduled_draw(session, tick_at(now, policy, working_calendar)) is None


@pytest.mark.parametrize(
    ("notified_on", "month", "suggested"),
    [
        (date(2026, 12, 1), DECEMBER, date(2026, 12, 15)),  # 10 working days, but mid-month cap
        (date(2026, 11, 27), DECEMBER, date(2026, 12, 14)),  # drawn early: counted from the 1st
        (date(2026, 12, 10), DECEMBER, date(2026, 12, 15)),  # the 15th is still ahead
        (date(2026, 12, 16), DECEMBER, date(2026, 12, 31)),  # past mid-month: capped at due date
        (date(2027, 1, 4), Month(2027, 1), date(2027, 1, 15)),
    ],
)
def test_suggested_discussion_date(policy, working_calendar, notified_on, month, suggested):
    assert suggested_discussion_date(notified_on, month, policy, working_calendar) == suggested


def test_run_at_is_a_policy_setting(working_calendar):
    policy = Policy.model_validate({"selection": {"run_at": "10:30"}})
    assert policy.selection.run_at == time(10, 30)
    early = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
    assert month_due_for_scheduled_draw(policy, working_calendar, LONDON, early) is None


def test_the_dm_lists_the_managers_ten_most_pressing_open_actions_of_other_audits(people):
    session, people = people
    manager, worker = people["north_tm"], people["north_worker"]

    def audit_on(day: date, *, by=manager, team="north", worker=worker):
        case = factories.case(session, people[team], worker)
        return factories.submitted_audit(
            session, by, case, datetime.combine(day, time(10), UTC), with_action=False
        )

    def action(audit, what: str, due_on: date, status: str = "open") -> None:
        session.add(
            AuditAction(
                audit_id=audit.id,
                what=what,
                owner_id=worker.id,
                due_on=due_on,
                status=status,
                created_at=audit.submitted_at,
            )
        )

    older, recent = audit_on(date(2025, 3, 3)), audit_on(date(2026, 10, 5))
    for day in range(12, 0, -1):
        action(older if day % 2 else recent, f"Action {day:02d}", date(2026, 11, day))
    action(older, "Done already", date(2026, 10, 1), status="done")
    current = audit_on(date(2026, 12, 1))
    action(current, "This month's own", date(2026, 10, 2))
    south = audit_on(
        date(2026, 10, 5), by=people["south_tm"], team="south", worker=people["south_worker"]
    )
    action(south, "Another manager's", date(2026, 10, 3))
    session.flush()
    this_month = session.get(Selection, current.selection_id)
    listed = open_actions_of_earlier_audits(session, [this_month])[this_month.id]
    assert [item.what for item in listed] == [f"Action {day:02d}" for day in range(1, 11)]
    assert listed[0].owner.name == worker.name and listed[0].case_ref.startswith("CR-")
