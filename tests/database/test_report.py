"""The QA briefing's figures, tables and files, checked against a hand-made month
(tests/support/report_fixture.py) on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest

from bot.core.calendar import LONDON
from bot.core.months import Month
from bot.policy.schema import Domain, FrameworkPolicy, Policy
from bot.report.chart import COMPLETION_COLOURS, GRADE_COLOURS
from bot.report.figures import Reason, compute_briefing
from bot.report.files import briefing_files
from bot.report.markdown import briefing_markdown
from bot.report.period import Period
from bot.report.tables import briefing_tables, register_table, to_csv
from models.db import transaction
from tests.support.charts import bar_colours, colour_areas
from tests.support.report_fixture import AS_OF, DOMAINS, build_report_world

DECEMBER = Period.month(Month(2026, 12))
FRAMEWORK = Policy().framework
RI = "Requires improvement to be good"


@pytest.fixture
def world(make_session):
    with transaction(make_session) as session:
        return build_report_world(session)


def briefing_for(make_session, period=DECEMBER, framework=FRAMEWORK):
    with make_session() as session:
        return compute_briefing(session, period, framework=framework, timezone=LONDON, as_of=AS_OF)


def table(briefing, name):
    [found] = [t for t in briefing_tables(briefing) if t.name == name]
    return [found.header, *found.rows]


def test_completion_against_the_previous_three_months(make_session, world):
    assert table(briefing_for(make_session), "completion") == [
        [
            "Period",
            "Identified",
            "Completed within timescale",
            "Completed late",
            "Not completed",
            "No eligible case",
            "Given more time",
        ],
        ["2026-09", 0, 0, 0, 0, 0, 0],
        ["2026-10", 1, 1, 0, 0, 0, 0],
        ["2026-11", 2, 2, 0, 0, 0, 0],
        ["2026-12", 5, 2, 1, 2, 1, 0],
    ]


def test_grades_per_domain_and_overall(make_session, world):
    rows = table(briefing_for(make_session), "grades")
    assert rows[0] == ["Domain", "Period", "Outstanding", "Good", RI, "Inadequate", "Total"]
    by_key = {(row[0], row[1]): row[2:] for row in rows[1:]}
    assert len(by_key) == (len(DOMAINS) + 1) * 4
    for domain in FRAMEWORK.domains:
        december = [1, 0, 1, 1, 3] if domain.id == "assessment" else [0, 1, 1, 1, 3]
        assert by_key[(domain.title, "2026-12")] == december
        assert by_key[(domain.title, "2026-11")] == [0, 1, 0, 1, 2]
        assert by_key[(domain.title, "2026-10")] == [1, 0, 0, 0, 1]
        assert by_key[(domain.title, "2026-09")] == [0, 0, 0, 0, 0]
    assert by_key[("Overall", "2026-12")] == [0, 1, 1, 1, 3]
    assert by_key[("Overall", "2026-11")] == [0, 1, 0, 1, 2]
    assert by_key[("Overall", "2026-10")] == [1, 0, 0, 0, 1]
    assert by_key[("Overall", "2026-09")] == [0, 0, 0, 0, 0]


def test_cases_of_concern_counts_and_register(make_session, world):
    briefing = briefing_for(make_session)
    assert table(briefing, "cases-of-concern") == [
        ["Period", "Category 1", "Category 1 acknowledged", "Category 2"],
        ["2026-09", 0, 0, 0],
        ["2026-10", 0, 0, 0],
        ["2026-11", 0, 0, 1],
        ["2026-12", 1, 1, 1],
    ]
    register = register_table(briefing.register)
    assert register.rows == [
        ["CR-N2", "North", "Noel North", "Category 1", "2027-01-02", "2027-01-02"],
        ["CR-S2", "South", "Sol South", "Category 2", "2026-12-31", ""],
    ]


def test_engagement_and_the_reasons_for_non_engagement(make_session, world):
    briefing = briefing_for(make_session)
    assert table(briefing, "engagement") == [
        ["Group", "Engaged", "Not engaged"],
        ["Team managers", 3, 2],
        ["Practitioners", 3, 2],
        ["Children and families", 1, 4],
    ]
    assert table(briefing, "engagement-reasons") == [
        ["Group", "Reason", "Count"],
        ["Team managers", "Audit not started: discussion booked, not yet held", 1],
        ["Team managers", "Audit started, not submitted", 1],
        ["Practitioners", "Discussion not held: Practitioner off sick", 1],
        ["Practitioners", "Practitioner cannot attend: In court all week", 1],
        ["Children and families", "Contact planned, outcome not recorded", 1],
        ["Children and families", "Declined", 1],
        ["Children and families", "No contact planned or recorded", 1],
        ["Children and families", "Not appropriate: The child is two years old.", 1],
    ]


def test_the_action_tracker_by_month(make_session, world):
    assert table(briefing_for(make_session), "action-tracker") == [
        ["Month", "Total", "Completed", "Outstanding", "Not yet due"],
        ["2026-09", 0, 0, 0, 0],
        ["2026-10", 0, 0, 0, 0],
        ["2026-11", 2, 1, 1, 0],
        ["2026-12", 4, 1, 1, 2],
    ]


def test_a_period_without_reaudits_says_so(make_session, world):
    briefing = briefing_for(make_session)
    assert table(briefing, "reaudit-agreement") == [
        ["Domain", "Re-audited", "Agreed", "Agreement rate", "Moved up", "Moved down"]
    ]
    assert "No re-audits were recorded for this period." in briefing_markdown(briefing)


def test_tac_summaries_completed_in_the_month(make_session, world):
    assert table(briefing_for(make_session), "tac-summaries") == [
        ["Team", "Summaries completed"],
        ["North", 2],
        ["South", 1],
        ["All teams", 3],
    ]


def test_a_quarter_adds_up_its_months_and_compares_quarters(make_session, world):
    briefing = briefing_for(make_session, Period.parse_quarter("2026-Q4"))
    assert table(briefing, "completion")[1:] == [
        ["2026-Q1", 0, 0, 0, 0, 0, 0],
        ["2026-Q2", 0, 0, 0, 0, 0, 0],
        ["2026-Q3", 0, 0, 0, 0, 0, 0],
        ["2026-Q4", 8, 5, 1, 2, 1, 0],
    ]
    overall = {row[1]: row[2:] for row in table(briefing, "grades") if row[0] == "Overall"}
    assert overall["2026-Q4"] == [1, 2, 1, 2, 6]
    assert table(briefing, "cases-of-concern")[-1] == ["2026-Q4", 1, 1, 2]
    assert [row[0] for row in table(briefing, "action-tracker")[1:]] == [
        f"2026-{month:02d}" for month in range(1, 13)
    ]
    assert table(briefing, "tac-summaries")[1:] == [["North", 2], ["South", 2], ["All teams", 4]]
    assert [entry.case_ref for entry in briefing.register] == ["CR-N2", "CR-N3", "CR-S2"]


def test_a_framework_without_grades_has_no_grade_table(make_session, world):
    statements = FrameworkPolicy(
        name="Halton evaluative statements",
        grades=[],
        domains=[Domain(id="impact_outcomes", title="Impact")],
    )
    briefing = briefing_for(make_session, framework=statements)
    assert briefing.grades == []
    assert "evaluative statements without grades" in briefing_markdown(briefing)
    chart = briefing_files(briefing, None)["qa-briefing-2026-12-chart.png"]
    assert bar_colours(chart) == set(COMPLETION_COLOURS.values())  # and no grade bars


def test_the_files_a_csv_per_table_a_chart_and_a_summary(make_session, world):
    briefing = briefing_for(make_session)
    files = briefing_files(briefing, briefing.register)
    assert sorted(files) == [
        "qa-briefing-2026-12-action-tracker.csv",
        "qa-briefing-2026-12-cases-of-concern-register.csv",
        "qa-briefing-2026-12-cases-of-concern.csv",
        "qa-briefing-2026-12-chart.png",
        "qa-briefing-2026-12-completion.csv",
        "qa-briefing-2026-12-engagement-reasons.csv",
        "qa-briefing-2026-12-engagement.csv",
        "qa-briefing-2026-12-grades.csv",
        "qa-briefing-2026-12-reaudit-agreement.csv",
        "qa-briefing-2026-12-tac-summaries.csv",
        "qa-briefing-2026-12.md",
    ]
    chart = files["qa-briefing-2026-12-chart.png"]
    assert bar_colours(chart) == {*COMPLETION_COLOURS.values(), *GRADE_COLOURS[:4]}
    in_time, late, _ = COMPLETION_COLOURS.values()
    areas = colour_areas(chart)  # 1 + 2 + 2 audits in time against 1 late
    assert areas[in_time] / areas[late] == pytest.approx(5, rel=0.05)
    completion = list(csv.DictReader(io.StringIO(files["qa-briefing-2026-12-completion.csv"])))
    assert completion[-1]["Completed late"] == "1"
    summary = files["qa-briefing-2026-12.md"]
    assert summary.startswith("# QA briefing: December 2026")
    assert "5 cases were identified for audit: 2 completed within timescale, 1 completed late" in (
        summary
    )
    assert "1 Category 1" in summary and "Practitioner off sick: 1" in summary
    # the summary and the shareable tables carry counts only
    shareable = [content for name, content in files.items() if "register" not in name]
    for ref in ("CR-N2", "CR-S2", "CR-N1"):
        assert not any(ref in str(content) for content in shareable)
    assert "CR-N2" in files["qa-briefing-2026-12-cases-of-concern-register.csv"]


def test_without_the_register_no_file_names_a_case(make_session, world):
    files = briefing_files(briefing_for(make_session), None)
    assert not any("register" in name for name in files)


def test_reasons_are_escaped_in_the_markdown_and_made_safe_for_spreadsheets(make_session, world):
    briefing = briefing_for(make_session)
    briefing.reasons.append(Reason("Practitioners", "=HYPERLINK(x) | *bold*", 1))
    assert "\\| \\*bold\\*" in briefing_markdown(briefing)
    [reasons] = [t for t in briefing_tables(briefing) if t.name == "engagement-reasons"]
    assert "'=HYPERLINK(x) | *bold*" in to_csv(reasons)
