"""A month under each council's preset (`auditbot init --preset NAME`), through the signed HTTP
endpoint and the Slack stand-in: what that council's document says happens does.

Each test writes the preset as a council would, loads it as AUDITBOT_CONFIG is loaded, and
plays a small authority through the days that matter (the scheduler's sweep only on those days):
who is drawn, what the audit form asks, who moderates, who is alerted and chased, and the
briefing. Staff named in a preset by placeholder email (panels, audit teams) are on the staff
list with those emails, as a council's would be after editing them in.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from bot.policy.presets import placeholder_emails, preset_text, write_preset
from bot.policy.schema import Policy, load_policy
from models import Audit, Case, Reaudit, RoundCase, Selection, SelectionRound, Staff, Team
from tests.support import factories
from tests.support.gloucestershire import (
    dm_with,
    next_step,
    slack_id,
    staff_member,
    submit_form,
    tick,
)
from tests.support.harness import Clock, click_for_view

pytestmark = pytest.mark.integration
TEXT = "The record shows purposeful visits and a plan the child understands, reviewed monthly."
CONCERN = "The child is not safe at home tonight: no safety plan is in place."
AREAS = ("Safeguarding", "Children in care", "Family support")


def utc(year: int, month: int, day: int, hour: int = 9, minute: int = 30) -> datetime:
    """A moment in UTC: 09:30 in winter is 09:30 in London, in summer 10:30 (after every
    default 09:00 job of the day)."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def preset_policy(name: str, tmp_path: Path) -> Policy:
    return load_policy(write_preset(name, tmp_path / f"{name}.yaml"))


# -- the authority ------------------------------------------------------------------------------


def authority(name: str, policy: Policy, cases_per_team: int = 8):
    """A builder of three teams (one per service area), a team manager and two practitioners in
    each, `cases_per_team` open cases cycling through the policy's case types, two heads of
    service, a service manager, an administrator, and everyone the preset names by a placeholder
    email (in any setting: a council replaces them with its own people)."""

    def build(session: Session) -> dict[str, Any]:
        people: dict[str, Any] = {}

        def person(key, email, roles, team=None, manager=None, guest=False) -> Staff:
            name = email.split("@")[0].replace(".", " ").title()
            people[key] = staff_member(session, email, name, roles, team, manager, guest)
            return people[key]

        person("admin", "ada.admin@staff.example", "admin")
        head = person("head", "hana.head@staff.example", "head_of_service")
        person("head_2", "hugo.head@staff.example", "head_of_service")
        service_manager = person("sm", "sam.service@staff.example", "service_manager", None, head)
        types = policy.case_types
        for number, area in enumerate(AREAS, start=1):
            team = Team(name=f"{area} team", service_area=area, team_type="short_term")
            session.add(team)
            session.flush()
            manager = person(f"tm{number}", f"tm.{number}@staff.example", "team_manager", team,
                             service_manager)  # fmt: skip
            workers = [
                person(f"sw{number}{n}", f"sw.{number}.{n}@staff.example", "practitioner", team,
                       manager)
                for n in (1, 2)
            ]  # fmt: skip
            people[f"team{number}"] = team
            for index in range(cases_per_team):
                factories.case(
                    session, team, workers[index % 2], ref=f"CR-{number}{index:02d}",
                    case_type=types[index % len(types)], opened_on=date(2025, 6, 2),
                )  # fmt: skip
        for index, email in enumerate(placeholder_emails(preset_text(name))):
            external = not email.endswith("@council.example")
            person(f"placeholder{index}", email, "", guest=external)
        return people

    return build


def earlier_audits(bot, month_day: datetime, overalls: list[str]) -> list[Audit]:
    """Audits completed before the month played (written into the tables), one per case of the
    first teams' managers in turn, judged as `overalls`."""
    made = []
    with bot.services.make_session() as session:
        managers = [bot.people[f"tm{n}"] for n in (1, 2, 3)]
        for index, overall in enumerate(overalls):
            manager = managers[index % 3]
            case = session.exec(
                select(Case).where(Case.team_id == manager.team_id).order_by(col(Case.id))
            ).all()[index // 3]
            audit = factories.submitted_audit(
                session, session.get(Staff, manager.id), case, month_day, overall=overall
            )
            made.append(audit)
        session.commit()
        for audit in made:
            session.refresh(audit)
            session.expunge(audit)
    return made


# -- acting through Slack -----------------------------------------------------------------------


def answers_for(view: dict, given: dict[str, Any], grade: str | None = None) -> dict[str, Any]:
    """Answers for every required input of a form step: `given` ones as given, grades as
    `grade` (when it is one of the choices), and the rest a first choice or a sentence."""
    answers = dict(given)
    for block in view["blocks"]:
        block_id = block.get("block_id", "")
        if block.get("type") != "input" or block.get("optional") or block_id in answers:
            continue
        element = block["element"]
        options = element.get("options") or [
            option for group in element.get("option_groups", []) for option in group["options"]
        ]
        values = [option["value"] for option in options]
        if element["type"] in ("static_select", "radio_buttons"):
            answers[block_id] = grade if grade in values else values[0]
        elif element["type"] == "checkboxes":
            answers[block_id] = values[:1]
        elif element["type"] == "plain_text_input":
            answers[block_id] = TEXT
    return answers


def audit_case(bot, user: str, message: dict, *, grade: str | None, owner: str, due: str,
               concern: str = "none") -> list[dict]:  # fmt: skip
    """Open the audit from `message`, answer every step (each domain graded `grade`), and submit
    it with one action for `owner`; the steps' views."""
    views = [click_for_view(bot, user, message, "audit.start", "audit.step")]
    while views[-1]["submit"]["text"] != "Submit the audit":
        views.append(next_step(bot, user, views[-1], answers_for(views[-1], {}, grade)))
    final = {
        "concern": concern,
        "concern_note": CONCERN if concern != "none" else None,
        "action_what_1": "Update the child's plan with the audit's reflections",
        "action_owner_1": owner,
        "action_due_1": due,
        "iro_not_asked": "The IRO was on leave throughout the audit window.",
    }
    if grade is not None:
        final["overall"] = grade
    submit_form(bot, user, views[-1], answers_for(views[-1], final, grade))
    return views


def labels(views: list[dict]) -> str:
    """All the text of a form's steps."""
    return json.dumps([view["blocks"] for view in views])


def grade_choices(view: dict) -> list[list[str]]:
    return [
        [option["value"] for option in block["element"]["options"]]
        for block in view["blocks"]
        if block.get("block_id", "").startswith("grade__")
    ]


def uid(bot, key: str) -> str:
    return bot.people[key].slack_user_id


def drawn_this_month(bot, month: str) -> list[tuple[str, str, str]]:
    """(team manager key, case reference, case type) of the month's monthly draw."""
    keys = {person.id: key for key, person in bot.people.items() if isinstance(person, Staff)}
    with bot.services.make_session() as session:
        rows = session.exec(
            select(Selection.manager_id, Case.case_ref, Case.case_type)
            .join(Case, col(Case.id) == Selection.case_id)
            .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
            .where(SelectionRound.month == month, Selection.status == "selected")
        ).all()
    return sorted((keys[manager], ref, kind) for manager, ref, kind in rows)


def reaudits(bot) -> list[tuple[str, str | None]]:
    """(case reference of the audit, moderator's email) of every re-audit, oldest first."""
    with bot.services.make_session() as session:
        rows = session.exec(
            select(Case.case_ref, Reaudit.moderator_id)
            .join(Audit, col(Audit.id) == Reaudit.audit_id)
            .join(Selection, col(Selection.id) == Audit.selection_id)
            .join(Case, col(Case.id) == Selection.case_id)
            .order_by(col(Reaudit.id))
        ).all()
        return [
            (ref, session.get(Staff, moderator).email if moderator else None)
            for ref, moderator in rows
        ]


def round_cases(bot) -> list[tuple[str, str, str, str]]:
    """(round name, auditor's email, case reference, case type) of every round case."""
    from models import AuditRound

    with bot.services.make_session() as session:
        rows = session.exec(
            select(AuditRound.name, Staff.email, Case.case_ref, Case.case_type)
            .join(RoundCase, col(RoundCase.round_id) == AuditRound.id)
            .join(Staff, col(Staff.id) == RoundCase.auditor_id)
            .join(Case, col(Case.id) == RoundCase.case_id)
            .order_by(col(RoundCase.id))
        ).all()
    return [tuple(row) for row in rows]


def briefing_to(bot, user: str, month_label: str) -> str:
    return json.dumps(dm_with(bot, user, f"QA briefing for {month_label}"))


# -- Stockport (000) ----------------------------------------------------------------------------


def test_stockport_month(start_bot, tmp_path):
    """March 2027: each team manager gets a CP or LAC case on the 1st; service managers re-audit
    one audit per manager from January; the Monday TAC DM; the ten-domain Journey of the Child
    tool with equality and diversity; the audit not submitted in March is chased; the briefing."""
    policy = preset_policy("stockport", tmp_path)
    bot = start_bot(Clock(utc(2027, 2, 26)), policy=policy, people=authority("stockport", policy))
    january = earlier_audits(bot, utc(2027, 1, 20, 14), ["Good", "Requires improvement to be good",
                                                         "Good"])  # fmt: skip
    tick(bot, utc(2027, 3, 1))  # Monday: the draw at 08:00, re-audits and TAC at 09:00
    bot.wait_until_sent()

    drawn = drawn_this_month(bot, "2027-03")
    assert [key for key, _, _ in drawn] == ["tm1", "tm2", "tm3"]
    assert {kind for _, _, kind in drawn} <= {"CP", "LAC"}, "TAC cases have their summaries"
    # Service managers re-audit one of each manager's audits of one to two months before.
    assert sorted(email for _, email in reaudits(bot)) == ["sam.service@staff.example"] * 3
    assert len(january) == 3 and dm_with(bot, uid(bot, "sm"), "Re-audit to do")
    tac = dm_with(bot, uid(bot, "tm1"), "to consider in supervision this week")
    assert "CR-1" in json.dumps(tac)

    manager, ref = uid(bot, "tm1"), drawn[0][1]
    case_dm = dm_with(bot, manager, "Your case for the March 2027 audit", ref)
    assert "an hour" in json.dumps(case_dm)
    steps = audit_case(bot, manager, case_dm, grade="Good", owner=uid(bot, "sw11"),
                       due="2027-04-30")  # fmt: skip
    assert len(grade_choices(steps[0])) == 2  # two domains a step
    assert "Equality and diversity" in labels(steps)
    assert "Exit from the child protection system" in labels(steps)
    assert grade_choices(steps[0])[0] == policy.framework.grades

    tick(bot, utc(2027, 4, 1, 10, 30))  # Thursday: March's briefing; the first nudges
    briefing = briefing_to(bot, uid(bot, "admin"), "March 2027")
    assert "3 identified" in briefing and "1 completed within timescale" in briefing
    assert dm_with(bot, uid(bot, "head"), "QA briefing for March 2027")
    assert dm_with(bot, uid(bot, "tm2"), "overdue")


# -- Bolton (001) -------------------------------------------------------------------------------


def test_bolton_month(start_bot, tmp_path):
    """March 2027: the monthly random sample to team managers; the whole-file audit drawn on the
    1st, one case per auditor, never their own team's; the month's thematic audit for the heads
    of service; heads of service moderate; an urgent concern goes to the team manager and the
    head of service; the briefing with the rounds."""
    policy = preset_policy("bolton", tmp_path)
    bot = start_bot(Clock(utc(2027, 2, 26)), policy=policy, people=authority("bolton", policy))
    earlier_audits(bot, utc(2027, 1, 20, 14), ["Good", "Good", "Inadequate"])
    tick(bot, utc(2027, 3, 1))
    bot.wait_until_sent()

    drawn = drawn_this_month(bot, "2027-03")
    assert [key for key, _, _ in drawn] == ["tm1", "tm2", "tm3"]
    assert "FS" not in {kind for _, _, kind in drawn}, "Family Support audits its own"
    assert {email for _, email in reaudits(bot)} == {"hana.head@staff.example"}
    rounds = round_cases(bot)
    whole_file = [row for row in rounds if row[0] == "whole-file-2027-03"]
    assert sorted(email for _, email, _, _ in whole_file) == [
        f"tm.{n}@staff.example" for n in (1, 2, 3)
    ], "one case each"
    for _, email, ref, _ in whole_file:
        assert ref[3] != email[3], "never a case of their own team"
    thematic = [row for row in rounds if row[0] == "neglect-2027-03"]
    assert len(thematic) == 6
    assert {email for _, email, _, _ in thematic} <= {"hana.head@staff.example",
                                                      "hugo.head@staff.example"}  # fmt: skip

    _, email, ref, _ = whole_file[0]
    auditor = slack_id(email)
    given = dm_with(bot, auditor, "Round whole-file-2027-03: you are auditing", ref)
    team = int(ref[3])
    steps = audit_case(bot, auditor, given, grade="Inadequate", owner=uid(bot, f"sw{team}1"),
                       due="2027-04-15", concern="category_1")  # fmt: skip
    assert "Management oversight of key decisions" in labels(steps)
    assert "previous 12 months" in labels(steps)
    assert dm_with(bot, uid(bot, f"tm{team}"), "Immediate safeguarding concern", ref)
    assert dm_with(bot, uid(bot, "head"), "Immediate safeguarding concern", ref)

    tick(bot, utc(2027, 4, 1))
    briefing = briefing_to(bot, uid(bot, "admin"), "March 2027")
    assert "3 identified" in briefing


# -- Gloucestershire (002) ----------------------------------------------------------------------


def test_gloucestershire_month(start_bot, tmp_path):
    """May 2027: the draw on the first working day (3 May is a bank holiday); May's rolling theme
    for the heads of service; each audit goes to the moderator group the moment it is
    submitted, and the external moderator's judgement counts; a provisional briefing on 1 June
    and the final one when moderation closes on the 10th."""
    policy = preset_policy("gloucestershire", tmp_path)
    bot = start_bot(
        Clock(utc(2027, 4, 30)), policy=policy, people=authority("gloucestershire", policy)
    )
    tick(bot, utc(2027, 5, 3))  # Early May bank holiday: nothing
    assert drawn_this_month(bot, "2027-05") == []
    tick(bot, utc(2027, 5, 4))
    bot.wait_until_sent()
    drawn = drawn_this_month(bot, "2027-05")
    assert [key for key, _, _ in drawn] == ["tm1", "tm2", "tm3"]
    theme = [row for row in round_cases(bot) if row[0] == "safeguarding-and-risk-2027-05"]
    assert {email for _, email, _, _ in theme} == {"hana.head@staff.example",
                                                   "hugo.head@staff.example"}  # fmt: skip
    _, head_email, theme_ref, _ = theme[0]
    theme_dm = dm_with(bot, slack_id(head_email), "safeguarding-and-risk-2027-05", theme_ref)
    assert "safeguarding and risk management" in json.dumps(theme_dm).lower()

    manager, ref = uid(bot, "tm1"), drawn[0][1]
    case_dm = dm_with(bot, manager, "Your case for the May 2027 audit", ref)
    steps = audit_case(bot, manager, case_dm, grade="Good", owner=uid(bot, "sw11"),
                       due="2027-06-30")  # fmt: skip
    assert "The impact of our work with the child" in labels(steps)
    panel = policy.reaudit.panel.members
    for member in panel:
        dm_with(bot, slack_id(member, guest=not member.endswith("@council.example")),
                f"Re-audit to do: {ref}")  # fmt: skip
    external = slack_id("external.moderator@independent.example", guest=True)
    given = dm_with(bot, external, f"Re-audit to do: {ref}")
    view = click_for_view(bot, external, given, "reaudit.start", "reaudit.step")
    while view["submit"]["text"] != "Submit the re-audit":
        verdicts = {
            block["block_id"]: "agree"
            for block in view["blocks"]
            if block.get("block_id", "").startswith("verdict__")
        }
        if "verdict__overall-judgement" in verdicts:
            verdicts |= {
                "verdict__overall-judgement": "disagree",
                "grade__overall-judgement": "Requires improvement to be good",
                "why__overall-judgement": "The plan does not yet say what must change, by when.",
            }
        view = next_step(bot, external, view, answers_for(view, verdicts))
    submit_form(bot, external, view, answers_for(view, {"admissible": "admissible"}))
    assert reaudits(bot)[0][1] == "external.moderator@independent.example"

    tick(bot, utc(2027, 6, 1))
    provisional = briefing_to(bot, uid(bot, "admin"), "May 2027 (provisional)")
    assert "3 identified" in provisional
    tick(bot, utc(2027, 6, 10))
    final = briefing_to(bot, uid(bot, "admin"), "May 2027 (final, after moderation)")
    assert "1 moderated: 0 moved up, 1 moved down" in final


# -- Halton (003) -------------------------------------------------------------------------------


def test_halton_quarter(start_bot, tmp_path):
    """The first audit of practice days (9-10 March 2027): no monthly draw; the cases drawn five
    weeks before across all areas of work, one to each auditor of the team; practitioners
    confirm their attendance or are reminded; the audit asks for evaluative statements, no
    grades, and is final once the other of the pair agrees and the lead approves it; March's
    briefing says there was no monthly draw and counts the round."""
    policy = preset_policy("halton", tmp_path)
    bot = start_bot(Clock(utc(2027, 1, 29)), policy=policy, people=authority("halton", policy))
    tick(bot, utc(2027, 2, 1))
    assert drawn_this_month(bot, "2027-02") == [] and round_cases(bot) == []
    tick(bot, utc(2027, 2, 2))  # five weeks before Tuesday 9 March
    bot.wait_until_sent()
    drawn = round_cases(bot)
    assert len(drawn) == 8
    assert sorted(email for _, email, _, _ in drawn) == sorted(policy.rounds.rounds[0].auditors)
    assert {ref[3] for _, _, ref, _ in drawn} == {"1", "2", "3"}, "across all areas of work"
    eligible = set(policy.rounds.rounds[0].eligible.case_types)
    assert {kind for _, _, _, kind in drawn} <= eligible and len(eligible) == 6

    _, auditor_email, ref, _ = drawn[0]
    with bot.services.make_session() as session:
        worker = session.get(Staff, session.exec(select(Case).where(Case.case_ref == ref))
                             .one().worker_id).slack_user_id  # fmt: skip
    request = dm_with(bot, worker, "confirm", ref)
    bot.click(worker, request, "round.attend")
    tick(bot, utc(2027, 2, 4))  # two working days after the draw: the others are reminded
    reminded = {
        call.params["channel"]
        for call in bot.slack.calls("chat.postMessage")
        if call.params.get("text", "").startswith("Reminder: please confirm")
    }
    assert reminded and "D" + worker[1:] not in reminded

    bot.services.clock.now = utc(2027, 3, 9)
    auditor = slack_id(auditor_email)
    given = dm_with(bot, auditor, "Round audit-day-2027-q1: you are auditing", ref)
    steps = audit_case(bot, auditor, given, grade=None, owner=worker, due="2027-04-09")
    assert "The child's lived experience" in labels(steps) and grade_choices(steps[0]) == []
    # "pairs of auditors ... reach and record judgements": the other of the pair agrees; "the
    # lead manager quality assures each written analysis" before it is final.
    with bot.services.make_session() as session:
        round_case = session.exec(select(RoundCase).join(Case).where(Case.case_ref == ref)).one()
        pair = {session.get(Staff, member).email
                for member in (round_case.auditor_id, round_case.partner_id)}  # fmt: skip
    [partner_email] = pair - {auditor_email}
    partner = slack_id(partner_email)
    bot.click(partner, dm_with(bot, partner, "do you agree", ref), "round.pair.agree")
    lead = slack_id(policy.rounds.rounds[0].lead_reviewer)
    bot.click(lead, dm_with(bot, lead, "Quality assurance", ref), "round.qa.approve")
    status = bot.command(uid(bot, "admin"), "round status audit-day-2027-q1").text
    assert "1 audit(s) done" in status

    tick(bot, utc(2027, 4, 1))
    briefing = briefing_to(bot, uid(bot, "admin"), "March 2027")
    assert "not audited" in briefing


# -- Sefton (004) -------------------------------------------------------------------------------


def test_sefton_month(start_bot, tmp_path):
    """March 2027: 30% of February's audits moderated, every Good among them, by the QA team and
    the safeguarding service manager; the seven-domain audit graded on Ofsted's scale; an
    immediate safeguarding concern alerts the service manager and head of service at once; the
    briefing."""
    policy = preset_policy("sefton", tmp_path)
    bot = start_bot(Clock(utc(2027, 2, 26)), policy=policy, people=authority("sefton", policy))
    ri, inadequate = "Requires improvement to be good", "Inadequate"
    february = earlier_audits(bot, utc(2027, 2, 17, 14),
                              ["Good", ri, ri, inadequate, ri, ri, inadequate, ri])  # fmt: skip
    tick(bot, utc(2027, 3, 1))
    bot.wait_until_sent()

    drawn = reaudits(bot)
    assert len(drawn) == 3, "30% of 8, rounded up"
    with bot.services.make_session() as session:
        good = session.get(Case, session.get(Selection, february[0].selection_id).case_id)
    assert good.case_ref in {ref for ref, _ in drawn}, "every Good"
    for member in policy.reaudit.panel.members:
        dm_with(bot, slack_id(member), f"Re-audit to do: {good.case_ref}")

    manager = uid(bot, "tm2")
    [(_, ref, _)] = [row for row in drawn_this_month(bot, "2027-03") if row[0] == "tm2"]
    case_dm = dm_with(bot, manager, "Your case for the March 2027 audit", ref)
    steps = audit_case(bot, manager, case_dm, grade=inadequate, owner=uid(bot, "sw21"),
                       due="2027-03-31", concern="category_1")  # fmt: skip
    assert len(grade_choices(steps[0])) == 2  # two domains a step
    assert "Early help, protection and stability" in labels(steps)
    assert "last 6 months" in labels(steps)
    assert grade_choices(steps[0])[0] == policy.framework.grades
    for key in ("sm", "head"):
        assert dm_with(bot, uid(bot, key), "Immediate safeguarding concern", ref)

    tick(bot, utc(2027, 4, 1))
    briefing = briefing_to(bot, uid(bot, "admin"), "March 2027")
    assert "3 identified" in briefing and "1 Category 1 raised" in briefing
