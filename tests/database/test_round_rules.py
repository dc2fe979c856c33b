"""An audit round's rules with fixed dates: its definition in the policy file, when it is drawn,
how the cases spread across service areas and auditors, and when practitioners are reminded."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.commands.parser import UsageError, parse_audit_command
from bot.core.calendar import WorkingCalendar
from bot.core.errors import ConfigError
from bot.policy.schema import Policy, RoundDefinition, load_policy
from bot.rounds.draw import run_round_schedule
from bot.rounds.rules import (
    Candidate,
    assign_auditors,
    latest_due_reminder,
    reminder_days,
    selection_date_of,
    spread_across_areas,
)
from models import AuditRound, RoundCase
from tests.support import factories
from tests.support.acting import tick_at

CALENDAR = WorkingCalendar()
HALTON_DAY = """
rounds:
  rounds:
    - name: audit-day-2027-q1
      kind: audit_day
      cases: 2
      auditors: [ada.admin@example.gov.uk, hana.head@example.gov.uk]
      audit_date: 2027-01-11
      eligible: {service_areas: [North]}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_round_in_the_policy_file_is_drawn_five_weeks_before_its_audit_day(tmp_path):
    policy = load_policy(write(tmp_path, HALTON_DAY))
    [definition] = policy.rounds.rounds
    assert definition.one_case_per_auditor and definition.eligible.min_open_days == 28
    assert selection_date_of(definition, policy.rounds, date(2026, 11, 30)) == date(2026, 12, 7)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            "rounds:\n  rounds:\n    - {name: x, kind: thematic, cases: 1, auditor_role: admin, "
            "audit_date: 2027-01-11}\n",
            "rounds.rounds.0: theme: a thematic round needs a theme",
        ),
        (
            "rounds:\n  rounds:\n    - {name: x, kind: thematic, theme: gangs, cases: 1, "
            "auditor_role: admin, audit_date: 2027-01-11}\n",
            "rounds: rounds.0.theme: 'gangs' is not in themes",
        ),
        (
            "rounds:\n  rounds:\n    - {name: x, kind: audit_day, cases: 3, auditors: [a@x.uk], "
            "audit_date: 2027-01-11}\n",
            "cases: 3 cases but 1 auditor(s), one case each",
        ),
        (
            "rounds:\n  rounds:\n    - {name: x, kind: audit_day, cases: 1, auditor_role: admin, "
            "audit_date: 2027-01-11, selection_date: 2027-02-01}\n",
            "selection_date: must be before",
        ),
        (
            "rounds:\n  rounds:\n    - {name: x, kind: fortnightly, cases: 1, auditor_role: admin, "
            "audit_date: 2027-01-11}\n",
            "rounds.rounds.0.kind",
        ),
        ("rounds:\n  schedule:\n    months: {13: neglect}\n", "rounds.schedule.months"),
        ("rounds:\n  schedule:\n    months: {1: gangs}\n", "schedule.months.1: 'gangs'"),
        (
            "rounds:\n  rounds:\n    - {name: x, kind: whole_file, cases: 1, auditor_role: admin, "
            "audit_date: 2027-01-11, eligible: {case_types: [XX]}}\n",
            "case types XX not in",
        ),
    ],
)
def test_a_bad_round_in_the_policy_file_names_the_field(tmp_path, text, field):
    with pytest.raises(ConfigError) as raised:
        load_policy(write(tmp_path, text))
    assert field in str(raised.value)


def candidates(per_area: dict[str, int]) -> list[Candidate]:
    found = []
    for area_number, (area, count) in enumerate(per_area.items()):
        for index in range(count):
            number = area_number * 100 + index
            found.append(Candidate(number, f"CR-{number:04d}", area, 1000 + number, 2000))
    return found


def test_the_draw_takes_each_service_area_in_turn_and_is_reproducible():
    pool = candidates({"Safeguarding": 10, "Children in care": 3, "Disabilities": 1})
    ordered = spread_across_areas(pool, "seed-1")
    assert ordered == spread_across_areas(list(reversed(pool)), "seed-1")
    assert ordered != spread_across_areas(pool, "seed-2")
    assert {c.service_area for c in ordered[:3]} == {
        "Safeguarding",
        "Children in care",
        "Disabilities",
    }
    assert [c.service_area for c in ordered[-7:]] == ["Safeguarding"] * 7
    assert sorted(c.case_id for c in ordered) == sorted(c.case_id for c in pool)


def test_one_case_per_auditor_and_never_their_own_case():
    pool = candidates({"A": 3, "B": 3})
    own = pool[0]
    ordered = [own, *pool[1:]]
    auditors = [own.worker_id, own.manager_id, 7, 8]
    assigned = assign_auditors(ordered, auditors, 3, one_each=True)
    assert len(assigned) == 3 and len({auditor for _, auditor in assigned}) == 3
    assert (own, own.worker_id) not in assigned and (own, own.manager_id) not in assigned
    assert assign_auditors(ordered, [7, 8], 5, one_each=True) == [(pool[0], 7), (pool[1], 8)]


def test_several_cases_per_auditor_are_shared_out_evenly():
    assigned = assign_auditors(candidates({"A": 7}), [7, 8, 9], 7, one_each=False)
    loads = [sum(1 for _, auditor in assigned if auditor == a) for a in (7, 8, 9)]
    assert loads == [3, 2, 2]


def test_reminders_two_working_days_after_the_draw_and_a_week_before_the_audit():
    rounds = Policy().rounds
    days = reminder_days(rounds, CALENDAR, date(2026, 12, 7), date(2027, 1, 11))
    assert days == [date(2026, 12, 9), date(2027, 1, 4)]
    # Over Christmas: after Thursday 24 December, Christmas Day and Boxing Day (substitute
    # Monday 28th) don't count, so two working days later is Wednesday 30 December.
    assert reminder_days(rounds, CALENDAR, date(2026, 12, 24), date(2027, 1, 20))[0] == date(
        2026, 12, 30
    )
    # A short round: the "week before" reminder would come before the draw, so it is dropped.
    assert reminder_days(rounds, CALENDAR, date(2026, 12, 7), date(2026, 12, 11)) == [
        date(2026, 12, 9)
    ]
    assert latest_due_reminder(days, date(2026, 12, 8)) is None
    assert latest_due_reminder(days, date(2026, 12, 9)) == 1
    assert latest_due_reminder(days, date(2027, 1, 10)) == 2


def test_policy_rounds_are_defined_once_and_a_bad_one_is_skipped(make_session, tmp_path):
    policy = load_policy(
        write(
            tmp_path,
            HALTON_DAY + "    - {name: nobody, kind: whole_file, cases: 1, auditors: [ghost@x.uk], "
            "audit_date: 2027-01-11}\n",
        )
    )
    with make_session() as session:
        factories.authority(session)
        session.commit()
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    defined = []
    for _ in range(2):
        with make_session() as session:
            defined.append(run_round_schedule(session, tick_at(monday, policy, CALENDAR)).defined)
            session.commit()
    assert defined == [["audit-day-2027-q1"], []]
    with make_session() as session:
        [audit_round] = session.exec(select(AuditRound)).all()
    assert audit_round.source == "policy" and audit_round.selection_on == date(2026, 12, 7)
    drawn_day = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with make_session() as session:
        report = run_round_schedule(session, tick_at(drawn_day, policy, CALENDAR))
        session.commit()
    assert report.drawn == ["audit-day-2027-q1"]
    with make_session() as session:
        drawn = session.exec(select(RoundCase)).all()
    # Only the North service area is eligible (factories give every team the area "North").
    assert len(drawn) == 2 and {rc.service_area for rc in drawn} == {"North"}


def test_a_round_definition_needs_auditors_and_coherent_dates():
    with pytest.raises(ValueError, match="name the auditors"):
        RoundDefinition(name="x", kind="whole_file", cases=1, audit_date=date(2027, 1, 11))
    with pytest.raises(ValueError, match="audit_until"):
        RoundDefinition(
            name="x",
            kind="whole_file",
            cases=1,
            auditor_role="admin",
            audit_date=date(2027, 1, 11),
            audit_until=date(2027, 1, 4),
        )


def test_the_round_command_takes_new_or_status_with_an_optional_name():
    assert parse_audit_command("round status Neglect-2027-01").round_name == "neglect-2027-01"
    assert parse_audit_command("round").round_name is None
    assert parse_audit_command("ROUND new").spec.name == "round"
    for bad in ("round delete x", "round status a b", "round new now"):
        with pytest.raises(UsageError, match="round new \\| round status"):
            parse_audit_command(bad)
