"""Moderation choices through the signed HTTP endpoint: the moderator's overall judgement and
"this audit cannot be used" in the re-audit form; `every_audit` sampling (each audit given out
as it is submitted); the moderation window; and a moderation panel sharing the re-audits, where
the first member to submit wins, even when two submit at once."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.core.calendar import LONDON
from bot.demo.slack_requests import view_submission_body
from bot.policy.schema import ModerationPanel, Policy, ReauditPolicy
from bot.reaudit.rules import OVERALL
from models import Audit, AuditLogEntry, ModeratedJudgement, Reaudit, ReauditRound
from scheduler.jobs import run_due_work
from tests.support import factories
from tests.support.harness import Clock, click_for_view, ephemeral_replies, updates_of
from tests.support.reliability import burst, fill

pytestmark = pytest.mark.integration
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
DECEMBER_1 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
DECEMBER_2 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
REASON = "Visits are recorded weeks late, so the child's story can't be followed from the file."
WHY = "The plan is clear and reviewed monthly; the child's voice is recorded throughout."
LOWER = "Requires improvement to be good"
NOTE = "The chronology and the last two child protection plans are missing from the file."
PANEL = "Moderation group"


def uid(bot, key):
    return bot.people[key].slack_user_id


def with_october_audits(session):
    """The authority, another service manager, and an audit of each team manager's submitted
    in October (CR-OCT01 by the north team's, CR-OCT02 by the south team's)."""
    people = factories.authority(session, cases_per_team=2)
    people["other_sm"] = factories.person(session, "Ruth Other", "service_manager")
    for number, team in ((1, "north"), (2, "south")):
        case = factories.case(session, people[team], people[f"{team}_worker"], f"CR-OCT0{number}")
        factories.submitted_audit(
            session, people[f"{team}_tm"], case, datetime(2026, 10, 20 + number, 14, tzinfo=UTC)
        )
    return people


def with_a_panel(session):
    """As `with_october_audits`, with an external moderator (a Slack guest with a staff row and
    no role) and a panel member who is not on Slack."""
    people = with_october_audits(session)
    people["external"] = factories.person(session, "Eve External", "", slack_user_id="W0GUEST01")
    people["offline"] = factories.person(session, "Otto Offline", "", slack_user_id=None)
    return people


def panel_policy(**reaudit):
    members = [
        "sam.service@example.gov.uk",
        "ghost@example.gov.uk",  # no staff row: logged and skipped
        "ruth.other@example.gov.uk",
        "otto.offline@example.gov.uk",  # not on Slack: logged and skipped
        "eve.external@example.gov.uk",
    ]
    return Policy(
        reaudit=ReauditPolicy(
            moderator_role="panel", panel=ModerationPanel(name=PANEL, members=members), **reaudit
        )
    )


@pytest.fixture
def running(start_bot):
    return start_bot(Clock(DECEMBER_1), people=with_october_audits)


def draw(bot):
    return bot.command(uid(bot, "admin"), "reaudit 2026-12")


def reaudits(bot):
    with bot.services.make_session() as session:
        return session.exec(select(Reaudit).order_by(Reaudit.id)).all()


def reaudit_of(bot, case_ref):
    with bot.services.make_session() as session:
        audit_id = audit_of(bot, case_ref).id
        return session.exec(select(Reaudit).where(Reaudit.audit_id == audit_id)).one()


def audit_of(bot, case_ref):
    from models import Case, Selection

    with bot.services.make_session() as session:
        return session.exec(
            select(Audit)
            .join(Selection, Selection.id == Audit.selection_id)
            .join(Case, Case.id == Selection.case_id)
            .where(Case.case_ref == case_ref)
        ).one()


def logged(bot, action):
    with bot.services.make_session() as session:
        return session.exec(select(AuditLogEntry).where(AuditLogEntry.action == action)).all()


# -- the moderator's form ------------------------------------------------------------------------


def open_reaudit(bot, who="service_manager", case_ref="CR-OCT01"):
    """Click Start (or Resume) on the person's DM about the case's re-audit; the form."""
    user = uid(bot, who)
    [message] = [m for m in bot.dms_containing(user, "reaudit.start") if case_ref in m["text"]]
    return click_for_view(bot, user, message, "reaudit.start", "reaudit.step")


def step_answers(view, overall="agree", grade=None, why=None):
    """Agree with every domain of the step; the overall judgement (if asked) as given."""
    answers = {
        block["block_id"]: "agree"
        for block in view["blocks"]
        if block.get("block_id", "").startswith("verdict__")
    }
    if f"verdict__{OVERALL}" in answers:
        answers |= {
            f"verdict__{OVERALL}": overall,
            f"grade__{OVERALL}": grade,
            f"why__{OVERALL}": why,
        }
    return fill(view, answers)


def next_step(bot, view, values, who="service_manager"):
    answer = bot.submit(uid(bot, who), view, values)
    assert answer.json and answer.json["response_action"] == "update", answer.body
    return {**answer.json["view"], "id": view["id"]}


def to_the_overall_step(bot, view, who="service_manager"):
    """Agree with each domain up to the step that asks about the overall judgement."""
    while not any(b.get("block_id") == f"verdict__{OVERALL}" for b in view["blocks"]):
        view = next_step(bot, view, step_answers(view), who)
    return view


def to_the_last_step(bot, view, who="service_manager"):
    while view["submit"]["text"] != "Submit the re-audit":
        view = next_step(bot, view, step_answers(view), who)
    return view


def final_answers(view, admissible="admissible", note=None):
    return fill(
        view,
        {
            "addressed": "yes",
            "comment": "A careful audit; the grades are fair.",
            "admissible": admissible,
            "inadmissible_note": note,
        },
    )


def outcome_dm(bot, who, case_ref="CR-OCT01"):
    [outcome] = bot.dms_containing(uid(bot, who), f"The re-audit of {case_ref} is complete")
    return json.dumps(outcome["blocks"], ensure_ascii=False)


def test_the_moderator_agrees_with_the_overall_judgement(running):
    draw(running)
    view = to_the_overall_step(running, open_reaudit(running))
    assert view["title"]["text"] == "Re-audit: step 4 of 5"
    assert "*The audit's overall judgement:* Good" in json.dumps(view["blocks"])
    last = next_step(running, view, step_answers(view))
    assert not running.submit(uid(running, "service_manager"), last, final_answers(last)).body

    reaudit = reaudit_of(running, "CR-OCT01")
    assert reaudit.status == "submitted"
    assert (
        reaudit.overall_agreed,
        reaudit.overall_grade,
        reaudit.overall_reason,
        reaudit.overall_moved,
    ) == (True, "Good", None, None)
    assert not audit_of(running, "CR-OCT01").is_inadmissible
    for person in ("north_tm", "north_worker"):
        shown = outcome_dm(running, person)
        assert "*Overall judgement:* agreed, Good" in shown
        assert "cannot be used" not in shown


def test_a_different_overall_judgement_needs_a_grade_and_a_reason(running):
    draw(running)
    view = to_the_overall_step(running, open_reaudit(running))
    moderator = uid(running, "service_manager")
    errors = running.submit(moderator, view, step_answers(view, None)).json["errors"]
    assert errors == {
        f"verdict__{OVERALL}": "Please say whether you agree with the overall judgement."
    }
    errors = running.submit(moderator, view, step_answers(view, "disagree", LOWER)).json["errors"]
    assert errors == {
        f"why__{OVERALL}": "Please say why you disagree: a changed judgement needs a reason."
    }
    errors = running.submit(moderator, view, step_answers(view, "disagree", None, REASON))
    assert "choose the grade you would give" in errors.json["errors"][f"grade__{OVERALL}"]
    errors = running.submit(moderator, view, step_answers(view, "disagree", "Good", REASON))
    assert "That is the original grade" in errors.json["errors"][f"grade__{OVERALL}"]
    # Resuming returns to the unanswered overall judgement, with what was typed.
    resumed = open_reaudit(running)
    assert resumed["title"]["text"] == "Re-audit: step 4 of 5"
    why = next(b for b in resumed["blocks"] if b.get("block_id") == f"why__{OVERALL}")
    assert why["element"]["initial_value"] == REASON

    last = next_step(running, resumed, step_answers(resumed, "disagree", LOWER, REASON))
    assert not running.submit(moderator, last, final_answers(last)).body
    reaudit = reaudit_of(running, "CR-OCT01")
    assert (
        reaudit.overall_agreed,
        reaudit.overall_grade,
        reaudit.overall_reason,
        reaudit.overall_moved,
    ) == (False, LOWER, REASON, "down")
    with running.services.make_session() as session:
        judgements = session.exec(select(ModeratedJudgement)).all()
    assert len(judgements) == 7 and all(j.agreed for j in judgements)
    shown = outcome_dm(running, "north_tm")
    assert f"*Overall judgement:* Good → {LOWER} (moved down)" in shown and REASON in shown


def test_the_moderator_marks_the_audit_inadmissible(running):
    draw(running)
    last = to_the_last_step(running, open_reaudit(running))
    question = next(b for b in last["blocks"] if b.get("block_id") == "admissible")
    assert question["element"]["initial_option"]["value"] == "admissible"
    assert {o["value"] for o in question["element"]["options"]} == {
        "admissible",
        "wrong_case_type",
        "file_incomplete",
        "case_transferred",
        "other",
    }
    moderator = uid(running, "service_manager")
    errors = running.submit(moderator, last, final_answers(last, "other")).json["errors"]
    assert errors == {"inadmissible_note": "Please say why this audit cannot be used."}
    assert reaudit_of(running, "CR-OCT01").status == "started"

    answers = final_answers(last, "file_incomplete", NOTE)
    assert not running.submit(moderator, last, answers).body
    audit = audit_of(running, "CR-OCT01")
    assert (audit.inadmissible_reason, audit.inadmissible_note) == ("file_incomplete", NOTE)
    assert audit.inadmissible_by == running.people["service_manager"].id
    assert reaudit_of(running, "CR-OCT01").status == "submitted"
    assert len(logged(running, "audit.inadmissible")) == 1
    for person in ("north_tm", "north_worker"):
        shown = outcome_dm(running, person)
        assert "*This audit cannot be used:* File incomplete" in shown and NOTE in shown


# -- every_audit ---------------------------------------------------------------------------------


def every_audit_bot(start_bot, **reaudit):
    """December drawn (on Friday 27 November) for an authority with four cases a team, whose
    policy moderates every audit; the clock then on Wednesday 2 December."""
    clock = Clock(FRIDAY)
    policy = Policy(reaudit=ReauditPolicy(sampling="every_audit", **reaudit))
    bot = start_bot(clock, policy=policy, people=lambda s: factories.authority(s, cases_per_team=4))
    bot.command(uid(bot, "admin"), "select 2026-12")
    clock.now = DECEMBER_2
    return bot


def audit_to_submit(bot, manager_key, worker_key):
    """The team manager's audit of their selected case, every domain answered: the last step's
    form, and its answers."""
    manager = uid(bot, manager_key)
    view = click_for_view(bot, manager, bot.dms_to(manager)[0], "audit.start", "audit.step")
    while view["submit"]["text"] != "Submit the audit":
        answers = {
            block["block_id"]: "Good" if block["block_id"].startswith("grade__") else WHY
            for block in view["blocks"]
            if block.get("block_id", "").startswith(("grade__", "why__"))
        }
        answer = bot.submit(manager, view, fill(view, answers))
        view = {**answer.json["view"], "id": view["id"]}
    answers = {
        "impact": "She is safer at home now.",
        "views": "She says school feels calmer.",
        "overall": "Good",
        "concern": "none",
        "action_what_1": "Update the chronology",
        "action_owner_1": uid(bot, worker_key),
        "action_due_1": "2026-12-18",
    }
    return view, fill(view, answers)


def submit_audit(bot, manager_key="north_tm", worker_key="north_worker"):
    view, values = audit_to_submit(bot, manager_key, worker_key)
    assert not bot.submit(uid(bot, manager_key), view, values).body


def test_every_audit_goes_for_moderation_as_soon_as_it_is_submitted(start_bot):
    bot = every_audit_bot(start_bot)
    assert reaudits(bot) == []
    submit_audit(bot)
    [reaudit] = reaudits(bot)
    assert reaudit.moderator_id == bot.people["service_manager"].id
    assert reaudit.chosen_because == "every_audit" and reaudit.panel is None
    assert reaudit.due_on == date(2027, 1, 29)  # no window: January's last working day
    sam = uid(bot, "service_manager")
    [moderator_dm] = bot.dms_containing(sam, "reaudit.start")
    assert "Every audit is moderated." in json.dumps(moderator_dm["blocks"])
    assert bot.dms_containing(uid(bot, "north_tm"), "has been chosen for re-audit")
    assert bot.dms_containing(uid(bot, "north_worker"), "has been chosen for re-audit")

    submit_audit(bot, "south_tm", "south_worker")
    assert len(reaudits(bot)) == 2
    with bot.services.make_session() as session:
        [reaudit_round] = session.exec(select(ReauditRound)).all()
    assert (reaudit_round.kind, reaudit_round.month) == ("monthly", "2026-12")
    assert reaudit_round.criteria["sampling"] == "every_audit"
    assert {r.round_id for r in reaudits(bot)} == {reaudit_round.id}

    # The monthly draw adds nothing: by hand it says why; the scheduler does not draw.
    reply = bot.command(uid(bot, "admin"), "reaudit 2026-12").text
    assert "Every audit is moderated" in reply and "2 audits sent for moderation so far" in reply
    january = datetime(2027, 1, 4, 9, 30, tzinfo=LONDON)
    bot.services.clock.now = january
    assert run_due_work(bot.services, january).drew_reaudits == []
    assert len(reaudits(bot)) == 2
    assert "no draw to make" in bot.command(uid(bot, "admin"), "reaudit").text


def test_a_double_submission_retried_by_slack_gives_the_audit_out_once(start_bot):
    bot = every_audit_bot(start_bot)
    view, values = audit_to_submit(bot, "north_tm", "north_worker")
    body = view_submission_body(user_id=uid(bot, "north_tm"), view=view, values=values)
    assert all(answer.status == 200 for answer in burst(bot, body, copies=2, retries=1))
    bot.wait_until_sent()
    assert len(reaudits(bot)) == 1
    assert len(bot.dms_containing(uid(bot, "service_manager"), "reaudit.start")) == 1
    assert len(bot.dms_containing(uid(bot, "north_tm"), "has been chosen for re-audit")) == 1
    assert len(logged(bot, "reaudit.every_audit")) == 1


def test_two_audits_of_a_new_month_submitted_at_once_share_one_round(start_bot):
    """Both make December's re-audit round; one loses on its unique (kind, month), and is run
    again to join the other's."""
    bot = every_audit_bot(start_bot)
    bodies = [
        view_submission_body(user_id=uid(bot, manager), view=view, values=values)
        for manager, (view, values) in (
            ("north_tm", audit_to_submit(bot, "north_tm", "north_worker")),
            ("south_tm", audit_to_submit(bot, "south_tm", "south_worker")),
        )
    ]
    answers = at_once(bot, bodies)
    assert [answer.body for answer in answers] == ["", ""]
    with bot.services.make_session() as session:
        [reaudit_round] = session.exec(select(ReauditRound)).all()
    assert [r.round_id for r in reaudits(bot)] == [reaudit_round.id] * 2


def at_once(bot, bodies):
    """Post the signed `bodies` together, each from its own thread, released at once."""
    start = threading.Barrier(len(bodies))

    def send(body):
        start.wait()
        return bot.post(body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies))


def test_with_a_window_every_audit_is_due_when_moderation_closes(start_bot):
    """Moderation of December's audits closes on the 10th of January, a Sunday: Monday 11th."""
    bot = every_audit_bot(start_bot, moderation_window_day=10)
    submit_audit(bot)
    [reaudit] = reaudits(bot)
    assert reaudit.due_on == date(2027, 1, 11)


def test_with_a_window_the_first_working_day_draw_is_due_when_moderation_closes(start_bot):
    policy = Policy(reaudit=ReauditPolicy(moderation_window_day=10))
    bot = start_bot(Clock(DECEMBER_1), policy=policy, people=with_october_audits)
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=LONDON)
    bot.services.clock.now = moment
    assert "drew 2 monthly re-audit(s)" in run_due_work(bot.services, moment).summary()
    assert {r.due_on for r in reaudits(bot)} == {date(2026, 12, 10)}


# -- a moderation panel --------------------------------------------------------------------------


@pytest.fixture
def panel(start_bot):
    return start_bot(Clock(DECEMBER_1), policy=panel_policy(), people=with_a_panel)


def test_a_panel_shares_the_re_audits_and_tells_every_member(panel, caplog):
    assert "2 audits chosen" in draw(panel).text
    skipped = caplog.text
    assert "ghost@example.gov.uk is not on the staff list; skipped" in skipped
    assert "otto.offline@example.gov.uk is not on Slack; skipped" in skipped
    north, south = reaudit_of(panel, "CR-OCT01"), reaudit_of(panel, "CR-OCT02")
    assert north.panel == south.panel == PANEL
    # In turn, in the panel's order (those not on the staff list or on Slack skipped).
    assert north.moderator_id == panel.people["service_manager"].id
    assert south.moderator_id == panel.people["other_sm"].id
    for member in ("service_manager", "other_sm", "external"):
        given = panel.dms_containing(uid(panel, member), "reaudit.start", count=2)
        assert len(given) == 2, member
        shown = json.dumps(given[0]["blocks"])
        assert f"The *{PANEL}* has been asked to re-audit" in shown
        assert "Any member of the panel may take it" in shown
    [chosen] = panel.dms_containing(uid(panel, "north_tm"), "has been chosen for re-audit")
    assert f"The {PANEL} will moderate it" in json.dumps(chosen["blocks"])
    assert panel.people["offline"].slack_user_id is None


def test_any_member_may_take_it_and_a_second_submission_changes_nothing(panel):
    draw(panel)
    sams_view = open_reaudit(panel, "service_manager")
    # The external moderator (a guest) takes the north audit's re-audit from Sam.
    last = to_the_last_step(panel, open_reaudit(panel, "external"), "external")
    assert not panel.submit(uid(panel, "external"), last, final_answers(last)).body
    reaudit = reaudit_of(panel, "CR-OCT01")
    assert reaudit.status == "submitted"
    assert reaudit.moderator_id == panel.people["external"].id
    assert "<@W0GUEST01> has re-audited" in outcome_dm(panel, "north_tm")

    refused = panel.submit(uid(panel, "service_manager"), sams_view, step_answers(sams_view))
    [message] = refused.json["errors"].values()
    assert (
        message
        == "This re-audit has already been moderated by Eve External: nothing has been changed."
    )
    after = reaudit_of(panel, "CR-OCT01")
    assert after.answers == reaudit.answers and after.moderator_id == reaudit.moderator_id
    assert len(logged(panel, "reaudit.submit")) == 1
    # Each member's DM now says who submitted it.
    for member in ("service_manager", "other_sm", "external"):
        [given] = [
            m
            for m in panel.dms_containing(uid(panel, member), "CR-OCT01")
            if "reaudit.start" in json.dumps(m)
        ]
        assert panel.slack.wait_for(
            lambda given=given: (
                "Re-audit submitted* by" in json.dumps(updates_of(panel, given["ts"])[-1:])
            )
        ), member
    # Someone outside the panel may not open it.
    [head_dm] = panel.dms_containing(uid(panel, "service_manager"), "CR-OCT02")[:1]
    panel.click(uid(panel, "head"), head_dm, "reaudit.start")
    assert panel.slack.wait_for(lambda: len(ephemeral_replies(panel)) == 1)
    assert "Only a member of the moderation panel" in ephemeral_replies(panel)[0]


def test_two_members_submitting_at_once_moderate_it_once(panel):
    draw(panel)
    sams_last = to_the_last_step(panel, open_reaudit(panel, "service_manager"))
    ruths_last = open_reaudit(panel, "other_sm")  # the shared draft: straight to the last step
    assert ruths_last["submit"]["text"] == "Submit the re-audit"
    bodies = [
        view_submission_body(user_id=uid(panel, who), view=view, values=final_answers(view))
        for who, view in (("service_manager", sams_last), ("other_sm", ruths_last))
    ]
    answers = at_once(panel, bodies)
    assert all(answer.status == 200 for answer in answers)
    closed = [answer for answer in answers if not answer.body]
    refused = [answer for answer in answers if answer.body]
    assert len(closed) == 1 and len(refused) == 1
    assert "already been moderated by" in refused[0].body
    panel.wait_until_sent()

    reaudit = reaudit_of(panel, "CR-OCT01")
    assert reaudit.status == "submitted"
    assert reaudit.moderator_id in (panel.people["service_manager"].id, panel.people["other_sm"].id)
    with panel.services.make_session() as session:
        judgements = session.exec(
            select(ModeratedJudgement).where(ModeratedJudgement.reaudit_id == reaudit.id)
        ).all()
    assert len(judgements) == 7
    assert len(logged(panel, "reaudit.submit")) == 1
    for person in ("north_tm", "north_worker"):
        assert (
            len(panel.dms_containing(uid(panel, person), "re-audit of CR-OCT01 is complete")) == 1
        )


def test_an_overdue_panel_re_audit_is_chased_to_its_assigned_moderator(panel):
    draw(panel)
    moment = datetime(2027, 1, 5, 10, 0, tzinfo=LONDON)  # due Thursday 31 December
    panel.services.clock.now = moment
    run_due_work(panel.services, moment)
    panel.wait_until_sent()
    sam, ruth = uid(panel, "service_manager"), uid(panel, "other_sm")
    assert panel.dms_containing(sam, "Re-audit the audit of CR-OCT01")
    assert not [
        m for m in panel.dms_to(ruth, 2) if "Re-audit the audit of CR-OCT01" in json.dumps(m)
    ]


def test_every_member_of_the_panel_finds_its_re_audits_on_their_home_tab(panel):
    """Not only the member each was assigned to: the external moderator, a guest with no role,
    sees both too, and after one is submitted it leaves everyone's list."""
    draw(panel)
    for member in ("service_manager", "other_sm", "external"):
        home = json.dumps(panel.open_home(uid(panel, member), event_id=f"Ev-{member}"))
        assert "CR-OCT01" in home and "CR-OCT02" in home, member
    last = to_the_last_step(panel, open_reaudit(panel, "external"), "external")
    assert not panel.submit(uid(panel, "external"), last, final_answers(last)).body
    home = json.dumps(panel.open_home(uid(panel, "other_sm"), event_id="Ev-after"))
    assert "CR-OCT01" not in home and "CR-OCT02" in home
