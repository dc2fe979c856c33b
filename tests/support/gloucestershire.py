"""Gloucestershire's May 2018 (seed 002, their QA briefing) for the QA briefing's tests and for
the picture in the docs (docs/briefing_preview.py).

`build_authority` writes an authority like Gloucestershire's: three heads of service, four
service managers, 27 team managers in 21 teams ("Gloucester Team 3", "Cotswolds Assessment
Team", "Tewkesbury C&F" …), a practitioner for each of May's cases, an administrator and the
moderator group (with an external moderator, a Slack guest). It also writes what came before
May, straight into the tables: January to April's audits with the seed's overall judgements
(January 0 Good, 27 Requires improvement, 5 Inadequate; February 0/18/5; March 2/13/9; April
1/18/8) and the cases of concern raised from November 2017 on, closed so that the register holds
17, 17 and 16 cases at the ends of February, March and April (and 20 at the end of January).

`MayPlay` then plays May: the monthly draw (the scheduler, 1 May), and, through the signed HTTP
endpoint as people would, 16 of the 27 cases from the family contact and the discussion to the
submitted audit, one marked inadmissible by its auditor, the three Category 1 alerts
acknowledged and closed by heads of service through `/audit register`, and eight re-audits by
the moderator group. The other ten audits (drawn through Slack like the rest) are written
straight into the tables with their family contact (see `MAY`): they stand for audits done by
someone covering for a team manager who was away, whom Slack cannot record as "not available",
and two of them leave the parents' contact "not stated", which the family contact form never
does (the strict xfail tests in tests/http/test_briefing_gloucestershire.py show why).

Case references are the seed's where it names them (5067991, 5107551, 5046478, 5072317,
194424), made up otherwise; no child's or family member's name appears anywhere.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count
from typing import Any

from sqlmodel import Session, col, select

from bot.core.calendar import LONDON
from bot.policy.schema import (
    FrameworkPolicy,
    ModerationPanel,
    Policy,
    ReauditPolicy,
    ReportPolicy,
)
from models import (
    Audit,
    AuditAction,
    AuditLogEntry,
    Booking,
    Case,
    ConcernReview,
    FamilyEngagement,
    SafeguardingAlert,
    Selection,
    SelectionRound,
    Staff,
    Team,
)
from models.db import transaction
from scheduler.jobs import run_due_work
from tests.support.harness import click_for_view
from tests.support.reliability import fill

OUTSTANDING, GOOD = "Outstanding", "Good"
RI, INADEQUATE = "Requires improvement to be good", "Inadequate"
FRAMEWORK = FrameworkPolicy()
DOMAINS = [domain.id for domain in FRAMEWORK.domains]
MAIL = "gloucestershire.gov.uk"
PANEL_NAME = "Moderator group"


def gloucestershire_policy() -> Policy:
    """Four earlier months in the briefing; every audit moderated by the moderator group, whose
    window closes on the 10th of the next month."""
    return Policy(
        report=ReportPolicy(trend_periods=4),
        reaudit=ReauditPolicy(
            sampling="every_audit",
            moderator_role="panel",
            panel=ModerationPanel(
                name=PANEL_NAME,
                members=[f"rachel.moss@{MAIL}", f"david.kerr@{MAIL}", "robin.ashdown@example.org"],
            ),
            moderation_window_day=10,
        ),
    )


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def may(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return local(2018, 5, day, hour, minute)


DRAW = may(1, 8)  # the first working day of May 2018, at the policy's draw time
PROVISIONAL = local(2018, 6, 1, 9)  # the first working day of June: the provisional briefing
FINAL = local(2018, 6, 11, 9)  # the 10th is a Sunday: moderation closes on Monday 11 June


# -- the authority -------------------------------------------------------------------------------

HEADS = {
    "hos_gloucester": ("Harriet Okafor", "Gloucester and the Forest"),
    "hos_cheltenham": ("Marcus Bell", "Cheltenham, Tewkesbury, the Cotswolds and Stroud"),
    "hos_care": ("Joanne Pryce", "Children in care"),  # no team manager of May in her line
}
SERVICE_MANAGERS = {
    "sm_gloucester": ("Priya Sandhu", "hos_gloucester"),
    "sm_forest": ("Tom Fairweather", "hos_gloucester"),
    "sm_cheltenham": ("Grace Whitlock", "hos_cheltenham"),
    "sm_cotswolds": ("Owen Marsh", "hos_cheltenham"),
}
# team → (service area, its service manager, how many team managers)
TEAMS = {
    "Gloucester Team 1": ("Gloucester", "sm_gloucester", 1),
    "Gloucester Team 2": ("Gloucester", "sm_gloucester", 1),
    "Gloucester Team 3": ("Gloucester", "sm_gloucester", 2),
    "Gloucester Team 4": ("Gloucester", "sm_gloucester", 1),
    "Gloucester Team 5": ("Gloucester", "sm_gloucester", 1),
    "Gloucester Team 6": ("Gloucester", "sm_gloucester", 1),
    "Gloucester Team 7": ("Gloucester", "sm_gloucester", 1),
    "Gloucester 11-25": ("Gloucester", "sm_gloucester", 1),
    "Forest of Dean Assessment Team": ("Forest of Dean", "sm_forest", 1),
    "Forest of Dean Safeguarding Team": ("Forest of Dean", "sm_forest", 2),
    "Cheltenham Assessment Team": ("Cheltenham", "sm_cheltenham", 1),
    "Cheltenham Safeguarding Team": ("Cheltenham", "sm_cheltenham", 1),
    "Cheltenham 11-25": ("Cheltenham", "sm_cheltenham", 1),
    "Tewkesbury Assessment Team": ("Tewkesbury", "sm_cheltenham", 1),
    "Tewkesbury Safeguarding Team": ("Tewkesbury", "sm_cheltenham", 4),
    "Tewkesbury C&F": ("Tewkesbury", "sm_cheltenham", 1),
    "Cotswolds Assessment Team": ("Cotswolds", "sm_cotswolds", 1),
    "Cotswolds Safeguarding Team": ("Cotswolds", "sm_cotswolds", 2),
    "Stroud Assessment Team": ("Stroud", "sm_cotswolds", 1),
    "Stroud Safeguarding Team": ("Stroud", "sm_cotswolds", 1),
    "Stroud 11-25": ("Stroud", "sm_cotswolds", 1),
}
MANAGER_NAMES = [
    "Alison Hewer",
    "Ben Carraway",
    "Chloe Danvers",
    "Dominic Ealing",
    "Erin Fosse",
    "Farah Gill",
    "Gareth Holt",
    "Helen Irwin",
    "Imran Jafri",
    "Julia Kemble",
    "Kieran Lomax",
    "Laura Minchin",
    "Mark Northam",
    "Nadia Orme",
    "Oliver Pask",
    "Paula Quennell",
    "Rhys Ridley",
    "Sarah Stallard",
    "Tariq Tulley",
    "Una Vosper",
    "Victor Wragg",
    "Wendy Yarrow",
    "Yusuf Zeal",
    "Zoe Ashby",
    "Adam Birtles",
    "Bethan Coyle",
    "Callum Denby",
]
WORKER_NAMES = [
    "Amy Bramwell",
    "Bilal Cheema",
    "Cara Dyer",
    "Declan Ellery",
    "Elise Farr",
    "Femi Greaves",
    "Gemma Hinde",
    "Harry Ives",
    "Isla Jarvis",
    "Jack Kettle",
    "Kirsty Lund",
    "Liam Mercer",
    "Megan Nash",
    "Nathan Oakes",
    "Olivia Pine",
    "Priti Quayle",
    "Ryan Rudge",
    "Sophie Sully",
    "Tom Thatcher",
    "Uma Vale",
    "Vicky Warde",
    "Will Yeo",
    "Yasmin Zorn",
    "Zack Abbot",
    "Anna Blythe",
    "Brian Cole",
    "Cerys Dawe",
]


def slack_id(email: str, guest: bool = False) -> str:
    """A Slack member id (U0…; W0… for a guest), the same for the same email every time."""
    return ("W0" if guest else "U0") + hashlib.sha256(email.encode()).hexdigest()[:7].upper()


def staff_member(
    session: Session, email: str, name: str, roles: str, team=None, manager=None, guest=False
) -> Staff:
    """A member of staff found on Slack under their own stable id (see `slack_id`)."""
    row = Staff(
        email=email,
        name=name,
        roles=roles,
        team_id=team.id if team else None,
        manager_id=manager.id if manager else None,
        slack_user_id=slack_id(email, guest),
        slack_lookup="found",
    )
    session.add(row)
    session.flush()
    return row


def email_of(name: str, domain: str = MAIL) -> str:
    return f"{name.lower().replace(' ', '.')}@{domain}"


# -- May, case by case ---------------------------------------------------------------------------

SLACK, DATABASE, NOT_DONE = "slack", "database", "not done"
NOT_APPROPRIATE = "not appropriate"  # the family contact recorded as not appropriate at once


@dataclass(frozen=True)
class MayCase:
    """One of May's 27 cases and what became of it.

    `family`: (the child's outcome, the parents' or carers') recorded after planned contact, or
    NOT_APPROPRIATE (the child's contact not appropriate, the parents not invited); `discussion`:
    the practitioner's discussion held, not held, or never booked (None); `practitioner`: for
    the audits written to the database, whether the practitioner took part.
    """

    ref: str
    team: str
    route: str
    audited: str | None = None
    moderated: str | None = None  # the moderator group's overall judgement
    moderated_on: datetime | None = None
    moderator: str | None = None
    concern: str = "none"
    family: tuple[str, str | None] | str | None = None
    discussion: str | None = None
    practitioner: str | None = None
    inadmissible: bool = False
    impact: str = ""

    @property
    def final(self) -> str | None:
        return self.moderated or self.audited


MODERATED_IN_MAY, MODERATED_IN_JUNE = may(24), local(2018, 6, 5)
GOOD_IMPACT = {
    "5067991": "Very good focused practice: risks were assessed in good time and the right "
    "safeguarding actions taken, driven by the team manager's oversight. The child has "
    "benefited from the relationship built with those working with her and feels safe.",
    "5107551": "The risks to the unborn baby from substance misuse are understood and addressed "
    "through purposeful social work and well-coordinated agencies, which has encouraged the "
    "parents to engage.",
}
ENGAGED, INAPPROPRIATE, NO_RESPONSE = "engaged", "inappropriate", "no_response"

MAY = [
    # Through Slack: the family contact, the discussion and the audit.
    MayCase("5067991", "Gloucester Team 3", SLACK, OUTSTANDING, GOOD, MODERATED_IN_MAY,
            "external", family=(INAPPROPRIATE, ENGAGED), discussion="held",
            impact=GOOD_IMPACT["5067991"]),
    MayCase("5107551", "Cotswolds Assessment Team", SLACK, GOOD, GOOD, MODERATED_IN_MAY,
            "qa_lead", family=(INAPPROPRIATE, ENGAGED), discussion="held",
            impact=GOOD_IMPACT["5107551"]),
    MayCase("5012958", "Gloucester Team 4", SLACK, GOOD, RI, MODERATED_IN_JUNE, "qa_lead",
            family=NOT_APPROPRIATE, discussion="held"),
    MayCase("5061532", "Cheltenham Assessment Team", SLACK, GOOD, RI, MODERATED_IN_JUNE,
            "external", family=(INAPPROPRIATE, ENGAGED), discussion="held"),
    MayCase("5046478", "Tewkesbury C&F", SLACK, INADEQUATE, INADEQUATE, MODERATED_IN_MAY,
            "practice_lead", concern="category_1", family=(INAPPROPRIATE, NO_RESPONSE),
            discussion="held"),
    MayCase("5072317", "Gloucester Team 6", SLACK, INADEQUATE, concern="category_1",
            family=(INAPPROPRIATE, NO_RESPONSE), discussion="held"),
    MayCase("194424", "Cheltenham Safeguarding Team", SLACK, INADEQUATE, concern="category_1",
            family=(NO_RESPONSE, NO_RESPONSE), discussion="held"),
    MayCase("5048892", "Tewkesbury Safeguarding Team", SLACK, RI, INADEQUATE, MODERATED_IN_MAY,
            "external", concern="category_2", family=(NO_RESPONSE, ENGAGED), discussion="held"),
    MayCase("5086125", "Forest of Dean Safeguarding Team", SLACK, RI, INADEQUATE,
            MODERATED_IN_JUNE, "practice_lead", concern="category_2",
            family=(NO_RESPONSE, ENGAGED), discussion="held"),
    MayCase("5052284", "Cotswolds Safeguarding Team", SLACK, INADEQUATE, RI, MODERATED_IN_JUNE,
            "external", concern="category_2", family=(INAPPROPRIATE, NO_RESPONSE),
            discussion="held"),
    MayCase("5066129", "Stroud Assessment Team", SLACK, RI, inadmissible=True,
            family=(INAPPROPRIATE, ENGAGED), discussion="held"),
    MayCase("5031187", "Gloucester Team 1", SLACK, RI, concern="category_2",
            family=(NO_RESPONSE, NO_RESPONSE), discussion="held"),
    MayCase("5044620", "Gloucester Team 2", SLACK, RI, concern="category_2",
            family=(INAPPROPRIATE, ENGAGED), discussion="held"),
    MayCase("5037741", "Tewkesbury Assessment Team", SLACK, RI, concern="category_2",
            family=(NO_RESPONSE, NO_RESPONSE), discussion="not held"),
    MayCase("5079214", "Gloucester Team 5", SLACK, RI, family=(NO_RESPONSE, ENGAGED),
            discussion="not held"),
    MayCase("5094017", "Cheltenham 11-25", SLACK, RI, family=NOT_APPROPRIATE),
    # Written to the database: audited by someone covering for the team manager, who was away.
    MayCase("5059306", "Tewkesbury Safeguarding Team", DATABASE, INADEQUATE,
            concern="category_2", family=(INAPPROPRIATE, ENGAGED), practitioner="took_part"),
    MayCase("5070615", "Tewkesbury Safeguarding Team", DATABASE, INADEQUATE,
            concern="category_2", family=(INAPPROPRIATE, NO_RESPONSE), practitioner="took_part"),
    MayCase("5083350", "Tewkesbury Safeguarding Team", DATABASE, RI, concern="category_2",
            family=(NO_RESPONSE, ENGAGED), practitioner="took_part"),
    MayCase("5098470", "Forest of Dean Safeguarding Team", DATABASE, INADEQUATE,
            concern="category_2", family=(INAPPROPRIATE, NO_RESPONSE), practitioner="took_part"),
    MayCase("5088761", "Cotswolds Safeguarding Team", DATABASE, INADEQUATE,
            concern="category_2", family=(INAPPROPRIATE, None), practitioner="took_part"),
    MayCase("5075548", "Stroud Safeguarding Team", DATABASE, RI, concern="category_2",
            family=(NO_RESPONSE, NO_RESPONSE), practitioner="not_available"),
    MayCase("5090342", "Gloucester Team 3", DATABASE, RI, concern="category_2",
            family=(INAPPROPRIATE, ENGAGED), practitioner="not_available"),
    MayCase("5055703", "Gloucester Team 7", DATABASE, RI, family=(INAPPROPRIATE, None),
            practitioner="not_available"),
    MayCase("5023879", "Forest of Dean Assessment Team", DATABASE, RI,
            family=(NO_RESPONSE, ENGAGED), practitioner="not_available"),
    MayCase("5101466", "Gloucester 11-25", DATABASE, RI, family=(INAPPROPRIATE, NO_RESPONSE),
            practitioner="not_available"),
    # Drawn, booked, the discussion did not happen, the audit never started.
    MayCase("5104493", "Stroud 11-25", NOT_DONE, discussion="not held"),
]  # fmt: skip
BY_REF = {case.ref: case for case in MAY}
CATEGORY_1 = [case.ref for case in MAY if case.concern == "category_1"]
GOOD_CASES = sorted(case.ref for case in MAY if case.final == GOOD)


# -- January to April, and the cases of concern before May ----------------------------------------

# month → (Good, Requires improvement, Inadequate): the seed's overall judgements.
TREND = {"2018-01": (0, 27, 5), "2018-02": (0, 18, 5), "2018-03": (2, 13, 9), "2018-04": (1, 18, 8)}
# Audits from before the trend that raised concerns (the seed: 33 raised November to January).
EARLIER_CONCERNS = {"2017-11": 11, "2017-12": 12}
# How many concerns each month's audits raised (the first of them a Category 1).
RAISED = {"2017-11": 11, "2017-12": 12, "2018-01": 10, "2018-02": 5, "2018-03": 9, "2018-04": 8}
# How many of the earlier concerns were closed each month, oldest first: the register then holds
# 20, 17, 17 and 16 at the ends of January to April, and (with May's 16, of which the three
# Category 1 are closed in May) 16 at the end of May.
CLOSED = {"2017-12": 6, "2018-01": 7, "2018-02": 8, "2018-03": 9, "2018-04": 9, "2018-05": 13}
REGISTER_AT_MONTH_END = {"2018-01": 20, "2018-02": 17, "2018-03": 17, "2018-04": 16, "2018-05": 16}


def domain_grades(overall: str) -> dict[str, str]:
    """Each domain's grade for an audit judged `overall` overall (one domain differs)."""
    other = {OUTSTANDING: GOOD, GOOD: RI, RI: GOOD, INADEQUATE: RI}[overall]
    varies = (
        "recording_communication" if overall in (OUTSTANDING, GOOD) else "relationship_direct_work"
    )
    return {domain: other if domain == varies else overall for domain in DOMAINS}


WHY = {
    OUTSTANDING: "Exemplary: purposeful visits, clear analysis and a plan the child understands.",
    GOOD: "Risks are assessed in good time and the plan is clear, reviewed and child focused.",
    RI: "The assessment is sound but the plan does not say what must change for the child.",
    INADEQUATE: "Risks are not assessed or managed: there is no safety plan and no direct work.",
}


def utc(year: int, month: int, day: int, hour: int = 11) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def build_authority(session: Session) -> dict[str, Any]:
    """The authority, its cases, and everything before May (see the module's docstring)."""
    people: dict[str, Any] = {}
    manager_names, worker_names = iter(MANAGER_NAMES), iter(WORKER_NAMES)

    def person(key, name, roles, team=None, manager=None, domain=MAIL, guest=False):
        email = email_of(name, domain)
        people[key] = staff_member(session, email, name, roles, team, manager, guest)
        return people[key]

    person("admin", "Lena Quayle", "admin")
    for key, (name, _area) in HEADS.items():
        person(key, name, "head_of_service")
    for key, (name, head) in SERVICE_MANAGERS.items():
        person(key, name, "service_manager", manager=people[head])
    person("qa_lead", "Rachel Moss", "")  # the moderator group: the QA practice lead,
    person("practice_lead", "David Kerr", "")  # a principal social worker,
    person("external", "Robin Ashdown", "", domain="example.org", guest=True)  # and a guest

    teams: dict[str, Team] = {}
    managers: dict[str, list[Staff]] = {}
    for number, (name, (area, service_manager, how_many)) in enumerate(TEAMS.items(), start=1):
        team = Team(
            name=name, service_area=area, team_type="short_term", channel_id=f"C0GLOS{number:03d}"
        )
        session.add(team)
        session.flush()
        teams[name] = team
        managers[name] = [
            person(f"tm:{name}:{n}", next(manager_names), "team_manager", team,
                   people[service_manager])
            for n in range(1, how_many + 1)
        ]  # fmt: skip
    workers: dict[str, list[Staff]] = defaultdict(list)
    for index, case in enumerate(MAY):
        team_managers = managers[case.team]
        worker = person(
            f"sw:{case.ref}",
            next(worker_names),
            "practitioner",
            teams[case.team],
            team_managers[len(workers[case.team]) % len(team_managers)],
        )
        workers[case.team].append(worker)
        session.add(
            Case(
                case_ref=case.ref,
                team_id=teams[case.team].id,
                worker_id=worker.id,
                case_type=("CP", "LAC", "CIN")[index % 3],
                opened_on=date(2017, 9, 1 + index),
                status="open",
            )
        )
    session.flush()
    _before_may(session, people, teams, managers, workers)
    return people


def _before_may(session, people, teams, managers, workers) -> None:
    """January to April's audits and the concerns raised since November 2017 (with the reviews
    that closed them), written straight into the tables."""
    tms = [(name, tm) for name, rows in managers.items() for tm in rows]
    refs = count(4_300_001)
    attempts: Counter[tuple[str, int]] = Counter()
    raised: list[Audit] = []
    for month in [*EARLIER_CONCERNS, *TREND]:
        year, number = (int(part) for part in month.split("-"))
        selection_round = SelectionRound(
            month=month,
            seed="seeded",
            drawn_at=utc(year, number, 1, 7),
            drawn_by="scheduler",
            criteria={},
        )
        session.add(selection_round)
        session.flush()
        good, improve, inadequate = TREND.get(month, (0, 0, EARLIER_CONCERNS.get(month, 0)))
        grades = [INADEQUATE] * inadequate + [RI] * improve + [GOOD] * good
        for index, grade in enumerate(grades):
            team_name, manager = tms[(index + number) % len(tms)]
            worker = workers[team_name][0]
            case = Case(
                case_ref=str(next(refs)),
                team_id=teams[team_name].id,
                worker_id=worker.id,
                case_type="CP",
                opened_on=date(2016, 1, 1),
                status="closed",
                closed_on=date(2018, 4, 30),
            )
            session.add(case)
            session.flush()
            attempts[(month, manager.id)] += 1
            selection = Selection(
                round_id=selection_round.id,
                manager_id=manager.id,
                team_id=case.team_id,
                attempt=attempts[(month, manager.id)],
                status="selected",
                case_id=case.id,
                pool_size=1,
                draw_seed="seeded",
                due_on=date(year, number, 28),
                created_at=selection_round.drawn_at,
            )
            session.add(selection)
            session.flush()
            concern = (
                "none" if index >= RAISED[month] else "category_1" if index == 0 else "category_2"
            )
            answers: dict[str, Any] = {
                domain: {"grade": value, "justification": WHY[value]}
                for domain, value in domain_grades(grade).items()
            }
            answers["final"] = {"impact": WHY[grade], "overall": grade, "concern": concern}
            submitted = utc(year, number, 20)
            audit = Audit(
                selection_id=selection.id,
                manager_id=manager.id,
                status="submitted",
                answers=answers,
                framework=FRAMEWORK.name,
                overall=grade,
                concern=concern,
                started_at=submitted,
                updated_at=submitted,
                submitted_at=submitted,
            )
            session.add(audit)
            session.flush()
            if concern == "category_1":
                session.add(
                    SafeguardingAlert(
                        audit_id=audit.id,
                        note="The child may be at risk: no safety plan.",
                        raised_at=submitted,
                        acknowledged_by=_head_of(people, manager).id,
                        acknowledged_at=utc(year, number, 20, 13),
                    )
                )
            if concern != "none":
                raised.append(audit)
    oldest_first = iter(raised)
    for month, closed in CLOSED.items():
        year, number = (int(part) for part in month.split("-"))
        for _ in range(closed):
            audit = next(oldest_first)
            head = _head_of(people, session.get(Staff, audit.manager_id))
            session.add(
                ConcernReview(
                    audit_id=audit.id,
                    actions_taken="The head of service reviewed the case; the plan is now "
                    "clear and the child is seen regularly.",
                    reviewed_by=head.id,
                    reviewed_at=utc(year, number, 15, 12),
                    closed_by=head.id,
                    closed_at=utc(year, number, 15, 12),
                )
            )
    session.flush()


def _head_of(people: dict[str, Any], manager: Staff) -> Staff:
    service_manager = next(p for p in people.values() if p.id == manager.manager_id)
    return next(p for p in people.values() if p.id == service_manager.manager_id)


# -- May through Slack --------------------------------------------------------------------------


def tick(bot, moment: datetime):
    """The scheduler's sweep at `moment`, with the bot's clock there too."""
    bot.services.clock.now = moment
    return run_due_work(bot.services, moment)


def at(bot, moment: datetime) -> None:
    bot.services.clock.now = moment


class MayPlay:
    """May 2018 played against a running bot (see the module's docstring)."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.ids = {key: person.slack_user_id for key, person in bot.people.items()}

    def play(self) -> None:
        self.draw()
        self.plan_contact_and_book()
        self.record_contact_outcomes()
        self.record_discussions()
        self.submit_audits()
        self.write_audits_done_by_covers()
        self.mark_inadmissible()
        self.moderate(MODERATED_IN_MAY)
        self.close_category_1_concerns()

    # -- 1 May: the draw ----------------------------------------------------------------------

    def draw(self) -> None:
        report = tick(self.bot, DRAW)
        assert report.drew_month == "2018-05", report.summary()
        with self.bot.services.make_session() as session:
            rows = session.exec(
                select(Case.case_ref, Selection.id, Staff.slack_user_id, Case.worker_id)
                .join(Selection, col(Selection.case_id) == Case.id)
                .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
                .join(Staff, col(Staff.id) == Selection.manager_id)
                .where(SelectionRound.month == "2018-05", Selection.status == "selected")
            ).all()
            self.worker_ids = {
                ref: session.get(Staff, worker).slack_user_id for ref, _s, _m, worker in rows
            }
        assert sorted(ref for ref, *_ in rows) == sorted(BY_REF), "every May case is drawn"
        self.selection = {ref: selection for ref, selection, _manager, _worker in rows}
        self.manager = {ref: manager for ref, _selection, manager, _worker in rows}
        self.first_dm = {
            ref: self.bot.dms_containing(self.manager[ref], "May 2018")[0] for ref in self.manager
        }

    def _slack_cases(self, *routes: str) -> Iterator[MayCase]:
        return (case for case in MAY if case.route in (routes or (SLACK,)))

    # -- 2 May: family contact planned, discussions booked ---------------------------------------

    def plan_contact_and_book(self) -> None:
        at(self.bot, may(2))
        for case in self._slack_cases():
            manager, dm = self.manager[case.ref], self.first_dm[case.ref]
            form = click_for_view(self.bot, manager, dm, "engagement.open", "engagement.submit")
            if case.family == NOT_APPROPRIATE:
                answers = {
                    "choice": "not_appropriate",
                    "reason": "A toddler in proceedings: the court has asked that the family "
                    "is not approached this month.",
                }
            else:
                answers = {"choice": "plan", "method": "visit", "planned_on": "2018-05-11"}
            self._submit(manager, form, answers)
        for case in self._slack_cases(SLACK, NOT_DONE):
            if case.discussion is None:
                continue
            manager, dm = self.manager[case.ref], self.first_dm[case.ref]
            form = click_for_view(self.bot, manager, dm, "booking.open", "booking.submit")
            self._submit(manager, form, {"date": "2018-05-15", "time": "10:00", "duration": "60"})

    # -- 14 May: how did the contact go? ----------------------------------------------------------

    def record_contact_outcomes(self) -> None:
        tick(self.bot, may(14, 9))
        for case in self._slack_cases():
            if not isinstance(case.family, tuple):
                continue
            manager = self.manager[case.ref]
            prompt = self._dm(manager, "How did the contact")
            form = click_for_view(
                self.bot, manager, prompt, "engagement.outcome.record", "engagement.outcome"
            )
            child, parents = case.family
            answers = {
                "child": child,
                "child_reason": "Too young to give a view."
                if child == INAPPROPRIATE
                else "Two visits and a letter, no reply.",
                "parents": parents,
                "parents_reason": None if parents == ENGAGED else "Letters and calls unanswered.",
                "summary": "Mother feels listened to and wants the plan kept simple."
                if ENGAGED in (child, parents)
                else None,
            }
            self._submit(manager, form, answers)

    # -- 15 May: did the discussion happen? ------------------------------------------------------

    def record_discussions(self) -> None:
        tick(self.bot, may(15, 11))
        booked = [case for case in self._slack_cases(SLACK, NOT_DONE) if case.discussion]
        for case in booked:
            manager = self.manager[case.ref]
            question = self._dm(manager, "happen?")
            if case.discussion == "held":
                self.bot.click(manager, question, "booking.held")
            else:
                form = click_for_view(
                    self.bot, manager, question, "booking.not_held", "booking.not_held"
                )
                reason = "The practitioner was off sick; no other date before the month end."
                self._submit(manager, form, {"reason": reason})
        expected = Counter("held" if case.discussion == "held" else "not_held" for case in booked)
        assert self.bot.slack.wait_for(lambda: self._booking_outcomes() == expected)

    def _booking_outcomes(self) -> Counter[str]:
        with self.bot.services.make_session() as session:
            return Counter(
                session.exec(
                    select(Booking.status).where(col(Booking.status).in_(("held", "not_held")))
                ).all()
            )

    # -- 16 to 23 May: the audits ------------------------------------------------------------------

    def submit_audits(self) -> None:
        days = iter([16, 16, 17, 17, 17, 18, 18, 21, 21, 21, 22, 22, 22, 23, 23, 23])
        for case in self._slack_cases():
            at(self.bot, may(next(days), 14))
            self.audit(case)
            if case.concern == "category_1":
                self.acknowledge_alert(case)

    def audit(self, case: MayCase) -> None:
        submit_audit(
            self.bot,
            self.manager[case.ref],
            self.first_dm[case.ref],
            case.audited,
            owner=self.worker_ids[case.ref],
            concern=case.concern,
            impact=case.impact,
        )

    def acknowledge_alert(self, case: MayCase) -> None:
        head = self.ids[self._head_key(case)]
        alert = self._dm(head, "Immediate safeguarding concern", case.ref, "alert.ack")
        self.bot.click(head, alert, "alert.ack")
        assert self.bot.slack.wait_for(lambda: self._acknowledged(case.ref))

    def _acknowledged(self, ref: str) -> bool:
        with self.bot.services.make_session() as session:
            return (
                session.exec(
                    select(SafeguardingAlert.acknowledged_by)
                    .join(Audit, col(Audit.id) == SafeguardingAlert.audit_id)
                    .where(Audit.selection_id == self.selection[ref])
                ).one()
                is not None
            )

    def _head_key(self, case: MayCase) -> str:
        return SERVICE_MANAGERS[TEAMS[case.team][1]][1]

    # -- 17 to 23 May: the audits done by covers, written to the database ------------------------

    def write_audits_done_by_covers(self) -> None:
        """The ten audits whose auditor covered for an absent team manager and recorded them as
        not available: Slack has no way to record that for a monthly case, so they are written
        as the audit form writes another auditor's (manager and practitioner engagement)."""
        cases = list(self._slack_cases(DATABASE))
        with transaction(self.bot.services.make_session) as session:
            for day, case in zip([17, 17, 18, 18, 21, 21, 22, 22, 23, 23], cases, strict=True):
                submitted = may(day, 15).astimezone(UTC)
                selection = session.get(Selection, self.selection[case.ref])
                grades = domain_grades(case.audited)
                answers: dict[str, Any] = {
                    domain: {"grade": grade, "justification": WHY[grade]}
                    for domain, grade in grades.items()
                }
                answers["final"] = {
                    "impact": WHY[case.audited],
                    "views": "Sought as recorded in the family contact; no names.",
                    "overall": case.audited,
                    "concern": case.concern,
                }
                audit = Audit(
                    selection_id=selection.id,
                    manager_id=selection.manager_id,
                    status="submitted",
                    answers=answers,
                    framework=FRAMEWORK.name,
                    overall=case.audited,
                    concern=case.concern,
                    started_at=submitted,
                    updated_at=submitted,
                    submitted_at=submitted,
                    manager_engagement="not_available",
                    practitioner_engagement=case.practitioner,
                )
                session.add(audit)
                session.flush()
                worker = session.exec(
                    select(Staff).where(Staff.slack_user_id == self.worker_ids[case.ref])
                ).one()
                session.add(
                    AuditAction(
                        audit_id=audit.id,
                        what="Update the child's plan with the audit's reflections",
                        owner_id=worker.id,
                        due_on=date(2018, 6, 29),
                        created_at=submitted,
                    )
                )
                child, parents = case.family
                anyone = ENGAGED in (child, parents)
                session.add(
                    FamilyEngagement(
                        selection_id=selection.id,
                        status="views_obtained" if anyone else "no_contact",
                        method="visit",
                        planned_on=date(2018, 5, 11),
                        summary="The carer wants the plan kept simple." if anyone else None,
                        child_outcome=child,
                        parents_outcome=parents,
                        recorded_by=selection.manager_id,
                        updated_at=submitted,
                    )
                )
                if case.audited == INADEQUATE:
                    session.add(
                        AuditLogEntry(
                            at=submitted,
                            actor="scheduler",
                            action="audit.inadequate_escalated",
                            subject=f"audit:{audit.id}",
                            details={},
                        )
                    )

    # -- 24 May: found inadmissible by its auditor ---------------------------------------------

    def mark_inadmissible(self) -> None:
        at(self.bot, may(24, 9))
        [case] = [case for case in MAY if case.inadmissible]
        manager = self.manager[case.ref]
        result = self._dm(manager, f"Audit submitted: {case.ref}", "audit.inadmissible")
        form = click_for_view(self.bot, manager, result, "audit.inadmissible", "audit.inadmissible")
        note = "The chronology stops in January and the current plan is not on the file."
        self._submit(manager, form, {"reason": "file_incomplete", "note": note})

    # -- the moderator group's re-audits ---------------------------------------------------------

    def moderate(self, when: datetime) -> None:
        at(self.bot, when)
        for case in MAY:
            if case.moderated_on == when:
                self.reaudit(case)

    def reaudit(self, case: MayCase) -> None:
        member = self.ids[case.moderator]
        given = dm_with(self.bot, member, f"Re-audit to do: {case.ref}", "reaudit.start")
        submit_reaudit(self.bot, member, given, case.audited, case.moderated)

    # -- 30 May: heads of service close the Category 1 concerns ---------------------------------

    def close_category_1_concerns(self) -> None:
        at(self.bot, may(30, 11))
        by_head: dict[str, list[str]] = defaultdict(list)
        for ref in CATEGORY_1:
            by_head[self._head_key(BY_REF[ref])].append(ref)
        for head_key, refs in by_head.items():
            head = self.ids[head_key]
            for ref in refs:
                before = len(self.bot.dms_containing(head, "Cases-of-concern register", 0))
                self.bot.command(head, "register")
                register = self.bot.dms_containing(head, "Cases-of-concern register", before + 1)
                self.register_dm = register[-1]
                [entry] = [
                    block
                    for block in register[-1]["blocks"]
                    if ref in json.dumps(block) and "concern.review" in json.dumps(block)
                ]
                form = click_for_view(
                    self.bot, head, {**register[-1], "blocks": [entry]}, "concern.review",
                    "concern.submit",
                )  # fmt: skip
                done = (
                    "Head of service review: the child is now seen weekly, the safety plan is "
                    "in place and the review conference notes good progress."
                )
                self._submit(head, form, {"actions_taken": done, "close": ["close"]})
        assert self.bot.slack.wait_for(lambda: self._closed_category_1() == len(CATEGORY_1))

    def _closed_category_1(self) -> int:
        with self.bot.services.make_session() as session:
            return len(
                session.exec(
                    select(ConcernReview.id)
                    .join(Audit, col(Audit.id) == ConcernReview.audit_id)
                    .where(Audit.concern == "category_1")
                    .where(col(Audit.selection_id).in_(list(self.selection.values())))
                    .where(col(ConcernReview.closed_at).is_not(None))
                ).all()
            )

    def _dm(self, user: str, *words: str) -> dict:
        return dm_with(self.bot, user, *words)

    def _submit(self, user: str, view: dict, answers: dict) -> None:
        submit_form(self.bot, user, view, answers)


# -- messages and forms, for any authority ------------------------------------------------------


def dm_with(bot, user: str, *words: str) -> dict:
    """The first DM to `user` with all of `words` in it, once it has reached Slack."""

    def found() -> list[dict]:
        return [m for m in bot._delivered(user) if all(w in json.dumps(m) for w in words)]

    assert bot.slack.wait_for(lambda: bool(found())), f"no DM to {user} with {words}"
    return found()[0]


def next_step(bot, user: str, view: dict, answers: dict) -> dict:
    """Submit a stepped form's step (`answers` by block id); the next step's view."""
    answer = bot.submit(user, view, fill(view, answers))
    assert answer.json and answer.json.get("response_action") == "update", answer.body
    return {**answer.json["view"], "id": view["id"]}


def submit_form(bot, user: str, view: dict, answers: dict) -> None:
    """Submit a form (`answers` by block id); it must close without an error."""
    answer = bot.submit(user, view, fill(view, answers))
    assert answer.status == 200 and not answer.body, answer.body


def submit_audit(
    bot,
    user: str,
    message: dict,
    overall: str,
    *,
    owner: str,
    concern: str = "none",
    impact: str = "",
    took_part: tuple[str, str] | None = None,
    due: str = "2018-06-29",
) -> dict:
    """Start the guided audit from `message` and submit it: every domain graded as
    `domain_grades(overall)`, one action for `owner` (a Slack id); `took_part` answers the
    questions asked of an auditor who is not the case's team manager. The last step's view."""
    view = click_for_view(bot, user, message, "audit.start", "audit.step")
    grades = domain_grades(overall)
    while view["submit"]["text"] != "Submit the audit":
        answers = {}
        for block in view["blocks"]:
            block_id = block.get("block_id", "")
            if block_id.startswith("grade__"):
                answers[block_id] = grades[block_id.removeprefix("grade__")]
            elif block_id.startswith("why__"):
                answers[block_id] = WHY[grades[block_id.removeprefix("why__")]]
        view = next_step(bot, user, view, answers)
    notes = {
        "category_1": "Safety planning is drifting and the child may be at significant risk.",
        "category_2": "The service offered does not meet the child's needs.",
    }
    answers = {
        "impact": impact or WHY[overall],
        "views": "Sought as recorded in the family contact; no names.",
        "overall": overall,
        "concern": concern,
        "concern_note": notes.get(concern),
        "action_what_1": "Update the child's plan with the audit's reflections",
        "action_owner_1": owner,
        "action_due_1": due,
    }
    if took_part:
        answers |= dict(
            zip(("manager_engagement", "practitioner_engagement"), took_part, strict=True)
        )
    submit_form(bot, user, view, answers)
    return view


def submit_reaudit(bot, member: str, message: dict, audited: str, moderated: str) -> None:
    """Re-audit from `message` (its Start button): every domain agreed, the overall judgement
    agreed when `moderated` is `audited`, else changed to `moderated` with a reason."""
    view = click_for_view(bot, member, message, "reaudit.start", "reaudit.step")
    overall = "overall-judgement"
    while view["submit"]["text"] != "Submit the re-audit":
        answers: dict[str, Any] = {
            block["block_id"]: "agree"
            for block in view["blocks"]
            if block.get("block_id", "").startswith("verdict__")
        }
        if f"verdict__{overall}" in answers and moderated != audited:
            answers[f"verdict__{overall}"] = "disagree"
            answers[f"grade__{overall}"] = moderated
            answers[f"why__{overall}"] = (
                f"The evidence on the file supports a different overall judgement: {moderated}."
            )
        view = next_step(bot, member, view, answers)
    submit_form(
        bot,
        member,
        view,
        {
            "addressed": "partly",
            "addressed_note": "The plan is being rewritten with the family: due by June's end.",
            "comment": "Moderated by the moderator group; the actions focus on impact.",
            "admissible": "admissible",
        },
    )


def uploads_in_order(bot, user_id: str) -> list[tuple[str, bytes]]:
    """(file name, content) of every file uploaded to the person's DM, in the order sent."""
    names = {
        call.response["file_id"]: call.params["filename"]
        for call in bot.slack.calls("files.getUploadURLExternal")
        if call.response and call.response.get("ok")
    }
    return [
        (names[item["id"]], bot.slack.uploaded_file(item["id"]))
        for call in bot.slack.calls("files.completeUploadExternal")
        if call.params.get("channel_id") == "D" + user_id[1:] and (call.response or {}).get("ok")
        for item in call.params["files"]
    ]
