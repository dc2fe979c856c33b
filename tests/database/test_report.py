"""The QA briefing's figures, tables and files, checked against a hand-made month
(tests/support/report_fixture.py) on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.core.calendar import LONDON
from bot.core.months import Month
from bot.core.outbox import FILE_UPLOAD
from bot.policy.schema import Domain, FrameworkPolicy, Policy
from bot.report.chart import COMPLETION_COLOURS, GRADE_COLOURS
from bot.report.delivery import BriefingFiles, queue_briefing
from bot.report.figures import Reason, compute_briefing
from bot.report.files import briefing_files
from bot.report.markdown import briefing_markdown
from bot.report.period import Period
from bot.report.tables import briefing_tables, register_table, to_csv
from models import OutboxMessage, Staff
from models.db import transaction
from tests.support.charts import bar_colours, colour_areas
from tests.support.report_fixture import AS_OF, DOMAINS, build_report_world

DECEMBER = Period.month(Month(2026, 12))
FRAMEWORK = Policy().framework
RI = "Requires improvement to be good"
NOW = datetime(2027, 1, 4, 10, tzinfo=UTC)


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
            "Inadmissible",
            "Analysed",
            "No eligible case",
            "Given more time",
        ],
        ["2026-09", 0, 0, 0, 0, 0, 0, 0, 0],
        ["2026-10", 1, 1, 0, 0, 0, 1, 0, 0],
        ["2026-11", 2, 2, 0, 0, 1, 1, 0, 0],
        ["2026-12", 5, 2, 1, 2, 0, 3, 1, 0],
    ]


def test_the_number_of_earlier_months_compared_is_a_setting(make_session, world):
    with make_session() as session:
        briefing = compute_briefing(
            session,
            DECEMBER,
            framework=FRAMEWORK,
            timezone=LONDON,
            as_of=AS_OF,
            trend_periods=4,
        )
    assert [str(row.period) for row in briefing.completion] == [
        "2026-08",
        "2026-09",
        "2026-10",
        "2026-11",
        "2026-12",
    ]
    assert "compared with the 4 months before" in briefing_markdown(briefing)


def test_grades_per_domain_and_overall(make_session, world):
    rows = table(briefing_for(make_session), "grades")
    assert rows[0] == ["Domain", "Period", "Outstanding", "Good", RI, "Inadequate", "Total"]
    by_key = {(row[0], row[1]): row[2:] for row in rows[1:]}
    assert len(by_key) == (len(DOMAINS) + 1) * 4
    # after moderation: Sol's December audit moved down in the last domain and overall; Sol's
    # November audit is inadmissible, so out of the grades
    december = {"assessment": [1, 0, 1, 1, 3], "impact_outcomes": [0, 1, 0, 2, 3]}
    for domain in FRAMEWORK.domains:
        assert by_key[(domain.title, "2026-12")] == december.get(domain.id, [0, 1, 1, 1, 3])
        assert by_key[(domain.title, "2026-11")] == [0, 1, 0, 0, 1]
        assert by_key[(domain.title, "2026-10")] == [1, 0, 0, 0, 1]
        assert by_key[(domain.title, "2026-09")] == [0, 0, 0, 0, 0]
    assert by_key[("Overall", "2026-12")] == [0, 1, 0, 2, 3]
    assert by_key[("Overall", "2026-11")] == [0, 1, 0, 0, 1]
    assert by_key[("Overall", "2026-10")] == [1, 0, 0, 0, 1]
    assert by_key[("Overall", "2026-09")] == [0, 0, 0, 0, 0]


def test_judgements_before_and_after_moderation(make_session, world):
    briefing = briefing_for(make_session)
    assert table(briefing, "moderation")[-1] == ["2026-12", 0, 1, 1, 1, 0, 1, 0, 2, 1, 0, 1]
    summary = briefing_markdown(briefing)
    assert (
        "Following moderation, the 3 audits analysed were judged: 0 Outstanding, 1 Good, "
        f"0 {RI}, 2 Inadequate. These are the judgements this briefing uses."
    ) in summary
    assert "1 audit was moderated: 0 moved up, 1 moved down and 0 unchanged." in summary
    assert f"- November 2026: 0 Outstanding, 1 Good, 0 {RI}, 0 Inadequate" in summary


def test_the_reaudit_table_covers_the_periods_audits_not_the_month_it_was_drawn(
    make_session, world
):
    rows = table(briefing_for(make_session), "reaudit-agreement")
    impact = [row for row in rows if row[0] == "Impact and overall outcomes"]
    assert impact == [["Impact and overall outcomes", 1, 0, "0%", 0, 1]]
    january = briefing_for(make_session, Period.month(Month(2027, 1)))
    assert january.reaudit_agreement == []


def test_what_good_looks_like_and_what_holds_cases_back(make_session, world):
    briefing = briefing_for(make_session)
    [good] = briefing.good_practice
    assert (good.case_ref, good.team, good.grade) == ("CR-N1", "North", "Good")
    assert good.impact == "The child feels safe and is back in school."
    assert good.line_manager_ids == {world["sm_north"].id, world["head"].id}
    held_back = table(briefing, "held-back-from-good")
    assert held_back[0] == ["Domain", RI, "Inadequate", "Total"]
    assert ["Impact and overall outcomes", 0, 2, 2] in held_back
    assert len(held_back) == 1 + len(DOMAINS)  # every domain was below Good twice
    summary = briefing_markdown(briefing)
    assert "1 audit was judged Good or better." in summary
    assert "CR-N1" not in summary and "back in school" not in summary


def test_inadequate_audits_escalated_and_tracked(make_session, world):
    briefing = briefing_for(make_session)
    inadequate = briefing.inadequate
    assert (inadequate.audits, inadequate.escalated) == (2, 1)
    assert (inadequate.actions, inadequate.actions_done, inadequate.actions_overdue) == (1, 0, 0)
    assert (
        "2 audits were judged Inadequate after moderation: 1 escalated to a head of service; "
        "their 1 actions: 0 done, 0 outstanding after the due date."
    ) in briefing_markdown(briefing)


def test_cases_of_concern_counts_and_register(make_session, world):
    briefing = briefing_for(make_session)
    assert table(briefing, "cases-of-concern") == [
        [
            "Period",
            "Category 1 raised",
            "Category 1 acknowledged",
            "Category 2 raised",
            "Category 1 still open",
            "Category 2 still open",
            "On the register at the end of the period",
        ],
        ["2026-09", 0, 0, 0, 0, 0, 0],
        ["2026-10", 0, 0, 0, 0, 0, 0],
        ["2026-11", 0, 0, 1, 0, 0, 1],  # closed on 20 December
        ["2026-12", 1, 1, 1, 1, 1, 1],  # Noel's was submitted on 2 January
    ]
    register = register_table(briefing.register)
    assert register.rows == [
        ["CR-N2", "North", "Noel North", "Category 1", "2027-01-02", "2027-01-02", ""],
        ["CR-S2", "South", "Sol South", "Category 2", "2026-12-31", "", ""],
    ]
    summary = briefing_markdown(briefing)
    assert "- November 2026: 1\n- December 2026: 1" in summary
    assert "Of these, 1 are still Category 1 and 1 still Category 2 on the register now." in (
        summary
    )


def test_engagement_of_the_audits_done_and_why_the_others_were_not(make_session, world):
    briefing = briefing_for(make_session)
    assert table(briefing, "engagement") == [
        ["Group", "Outcome", "Audits"],
        ["Team managers", "took part", 3],
        ["Team managers", "not available", 0],
        ["Practitioners", "took part", 3],
        ["Practitioners", "not available", 0],
        ["Children and young people", "took part", 1],
        ["Children and young people", "inappropriate for age or circumstances", 1],
        ["Children and young people", "attempted, no response", 1],
        ["Children and young people", "not invited", 0],
        ["Children and young people", "not stated", 0],
        ["Parents or carers", "took part", 1],
        ["Parents or carers", "attempted, no response", 1],
        ["Parents or carers", "not invited", 1],
        ["Parents or carers", "not stated", 0],
    ]
    assert table(briefing, "not-completed-reasons") == [
        ["Reason", "Count"],
        ["Audit not started: the practitioner cannot attend the discussion", 1],
        ["Audit started, not submitted", 1],
    ]
    summary = briefing_markdown(briefing)
    assert (
        "- Children and young people: 1 of 3 took part: 1 inappropriate for age or "
        "circumstances, 1 attempted, no response"
    ) in summary


def test_the_action_tracker_by_month(make_session, world):
    assert table(briefing_for(make_session), "action-tracker") == [
        ["Month", "Total", "Completed", "Outstanding", "Not yet due"],
        ["2026-09", 0, 0, 0, 0],
        ["2026-10", 0, 0, 0, 0],
        ["2026-11", 2, 1, 1, 0],
        ["2026-12", 4, 1, 1, 2],
    ]


def test_a_period_without_reaudits_says_so(make_session, world):
    briefing = briefing_for(make_session, Period.month(Month(2026, 11)))
    assert table(briefing, "reaudit-agreement") == [
        ["Domain", "Re-audited", "Agreed", "Agreement rate", "Moved up", "Moved down"]
    ]
    assert "No re-audits of this period's audits were recorded." in briefing_markdown(briefing)


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
        ["2026-Q1", 0, 0, 0, 0, 0, 0, 0, 0],
        ["2026-Q2", 0, 0, 0, 0, 0, 0, 0, 0],
        ["2026-Q3", 0, 0, 0, 0, 0, 0, 0, 0],
        ["2026-Q4", 8, 5, 1, 2, 1, 5, 1, 0],
    ]
    overall = {row[1]: row[2:] for row in table(briefing, "grades") if row[0] == "Overall"}
    assert overall["2026-Q4"] == [1, 2, 0, 2, 5]
    assert table(briefing, "cases-of-concern")[-1] == ["2026-Q4", 1, 1, 2, 1, 1, 1]
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
    chart = briefing_files(briefing, with_cases=False)["qa-briefing-2026-12-chart.png"]
    assert bar_colours(chart) == set(COMPLETION_COLOURS.values())  # and no grade bars


def test_the_files_a_csv_per_table_a_chart_and_a_summary(make_session, world):
    briefing = briefing_for(make_session)
    files = briefing_files(briefing, with_cases=True)
    assert sorted(files) == [
        "qa-briefing-2026-12-action-tracker.csv",
        "qa-briefing-2026-12-cases-of-concern-register.csv",
        "qa-briefing-2026-12-cases-of-concern.csv",
        "qa-briefing-2026-12-chart.png",
        "qa-briefing-2026-12-completion.csv",
        "qa-briefing-2026-12-engagement.csv",
        "qa-briefing-2026-12-grades.csv",
        "qa-briefing-2026-12-held-back-from-good.csv",
        "qa-briefing-2026-12-moderation.csv",
        "qa-briefing-2026-12-not-completed-reasons.csv",
        "qa-briefing-2026-12-reaudit-agreement.csv",
        "qa-briefing-2026-12-tac-summaries.csv",
        "qa-briefing-2026-12-what-good-looks-like.csv",
        "qa-briefing-2026-12.md",
    ]
    chart = files["qa-briefing-2026-12-chart.png"]
    # no overall judgement stayed Requires improvement after moderation
    outstanding, good, _ri, inadequate = GRADE_COLOURS[:4]
    assert bar_colours(chart) == {*COMPLETION_COLOURS.values(), outstanding, good, inadequate}
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
    assert "1 Category 1" in summary and "the practitioner cannot attend the discussion: 1" in (
        summary
    )
    # the summary and the shareable tables carry counts only
    naming = ("register", "what-good-looks-like")
    shareable = [c for name, c in files.items() if not any(word in name for word in naming)]
    for ref in ("CR-N2", "CR-S2", "CR-N1"):
        assert not any(ref in str(content) for content in shareable)
    assert "CR-N2" in files["qa-briefing-2026-12-cases-of-concern-register.csv"]
    assert "CR-N1" in files["qa-briefing-2026-12-what-good-looks-like.csv"]


def test_without_the_register_no_file_names_a_case(make_session, world):
    files = briefing_files(briefing_for(make_session), with_cases=False)
    assert not any("register" in name or "good-looks" in name for name in files)
    for ref in ("CR-N2", "CR-S2", "CR-N1"):
        assert not any(ref in str(content) for content in files.values())


def test_reasons_are_escaped_in_the_markdown_and_made_safe_for_spreadsheets(make_session, world):
    briefing = briefing_for(make_session)
    briefing.reasons.append(Reason("Team managers", "=HYPERLINK(x) | *bold*", 1))
    assert "\\| \\*bold\\*" in briefing_markdown(briefing)
    [reasons] = [t for t in briefing_tables(briefing) if t.name == "not-completed-reasons"]
    assert "'=HYPERLINK(x) | *bold*" in to_csv(reasons)


def test_more_tables_than_one_upload_takes_go_in_several(make_session, world):
    """Slack takes at most ten files in one upload: with the rounds' tables there are twelve."""
    briefing = briefing_for(make_session)
    tables = {f"table-{n}.csv": "a,b\n" for n in range(12)}
    files = BriefingFiles(summary={"summary.md": "# x"}, tables=tables)
    with transaction(make_session) as session:
        admin = session.get(Staff, world["admin"].id)
        queue_briefing(session, briefing, admin, key="k", now=NOW, files=files)
    with make_session() as session:
        uploads = {
            row.idempotency_key: row.payload
            for row in session.exec(select(OutboxMessage)).all()
            if row.method == FILE_UPLOAD
        }
    assert [len(uploads[key]["files"]) for key in ("k:tables", "k:tables:2")] == [10, 2]
    assert uploads["k:tables:2"]["initial_comment"].endswith("one CSV file each (2 of 2).")
