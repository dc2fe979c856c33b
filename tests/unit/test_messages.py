"""Every template renders valid Block Kit within Slack's limits, including with long input."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace as Obj

import pytest

from bot.audit.rules import CONCERNS, PARTICIPATION
from bot.booking.family_contact import CHILD_OUTCOMES, PARENTS_OUTCOMES
from bot.chasing.nudges import Held, chase_context
from bot.chasing.overdue import MAX_LABEL, OverdueItem
from bot.chasing.rules import OWNER, Step
from bot.commands.status import AwayNow, FailedDelivery, ManagerStatus, ProgrammeStatus, TeamCounts
from bot.concerns.register import Concern
from bot.core.cover import Acting, Route
from bot.core.months import Month
from bot.core.permissions import AUDIT_COMMANDS
from bot.policy.schema import Domain, Policy
from bot.reaudit.draw import ReauditOutcome
from bot.reaudit.rules import ADDRESSED, ADMISSIBILITY, ADMISSIBLE, OVERALL, VERDICTS
from bot.report.engagement import ORDER, Engagement
from bot.report.figures import (
    ActionTracker,
    Briefing,
    Completion,
    ConcernCounts,
    GradeCounts,
    Moderation,
    TacSummaryCount,
)
from bot.report.period import Period
from bot.selection.draw import SelectionOutcome
from messages import escape_mrkdwn, render, template_names
from tests.unit.oversight_samples import oversight_samples
from tests.unit.round_practice_samples import round_practice_samples

LONG = "x" * 1000
person = Obj(name="Nina <North> & co", email="nina@example.gov.uk", slack_user_id="U0TM00001")
# What a message says of a cover's act, with names that must be escaped.
ON_BEHALF = Acting(Obj(id=1, name="Sam <!here> & co"), Obj(id=2, name=person.name)).note
no_slack = Obj(name="Owen Price", email="owen@example.gov.uk", slack_user_id=None)
IMPORT_CHECK = Obj(
    id=12, filename="<!channel> " + "&" * 200 + ".csv", kind="staff", created=1, updated=2,
    unchanged=3,
)  # fmt: skip
IMPORT_PROBLEMS = ["staff.csv:2: " + "&<" * 150] * 20  # as cut by shown_problems
case = Obj(case_ref="CR-100001", case_type="CP")


def big_status() -> ProgrammeStatus:
    return ProgrammeStatus(
        month=Month(2026, 12),
        drawn_at=datetime(2026, 12, 1, 8, tzinfo=UTC),
        drawn_by="scheduler",
        teams=[
            TeamCounts(team=f"Team {n} with a rather long name", selected=1) for n in range(200)
        ],
        not_on_slack=[no_slack] * 80,
        failed_deliveries=[
            FailedDelivery("selection:1", "owen@example.gov.uk", "channel_not_found")
        ]
        * 20,
        waiting_to_send=3,
        teams_without_channel=[f"Team {n} with a rather long name" for n in range(200)],
        away=[
            AwayNow(
                name="Person <x> & co " * 10,
                roles=("team manager", "service manager", "head of service"),
                team="Team <x> & co " * 10,
                last_day=date(2026, 12, 31),
                cover=None if n % 2 else "Cover <x> & co " * 10,
            )
            for n in range(40)
        ],
    )


def overdue(
    n: int, holder: str = OWNER, kind: str = "action_overdue", more_time: bool = False
) -> Held:
    """An overdue item with the longest label, escalated to `holder`; `more_time`: an audit
    whose manager may ask for more time."""
    someone = Obj(name=f"Person {n % 40} <x> & co", slack_user_id=None)
    item = OverdueItem(
        kind=kind,
        item_id=n,
        owner=someone,
        manager=someone,
        team=Obj(name=f"Team {n % 30}"),
        label="&<>" * (MAX_LABEL // 3),
        due_on=date(2026, 12, 1),
        button="Mark done",
        more_time=more_time,
    )
    return Held(item, Step(holder, date(2026, 12, 2)), working_days_overdue=n)


def a_great_many_overdue_items() -> list[Held]:
    """200 of a person's own (a third of them audits that may have more time) and 600
    escalated to them at every step of the ladder."""
    holders = [OWNER, "team_manager", "service_manager", "head_of_service"]
    kinds = ["audit_overdue", "tac_summary_overdue", "action_overdue"]
    return [overdue(n, holders[n % 4], kinds[n % 3], more_time=n % 3 == 0) for n in range(800)]


def buttons_of(rendered: dict) -> list[dict]:
    return [
        element
        for block in rendered["blocks"]
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("type") == "button"
    ]


def test_an_audit_on_the_chasing_dm_offers_more_time_beside_its_own_button():
    held = [
        overdue(1, kind="audit_overdue", more_time=True),
        overdue(2, kind="audit_overdue"),  # a request for more time is waiting
        overdue(3, kind="action_overdue"),
        overdue(4, "service_manager", "audit_overdue", more_time=True),  # the owner acts
    ]
    rendered = render("chase_dm", **chase_context(held))
    assert [(b["action_id"], b["value"], b["text"]["text"]) for b in buttons_of(rendered)] == [
        ("chase.act.1", "action_overdue:3", "Mark done"),
        ("chase.act.2", "audit_overdue:1", "Mark done"),
        ("extension.open.2", "1", "Ask for more time"),
        ("chase.act.3", "audit_overdue:2", "Mark done"),
        # escalated to a service manager: open the item, or nudge its manager
        ("chase.open.audit_overdue:4", "audit_overdue:4", "Open item 1"),
        ("chase.nudge.audit_overdue:4", "audit_overdue:4", "Nudge the manager: item 1"),
        ("chase.snooze", "tomorrow", "Remind me tomorrow"),
    ]
    # A section holds one button: the audit's two go in an actions block under its text.
    [section, actions] = rendered["blocks"][3:5]
    assert "accessory" not in section and "&amp;&lt;&gt;" in section["text"]["text"]
    assert actions["type"] == "actions" and len(actions["elements"]) == 2
    assert "accessory" in rendered["blocks"][2] and "accessory" in rendered["blocks"][5]


def test_a_great_many_audits_that_may_have_more_time_stay_within_50_blocks():
    escalated = [h for h in a_great_many_overdue_items() if h.escalated]
    own = [overdue(n, kind="audit_overdue", more_time=True) for n in range(200)]
    rendered = render("chase_dm", **chase_context(own + escalated))
    assert len(rendered["blocks"]) <= 50
    action_ids = [b["action_id"] for b in buttons_of(rendered)]
    assert len(action_ids) == len(set(action_ids))
    # Every step full: the escalated items' buttons leave 9 blocks to the person's own items.
    assert sum(a.startswith("extension.open.") for a in action_ids) == 4
    assert "…and 196 more (audit to submit: 196)" in json.dumps(rendered, ensure_ascii=False)
    assert sum(a.startswith("chase.nudge.") for a in action_ids) == 2 * 6  # an item a group here


def test_each_item_escalated_to_a_service_manager_has_open_and_nudge_under_its_group():
    """Ten of one team manager's items (the most a group lists) make 20 buttons in one actions
    block, within its 25, and the eleventh is counted, not given buttons."""
    manager = Obj(name="Mo <Manager>", slack_user_id=None)
    held = [
        replace(
            h,
            item=replace(
                h.item, manager=manager, owner=manager, label=f"Act on CR-{n}", case_ref=f"CR-{n}"
            ),
        )
        for n, h in enumerate(overdue(n, "service_manager") for n in range(11))
    ]
    rendered = render("chase_dm", **chase_context(held))
    [actions] = [b for b in rendered["blocks"] if b["type"] == "actions" and "block_id" not in b]
    assert len(actions["elements"]) == 20
    assert actions["elements"][:2] == [
        {
            "type": "button",
            "action_id": "chase.open.action_overdue:0",
            "value": "action_overdue:0",
            "text": {"type": "plain_text", "text": "Open CR-0"},
        },
        {
            "type": "button",
            "action_id": "chase.nudge.action_overdue:0",
            "value": "action_overdue:0",
            "text": {"type": "plain_text", "text": "Nudge the manager: CR-0"},
        },
    ]
    assert "…and 1 more" in json.dumps(rendered, ensure_ascii=False)


SAMPLES = {
    "chase_dm": chase_context(a_great_many_overdue_items()),
    "chase_item_modal": dict(item=replace(overdue(7).item, case_ref=LONG[:200]), days_overdue=7),
    "chase_nudge_dm": dict(
        nudger=person, item=overdue(1).item, days_overdue=1, on_behalf=ON_BEHALF
    ),
    "team_digest": dict(
        team=Obj(name=LONG[:200]),
        week=Obj(month=Month(2026, 12), today=date(2026, 12, 7), no_selection="paused"),
        counts=[Obj(label=LONG[:100], value=n, since_last_week=n) for n in range(40)],
    ),
    "selection_dm": dict(
        month="December 2026",
        case=case,
        case_type="Child Protection",
        practitioner=no_slack,
        team=Obj(name="North"),
        due_on=date(2026, 12, 31),
        suggested_on=date(2026, 12, 15),
        duration_minutes=60,
        pool_size=1,
        selection_id=7,
        replaces=(case, LONG),
        booking=Obj(
            id=3,
            status="booked",
            duration_minutes=60,
            place=LONG[:200],
            practitioner_reply="cannot",
            closed_reason=None,
        ),
        booking_starts=datetime(2026, 12, 15, 10, tzinfo=UTC),
        engagement=Obj(status="not_appropriate", reason=LONG, method=None, planned_on=None),
        audit=Obj(
            status="submitted", submitted_at=datetime(2026, 12, 20, tzinfo=UTC), overall="Good"
        ),
        open_actions=[
            Obj(what=LONG[:500], due_on=date(2026, 12, 20), owner=person, case_ref=case.case_ref)
            for _ in range(10)
        ],
    ),
    "selection_replaced": dict(case_ref="CR-1", month="December 2026", reason=LONG),
    # Issue 13: a selected case moved team and practitioner by an import.
    "case_transfer_dm": dict(
        role="new_team_manager",
        case=case,
        month="December 2026",
        old_team=Obj(id=1, name=LONG[:200]),
        new_team=Obj(id=2, name=LONG[:200]),
        old_worker=Obj(id=3, name="Pat", slack_user_id="U0PAT0001"),
        new_worker=Obj(id=4, name="Owen Price", slack_user_id=None),
        auditor=person,
        previous_auditor=person,
        outcome="stays",
    ),
    "redraw_modal": dict(case_ref="CR-1", private_metadata='{"selection_id": 1}', min_reason=10),
    "notice": dict(text="Nope", usage="/audit help"),
    # Imports from Slack and the nightly export (issue 22, part 1): names come from files.
    "import_modal": dict(kinds=[("teams", "Teams"), ("staff", "Staff"), ("cases", "Cases")]),
    "import_check_dm": dict(
        check=IMPORT_CHECK, problems=IMPORT_PROBLEMS, problems_total=500, keep_days=7
    ),
    "import_result_dm": dict(
        check=IMPORT_CHECK, by=person, at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC), transfers=3
    ),
    "nightly_import_dm": dict(
        outcome="rejected",
        filename="<!channel>&.csv",
        report=None,
        problems=IMPORT_PROBLEMS,
        problems_total=500,
        moved_to="rejected/" + "&" * 200,
        folder="",
    ),
    "help_reply": dict(commands=list(AUDIT_COMMANDS)),
    "select_reply": dict(
        outcome=SelectionOutcome(
            month=Month(2026, 12),
            created=True,
            drawn_at=datetime(2026, 12, 1, tzinfo=UTC),
            drawn_by="ada",
            drawn=[(person, case)] * 150,
            no_eligible_case=[person] * 150,
            not_on_slack=[no_slack] * 150,
        ),
        month="December 2026",
        month_key="2026-12",
        drawn_by="ada",
    ),
    "status_programme": dict(status=big_status()),
    "status_manager": dict(
        status=ManagerStatus(
            Month(2026, 12),
            Obj(due_on=date(2026, 12, 31)),
            case,
            "Child Protection",
            person,
            "explained " + LONG,
        )
    ),
    "explain_reply": dict(
        manager=person,
        month=Month(2026, 12),
        explanation=LONG,
        replaced=[
            Obj(
                replaced_at=datetime(2026, 12, 2, tzinfo=UTC),
                replaced_by="n@x",
                replaced_reason=LONG,
            )
        ],
    ),
}


booking = Obj(
    id=4, duration_minutes=90, place=LONG[:200], practitioner_reply="can", status="booked"
)
starts = datetime(2026, 12, 15, 10, tzinfo=UTC)
engagement = Obj(id=2, method="phone", planned_on=date(2026, 12, 8), status="planned")
SAMPLES |= {
    "booking_modal": dict(
        private_metadata='{"selection_id": 1, "replacing": null}',
        case=case,
        practitioner=person,
        due_on=date(2026, 12, 31),
        initial_date="2026-12-15",
        initial_time="10:00",
        durations=[30, 45, 60, 90, 120],
        duration=60,
        place=LONG[:200],
        timezone="Europe/London",
        rebooking=True,
    ),
    "reason_modal": dict(
        callback_id="booking.cannot",
        title="Can't make it",
        submit="Tell my manager",
        prompt="Your manager will be asked to book another time.",
        label="Why?",
        hint="For example",
        private_metadata='{"booking_id": 4}',
        min_length=5,
    ),
    "booking_practitioner_dm": dict(
        kind="new",
        booking=booking,
        starts=starts,
        manager=person,
        case=case,
        checklist=[LONG[:300]] * 8,
        on_behalf=ON_BEHALF,
    ),
    "booking_cannot_notice": dict(
        practitioner=person,
        starts=starts,
        reason=LONG,
        case=case,
        booking_id=4,
        on_behalf=ON_BEHALF,
    ),
    "booking_reminder": dict(
        booking=booking,
        starts=starts,
        with_person=person,
        case=case,
        checklist=[LONG[:300]] * 8,
        soon="hour",
    ),
    "booking_followup": dict(
        booking=booking, answered=None, starts=starts, practitioner=person, case=case
    ),
    "engagement_modal": dict(
        private_metadata='{"selection_id": 1}',
        case=case,
        methods={"visit": "Home or office visit", "phone": "Phone call"},
        engagement=engagement,
        due_on=date(2026, 12, 31),
    ),
    "engagement_outcome_prompt": dict(
        engagement=engagement,
        case=case,
        method="phone call",
        answered=LONG[:1100],
    ),
    "engagement_outcome_modal": dict(
        private_metadata='{"engagement_id": 2}',
        case=case,
        child_outcomes=CHILD_OUTCOMES,
        parents_outcomes=PARENTS_OUTCOMES,
    ),
}


tac_status = Obj(
    last_summary_on=date(2026, 8, 31),
    next_due_on=date(2026, 11, 9),
    never=True,
    overdue=True,
    due_soon=True,
    newly_qualified=True,
)
tac_item = Obj(
    case=Obj(id=12, case_ref="CR-" + "9" * 37),
    team=Obj(name="Team " + "x" * 95),
    worker=person,
    cadence="every 10 weeks",
    status=tac_status,
    open_task=Obj(due_on=date(2026, 12, 16)),
    last_decision=Obj(complete_by=None, reason=LONG[:500]),
    last_considered_on=date(2026, 11, 2),
)
tac_worker = Obj(id=5, name="Pat " + "W" * 100, slack_user_id="U0PAT0001", newly_qualified=True)
tac_decision = Obj(
    decision="not_needed",
    complete_by=None,
    reason=LONG[:500],
    triggers=["step_up", "drift", "other"],
    trigger_note=LONG[:500],
)


class _TacDueBlocks:
    """tac_summaries_due's blocks, as the digest and the Home tab are given them: rendered when
    the sample itself is (so inside a test's case-link context, as the sender's)."""

    def __init__(self, count: int, title: str, more: str) -> None:
        self.context = dict(items=[tac_item] * count, title=title, with_worker=True, more=more)

    def __iter__(self):
        return iter(render("tac_summaries_due", **self.context)["blocks"])

    def __radd__(self, blocks: list) -> list:
        return [*blocks, *self]


def _tac_due_blocks(count: int, title: str, more: str) -> _TacDueBlocks:
    return _TacDueBlocks(count, title, more)


tac_row = (
    Obj(completed_on=date(2026, 11, 20)),
    Obj(case_ref="CR-" + "9" * 37),
    Obj(name="Pat " + "W" * 100),
    Obj(name="Team " + "x" * 95),
)
SAMPLES |= {
    "tac_checkpoint_modal": dict(
        private_metadata='{"supervision_id": 1, "page": 2}',
        practitioner=tac_worker,
        page=2,
        pages=4,
        first_number=16,
        last_number=30,
        total=60,
        never=20,
        overdue=20,
        due_soon=20,
        ask_held_on=True,
        today=date(2026, 11, 30),
        cases=[tac_item] * 15,
        triggers=Policy().tac.triggers,
        due_soon_days=14,
        min_reason=10,
    ),
    "tac_checkpoint_recorded": dict(
        practitioner=tac_worker,
        held_on=date(2026, 11, 30),
        decisions=[(tac_item.case, tac_decision)] * 60,
        triggers={t.id: t.label for t in Policy().tac.triggers},
        on_behalf=ON_BEHALF,
    ),
    "tac_task_dm": dict(
        case_ref="CR-1",
        manager=person,
        held_on=date(2026, 11, 30),
        due_on=date(2026, 12, 16),
        task_id=3,
        replaces=date(2026, 12, 9),
        reminder=False,
    ),
    "tac_task_cancelled": dict(
        case_ref="CR-1",
        manager=person,
        held_on=date(2026, 11, 30),
        due_on=date(2026, 12, 16),
        reason=LONG[:500],
    ),
    "tac_task_done": dict(
        case_ref="CR-1",
        due_on=date(2026, 12, 16),
        completed_on=date(2026, 12, 10),
        recorded_by=person,
        on_behalf=ON_BEHALF,
    ),
    "tac_summary_modal": dict(
        private_metadata='{"task_id": 3}',
        case_ref="CR-1",
        due_on=date(2026, 12, 16),
        today=date(2026, 11, 30),
    ),
    "tac_summary_recorded": dict(
        case_ref="CR-1",
        practitioner=tac_worker,
        recorded_by=Obj(id=9, name="Nina", slack_user_id="U0TM00001"),
        completed_on=date(2026, 12, 10),
        due_on=date(2026, 12, 16),
        next_due_on=date(2027, 2, 18),
        cadence="every 10 weeks",
        on_behalf=ON_BEHALF,
    ),
    "tac_weekly_digest": dict(
        groups=[(tac_worker, _tac_due_blocks(20, "*Pat* — 60 cases", "…and 40 more"))] * 15,
        more_practitioners=[(tac_worker, [tac_item])] * 40,
        total=900,
        today=date(2026, 11, 30),
        due_soon_days=14,
    ),
    "tac_month_end_list": dict(
        month=Month(2026, 11), rows=[tac_row] * 1000, late_rows=[tac_row] * 300, max_lines=100
    ),
    "tac_summaries_due": dict(
        items=[tac_item] * 20, title="*" + LONG[:100] + "*", with_worker=True, more="…and 40 more"
    ),
    "tac_not_needed_dm": dict(
        case_ref="CR-" + "9" * 37, manager=tac_worker, held_on=date(2026, 12, 5), reason=LONG[:500]
    ),
    "tac_history": dict(
        practitioner=tac_worker,
        checkpoints=[
            (Obj(held_on=date(2026, 12, 5)), tac_worker, [(tac_item.case, tac_decision)] * 23)
        ]
        * 8,
        more=12,
        cases_shown=15,
        triggers={"step_up": "Step up", "drift": "Possible drift", "other": "Other issue"},
    ),
}


framework = Policy().framework
# What each grade means (issue 25, Stockport), as long as the policy allows, all to be escaped.
DESCRIBED = {"grade_descriptors": {grade: "&" * 250 for grade in framework.grades}}
audit = Obj(id=5, overall="Requires improvement to be good", concern="category_1")
action = Obj(
    id=6,
    what=LONG[:500],
    due_on=date(2026, 12, 20),
    done_note=LONG,
    done_at=datetime(2026, 12, 18, tzinfo=UTC),
)
alert = Obj(id=7, note=LONG, audit_id=5)


def a_concern(n: int, closed: bool = False) -> Concern:
    """A case of concern with the longest texts: a Category 1 (acknowledged) when n is even."""
    category = "category_1" if n % 2 == 0 else "category_2"
    return Concern(
        audit=Obj(id=n, concern=category, answers={"final": {"concern_note": LONG}}),
        case_ref=f"CR-{n:06d}",
        team="Team <North> & co " + "t" * 180,
        manager=person,
        line_manager_ids=frozenset({1, 2}),
        alert=Obj(acknowledged_by=3) if category == "category_1" else None,
        review=Obj(actions_taken=LONG * 3, reviewed_by=4, closed_at=datetime(2026, 12, 18)),
        actions_done=1,
        actions_total=3,
        raised_on=date(2026, 12, 1),
        closed_on=date(2026, 12, 18) if closed else None,
    )


SAMPLES |= {
    "audit_step_modal": dict(
        private_metadata='{"audit_id": 5, "step": 0}',
        step_number=1,
        steps=5,
        case=case,
        framework=framework.model_copy(update={"domains_per_step": 8} | DESCRIBED),
        domains=framework.domains,
        answers={d.id: {"grade": "Good", "justification": LONG * 3} for d in framework.domains},
    ),
    "audit_final_modal": dict(
        private_metadata='{"audit_id": 5, "step": 4}',
        step_number=5,
        steps=5,
        case=case,
        framework=framework.model_copy(update=DESCRIBED),
        final={"impact": LONG, "overall": "Good", "concern": "category_2"},
        views=LONG,
        practitioner=person,
        discussion={"manager": person, "choices": PARTICIPATION},
        slots=range(1, 11),
        concerns=CONCERNS,
        asks_iro=True,
        gap_question="Has there been a period of six months or more without recorded supervision?",
    ),
    "audit_result_dm": dict(
        audience="practitioner",
        audit=audit,
        case=case,
        case_type="Child Protection",
        manager=person,
        domains=[(d, {"grade": "Good", "justification": LONG * 3}) for d in framework.domains],
        graded=True,
        impact=LONG * 3,
        views=LONG * 3,
        concern_label="Category 1",
        actions=[(action, person)] * 10,
        no_actions="",
        parts=[LONG] * 4,
    ),
    # Issue 25 (Sefton): the IRO's or conference chair's feedback.
    "iro_request_dm": dict(request=Obj(id=7), case=case, auditor=person, reminder=True),
    "iro_feedback_modal": dict(
        private_metadata='{"iro_feedback_id": 7}',
        case=case,
        auditor=person,
        grades=["&" * 75] * 10,
        no_view=("no_view", "I would rather not give a grade"),
        min_length=20,
    ),
    "iro_feedback_given_dm": dict(
        audience="auditor",
        request=Obj(feedback="<!channel> " + LONG * 3),
        case=case,
        audit=Obj(overall="&" * 75),
        iro=person,
        on_behalf=ON_BEHALF,
        grade_view="&" * 75,
    ),
    "supervision_gap_dm": dict(
        alert=Obj(
            id=3,
            gap_from=date(2026, 3, 2),
            gap_to=date(2026, 11, 27),
            reason="<!channel> " + LONG,
            action="&" * 500,
            action_due=date(2026, 12, 11),
        ),
        case=case,
        manager=person,
        round=2,
        acknowledged_by=None,
    ),
    "supervision_gap_update_dm": dict(
        case=case, acknowledged_by=None, manager=person, recipients=[person] * 40
    ),
    "action_dm": dict(action=action, case=case, set_by=person, source="re-audit", reminder=True),
    "action_done_dm": dict(action=action, owner=person, case=case, on_behalf=ON_BEHALF),
    "alert_dm": dict(alert=alert, case=case, manager=person, round=2, acknowledged_by=None),
    "concern_register_dm": dict(
        open=[a_concern(n) for n in range(20)],
        open_hidden=180,
        closed=[a_concern(n, closed=True) for n in range(10)],
        closed_total=300,
        reviewable=set(range(20)),
        month_ends=[(Month(2026, m), 300 + m) for m in range(6, 12)],
        everyone=True,
    ),
    "concern_review_modal": dict(
        concern=a_concern(1),
        acknowledged_by=person,
        reviewer=no_slack,
        reviewed_on=date(2026, 12, 4),
        min_actions=20,
        private_metadata='{"audit_id": 1}',
    ),
    "concern_closed_dm": dict(
        concern=a_concern(1, closed=True),
        review=a_concern(1, closed=True).review,
        closed_by=person,
        closed_on=date(2026, 12, 18),
    ),
    "alert_update_dm": dict(
        case=case, manager=person, hours=4, recipients=[person, no_slack], acknowledged_by=None
    ),
}


def long_briefing() -> Briefing:
    period = Period.parse("2026-Q4")
    grades = [f"Grade {n} " + "y" * 60 for n in range(10)]
    periods = period.with_previous(3)
    return Briefing(
        period=period,
        as_of=date(2027, 1, 4),
        framework=LONG[:100],
        grade_scale=grades,
        completion=[Completion(p, 900, 500, 200, 3) for p in periods],
        grades=[GradeCounts(p, "Overall", dict.fromkeys(grades, 99)) for p in periods],
        moderation=[
            Moderation(p, dict.fromkeys(grades, 99), dict.fromkeys(grades, 99), 900, 400, 400)
            for p in periods
        ],
        concerns=[ConcernCounts(p, 9, 8, 70, 9, 70, 999) for p in periods],
        register=[],
        engagement=[
            Engagement(group, dict.fromkeys(labels, 300)) for group, labels in ORDER.items()
        ],
        reasons=[],
        actions=[ActionTracker(m, 3000, 1000, 1000) for p in periods for m in p.months],
        reaudit_agreement=[],
        tac_summaries=[TacSummaryCount(f"Team {n}", 4) for n in range(150)],
    )


register_entry = Obj(case_ref="CR-1")
SAMPLES |= {
    "report_briefing_dm": dict(
        briefing=long_briefing(),
        register=[register_entry] * 300,
        good_practice=[register_entry] * 300,
    ),
    "report_reply": dict(briefing=long_briefing()),
}


# -- the App Home tab (issue 11): every part at its longest ------------------------------------
_when = datetime(2026, 12, 10, 10, tzinfo=UTC)
_action = Obj(id=7, what=LONG, due_on=date(2026, 12, 18))
_task = Obj(id=8, due_on=date(2026, 12, 18))
_reaudit = Obj(id=9, due_on=date(2026, 12, 31), status="started", submitted_at=_when)
_alert = Obj(id=10, raised_at=_when)


def home_samples() -> dict[str, dict]:
    """The Home samples; their parts embed blocks rendered now, so a test that changes how
    templates render (e.g. case links) builds them again."""
    parts = {
        "home_manager": dict(
            month="December 2026",
            selection=Obj(status="selected"),
            case_blocks=render("selection_dm", **SAMPLES["selection_dm"])["blocks"][:3],
            actions=[(_action, person, case)] * 8,
            more_actions=40,
            tac_due=_tac_due_blocks(8, "*TAC summaries due*", "…and 40 more"),
            tac_tasks=[(_task, person, case)] * 8,
            more_tac_tasks=40,
            outcomes=[dict(reaudit=_reaudit, case=case, moderator=person, agreed=6, total=7)] * 3,
            audits=[(Obj(id=11, submitted_at=_when, overall=LONG[:75]), case)] * 8,
            more_audits=40,
        ),
        "home_practitioner": dict(
            bookings=[(_when, Obj(id=6, place=LONG, practitioner_reply=None), case, person)] * 8,
            more_bookings=3,
            actions=[(_action, case)] * 8,
            more_actions=40,
            tasks=[(_task, case)] * 8,
            more_tasks=40,
        ),
        "home_oversight": dict(
            reaudits=[(_reaudit, case)] * 8,
            more_reaudits=4,
            overdue=[Obj(label=LONG, owner=person, due_on=date(2026, 12, 1))] * 8,
            more_overdue=90,
            alerts=[(_alert, case)] * 8,
            more_alerts=2,
            today=date(2026, 12, 14),
        ),
        "home_admin": dict(
            status=big_status(),
            not_on_slack=[no_slack] * 8,
            more_not_on_slack=72,
            failed=big_status().failed_deliveries[:8],
            more_failed=12,
            commands=AUDIT_COMMANDS[1:2] + AUDIT_COMMANDS[2:3] + AUDIT_COMMANDS[5:6],
            next_month="January 2027",
        ),
        "home_more": dict(count=12),
    }
    return parts | {
        "home_view": dict(
            person=person,
            unknown=None,
            blocks=[b for name in parts for b in render(name, **parts[name])["blocks"]],
            away=Obj(starts_on=date(2026, 12, 21), ends_on=date(2027, 1, 2)),
            away_cover=person,
        ),
        "home_answer_modal": dict(title="/audit reaudit", blocks=[{"type": "divider"}] * 100),
    }


SAMPLES |= home_samples()
SAMPLES |= oversight_samples(person, case)  # issue 25 (Bolton)
SAMPLES |= round_practice_samples(person, case)  # issue 25 (Halton)


def check_home(rendered):
    """A Home tab (at most 100 blocks, Slack's limit) or a part of one."""
    assert len(rendered["blocks"]) <= 100
    for block in rendered["blocks"]:
        check_block(block)


# Audit rounds (issue 12)
audit_round = Obj(
    name="x" * 40,
    audit_on=date(2027, 1, 11),
    audit_until=date(2027, 1, 15),
    selection_on=date(2026, 12, 7),
    selection_round_id=3,
)
round_case = Obj(
    id=12, selection_id=40, service_area=LONG[:200], attendance="no", attendance_reason=LONG
)
round_context = dict(
    round=audit_round,
    kind="Audit day",
    framework=Policy().rounds.themes["neglect"].model_copy(update={"name": LONG[:150]}),
    round_case=round_case,
    case=case,
    team=Obj(name=LONG[:200]),
    auditor=person,
    practitioner=no_slack,
)
round_line = Obj(
    case_ref="CR-100001",
    service_area=LONG[:200],
    auditor=person,
    practitioner=no_slack,
    attendance="no",
    attendance_reason=LONG,
    audit_status="draft",
)
SAMPLES |= {
    "round_modal": dict(
        kinds=[("audit_day", "Audit day")],
        themes=[("t" * 40, LONG)] * 20,
        case_types=[("CP", "CP")] * 10,
        service_areas=[(LONG[:150], LONG)] * 100,
        teams=[(LONG[:150], LONG)] * 150,
    ),
    "round_auditor_dm": dict(**round_context, audit=None, reminder=None, swapped=False),
    "round_absence_dm": dict(
        **round_context,
        decision=dict(
            choice="swap the case for another",
            swapped=True,
            by=person,
            replacement=round_context,
        ),
    ),
    "round_absence_outcome_dm": dict(
        **round_context,
        reader="auditor",
        decision=dict(
            choice="keep the case and draw another",
            swapped=False,
            by=person,
            replacement=round_context,
        ),
    ),
    "round_attendance_dm": dict(**round_context, audit=None, reminder=2),
    "round_drawn_dm": dict(
        round=audit_round,
        kind="Audit day",
        drawn=3,
        asked=35,
        pool=4000,
        areas=6,
        auditors=35,
        not_on_slack=[LONG[:100]] * 35,
    ),
    "round_decline_modal": dict(case_ref="CR-100001", private_metadata='{"round_case_id": 12}'),
    "away_modal": dict(
        absence=Obj(starts_on=date(2026, 12, 21), ends_on=date(2027, 1, 2)),
        cover_user_id="U0TM00001",
    ),
    "round_status_reply": dict(
        detail=True,
        summaries=[
            Obj(
                round=audit_round,
                kind="Audit day",
                question_set=LONG[:150],
                headline=LONG * 3,
                drawn_yet=True,
                drawn=300,
                confirmed=100,
                declined=100,
                audited=10,
                actions=4,
                actions_done=1,
                findings={LONG[:150]: {"Good": 3, "Inadequate": 1}} | {"q": {}},
                cases=[round_line] * 300,
            )
        ]
        * 3,
    ),
}

# Inadmissible and inadequate audits (issue 21)
_inadmissible = dict(label="Other", note=LONG, by=person, on=date(2026, 12, 20))
SAMPLES |= {
    "audit_inadmissible_modal": dict(
        case=case,
        reasons=[("wrong_case_type", "Wrong case type"), ("other", "Other")],
        min_note=10,
        private_metadata='{"audit_id": 5}',
    ),
    "audit_inadmissible_dm": dict(
        **SAMPLES["audit_result_dm"] | dict(manager=Obj(**vars(person), id=2)),
        team=Obj(name=LONG[:200]),
        reader=Obj(id=1),
        inadmissible=_inadmissible,
    ),
    "audit_inadequate_dm": dict(
        audit=audit,
        case=case,
        team=Obj(name=LONG[:200]),
        auditor=person,
        grade=LONG[:75],
        moderated=True,
        concern_label=CONCERNS["category_1"],
        actions=[(Obj(what="&" * 500, due_on=date(2026, 12, 20)), person)] * 30,
        no_actions=LONG,
    ),
    "case_actions_modal": dict(
        case=case,
        actions=[
            (Obj(id=1, what="&" * 500, due_on=date(2026, 12, 20), done_note=LONG), person, "done")
        ]
        * 300,
        done_by={1: person},
        done=300,
        overdue=0,
    ),
}


def test_every_template_has_a_sample():
    assert sorted(SAMPLES) == template_names()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_templates_fit_block_kit_limits(name):
    rendered = render(name, **SAMPLES[name])
    if rendered.get("type") == "modal":
        check_modal(rendered)
    elif name.startswith("home_"):
        check_home(rendered)
    else:
        assert rendered["text"], "messages need a text fallback for notifications"
        assert len(rendered["blocks"]) <= 50
        for block in rendered["blocks"]:
            check_block(block)


def check_modal(view):
    assert len(view["title"]["text"]) <= 24
    assert all(len(view[key]["text"]) <= 24 for key in ("submit", "close") if key in view)
    assert len(view.get("private_metadata", "")) <= 3000
    assert len(view["blocks"]) <= 100
    for block in view["blocks"]:
        check_block(block)


def check_block(block):
    kind = block["type"]
    if kind == "header":
        assert len(block["text"]["text"]) <= 150
    if kind == "section":
        if "text" in block:
            assert 0 < len(block["text"]["text"]) <= 3000
        assert len(block.get("fields", [])) <= 10
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000
    if kind == "context":
        assert len(block["elements"]) <= 10
        for element in block["elements"]:
            assert len(element["text"]) <= 3000
    if kind == "actions":
        assert len(block["elements"]) <= 25
        for element in block["elements"]:
            assert len(element["text"]["text"]) <= 75 and len(element["value"]) <= 2000
    if kind == "input":
        assert len(block["label"]["text"]) <= 2000


def test_user_text_cannot_forge_mentions_or_links():
    rendered = render("selection_replaced", case_ref="CR-1", month="May", reason="<!channel> <@U1>")
    text = rendered["blocks"][0]["text"]["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert escape_mrkdwn("a & b") == "a &amp; b"


def test_the_status_table_is_split_rather_than_truncated():
    rendered = render("status_programme", status=big_status())
    tables = "".join(
        b["text"]["text"] for b in rendered["blocks"] if "```" in b.get("text", {}).get("text", "")
    )
    assert tables.count("Team ") >= 200
    assert "and 50 more" in str(rendered)
    [away] = [b["text"]["text"] for b in rendered["blocks"] if "*Away now* (40)" in str(b)]
    assert len(away) <= 3000


many_domains = framework.model_copy(
    update={
        "domains_per_step": 8,
        "domains": [
            Domain(id=f"d{n}", title=f"Domain {n} " + "t" * 130, guidance=LONG) for n in range(40)
        ],
    }
)
original = Obj(
    audit=Obj(
        submitted_at=datetime(2026, 10, 20, tzinfo=UTC),
        overall="Good",
        answers={"final": {"no_actions": LONG * 3}},
    ),
    case=case,
    manager=person,
    practitioner=no_slack,
    case_type="Child Protection",
)
reaudit = Obj(
    id=9,
    status="started",
    chosen_because="always_included",
    panel="P" * 60,
    due_on=date(2026, 12, 31),
    submitted_at=None,
    actions_addressed="partly",
    comment=LONG * 3,
    answers={"final": {"addressed_note": LONG * 3}},
    overall_agreed=False,
    overall_grade="Requires improvement to be good",
    overall_reason=LONG * 3,
    overall_moved="down",
)
done_action = Obj(**{**vars(action), "status": "done"})
judgement = Obj(original_grade="Good", moderated_grade="Inadequate", reason=LONG * 3)
SAMPLES |= {
    "reaudit_reply": dict(
        outcome=ReauditOutcome(
            month=Month(2026, 12),
            kind="monthly",
            created=False,
            drawn_at=datetime(2026, 12, 1, tzinfo=UTC),
            drawn_by="ada",
            criteria={
                "sampling": "percent",
                "percent": 30,
                "always_include_overall": ["Outstanding", "Good"],
                "completed_from": "2026-11-01",
                "completed_to": "2026-11-30",
                "pool_size": 400,
                "moderator_role": "service_manager",
                "unassigned": 3,
            },
            moderators=[Obj(name=f"Moderator {n} " + "m" * 60) for n in range(200)],
        )
    ),
    "reaudit_chosen_dm": dict(
        reaudit=reaudit,
        original=original,
        moderator=person,
        panel=reaudit.panel,
        audience="practitioner",
    ),
    "reaudit_moderator_dm": dict(
        reaudit=reaudit,
        moderator=person,
        annual=True,
        original=original,
        domains=[(d, {"grade": "Good"}) for d in many_domains.domains],
        graded=True,
        actions=[(done_action, person)] * 10,
        on_behalf=ON_BEHALF,
    ),
    "reaudit_step_modal": dict(
        private_metadata='{"reaudit_id": 9, "step": 0}',
        step_number=10,
        steps=11,
        case=case,
        framework=many_domains,
        verdicts=VERDICTS,
        title="Moderation",
        domains=many_domains.domains[:8],
        original={d.id: {"grade": "Good", "justification": LONG * 3} for d in many_domains.domains},
        answers={
            d.id: {"verdict": "disagree", "grade": "Inadequate", "reason": LONG * 3}
            for d in many_domains.domains
        },
        overall={
            "key": OVERALL,
            "original": "Good",
            "answer": {"verdict": "disagree", "grade": "Inadequate", "reason": LONG * 3},
        },
    ),
    "reaudit_final_modal": dict(
        private_metadata='{"reaudit_id": 9, "step": 4}',
        step_number=11,
        steps=11,
        case=case,
        framework=framework,
        verdicts=VERDICTS,
        title="Re-audit",
        final={"addressed": "partly", "addressed_note": LONG, "comment": LONG},
        audit=original.audit,
        actions=[(done_action, person)] * 10,
        addressed=ADDRESSED,
        admissibility=ADMISSIBILITY,
        admissible=ADMISSIBLE,
        already_inadmissible=None,
        practitioner=person,
        slots=range(1, 11),
    ),
    "reaudit_result_dm": dict(
        reaudit=reaudit,
        original=original,
        moderator=person,
        agreed=[d.title for d in many_domains.domains],
        changed=[(d.title, judgement) for d in many_domains.domains],
        graded=True,
        actions=[(action, person)] * 10,
        inadmissible=("Other", LONG * 3),
        on_behalf=ON_BEHALF,
    ),
}


def test_the_moderator_dm_after_submission_has_no_start_button():
    submitted = Obj(**{**vars(reaudit), "status": "submitted"})
    submitted.submitted_at = datetime(2026, 12, 20, tzinfo=UTC)
    rendered = render(
        "reaudit_moderator_dm", **{**SAMPLES["reaudit_moderator_dm"], "reaudit": submitted}
    )
    assert "reaudit.start" not in str(rendered) and "Re-audit submitted" in str(rendered)


# -- away and cover, leavers, extensions (issue 13) --
absence = Obj(starts_on=date(2026, 12, 21), ends_on=date(2027, 1, 2))
open_lines = {"lines": [f"• {LONG[:150]} (due Friday 1 January 2027)"] * 20, "total": 300}
extension = Obj(
    id=7,
    working_days=12,
    old_due_on=date(2026, 12, 31),
    new_due_on=date(2027, 1, 19),
    reason=LONG,
    refusal_reason=LONG,
    status="refused",
    decided_by="sam@example.gov.uk",
)
SAMPLES |= {
    "away_cover_dm": dict(person=person, absence=absence, named=None),
    "away_back_dm": dict(absence=absence, cover=person, **open_lines),
    "leaver_handover_dm": dict(leaver=person, **open_lines),
    "extension_dm": dict(
        extension=extension,
        case_ref=case.case_ref,
        month="December 2026",
        manager=person,
        decider=no_slack,
        kind="refused",
        on_behalf=ON_BEHALF,
    ),
    "extension_modal": dict(
        case_ref=case.case_ref,
        due_on=date(2026, 12, 31),
        initial_date=date(2027, 1, 8),
        limit=5,
        latest_on=date(2027, 2, 26),
        min_reason=10,
        private_metadata='{"selection_id": 1}',
    ),
}


@pytest.mark.parametrize("kind", ["granted", "ask", "decided", "approved", "refused"])
def test_every_kind_of_extension_message_fits(kind):
    rendered = render("extension_dm", **{**SAMPLES["extension_dm"], "kind": kind})
    assert len(rendered["text"]) < 3000
    assert all(len(json.dumps(block)) < 3500 for block in rendered["blocks"])
    assert ("extension.approve" in json.dumps(rendered)) == (kind == "ask")


def test_a_cover_sees_a_colleagues_items_after_their_own_marked_within_50_blocks():
    route = Route(Obj(id=7, name="Nina North"), Obj(id=8), Obj(ends_on=date(2026, 12, 18)))
    theirs = [
        replace(overdue(n, kind="audit_overdue", more_time=True), covering=route)
        for n in range(100)
    ]
    mine = [overdue(1000, kind="action_overdue")]
    escalated = [h for h in a_great_many_overdue_items() if h.escalated]
    rendered = render("chase_dm", **chase_context(theirs + mine + escalated))
    text = json.dumps(rendered, ensure_ascii=False)
    assert len(rendered["blocks"]) <= 50
    assert rendered["text"] == "Covering for Nina North: 100 overdue items · 1 overdue item for you"
    assert "*101 overdue items:* 1 of yours; 100 of Nina North's, as you are covering" in text
    first, second = [b["text"]["text"] for b in rendered["blocks"][2:4]]
    assert "For Nina" not in first and "For Nina North · due" in second  # mine first
    assert "…and 96 more (audit to submit: 96)" in text


def test_an_import_check_with_no_problem_offers_import_and_one_with_problems_does_not():
    fine = render("import_check_dm", check=IMPORT_CHECK, problems=[], problems_total=0, keep_days=7)
    [button] = [e for b in fine["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["value"]) == ("import.confirm", "12")
    assert "1 new, 2 updated, 3 unchanged" in fine["text"] and "<!channel>" not in fine["text"]
    bad = render("import_check_dm", **SAMPLES["import_check_dm"])
    assert not [b for b in bad["blocks"] if b["type"] == "actions"]
    assert "all 500 are in the attached file" in json.dumps(bad)


@pytest.mark.parametrize("outcome", ["imported", "rejected", "missing"])
def test_every_nightly_import_message_fits_and_escapes_names(outcome):
    sample = {**SAMPLES["nightly_import_dm"], "outcome": outcome, "folder": "/srv/<!here>"}
    rendered = render("nightly_import_dm", **{**sample, "report": IMPORT_CHECK})
    assert rendered["text"] and len(rendered["blocks"]) <= 50
    for block in rendered["blocks"]:
        check_block(block)
    assert "<!channel>" not in json.dumps(rendered) and "<!here>" not in json.dumps(rendered)
