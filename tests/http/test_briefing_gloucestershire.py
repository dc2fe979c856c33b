"""Gloucestershire's May 2018 QA briefing (seed 002, issue 21 "Must show"), played through Slack.

The authority and everything before May are written straight into the tables
(tests/support/gloucestershire.py): January to April's audits with the seed's overall judgements,
and the cases of concern raised since November 2017, closed so that the register holds 17, 17
and 16 cases at the ends of February, March and April.

May goes through the signed HTTP endpoint, as people would, wherever Slack offers it:
- the monthly draw of 27 cases, one for each team manager (the scheduler, 1 May);
- for 16 cases: the family contact (planned and its outcome, the child and the parents apart, or
  not appropriate at once), the discussion booked and recorded as held (13) or not (2) or never
  booked (1), and the guided audit submitted within timescale (five steps, SMART action, concern
  flag); one of them marked inadmissible by its auditor from the result DM;
- the three Category 1 alerts acknowledged by heads of service, who then close the concerns
  through `/audit register`'s review;
- every audit given to the moderator group as it is submitted (`every_audit`, a panel with an
  external moderator who is a Slack guest), eight re-audited through the form: four before the
  provisional briefing, four after it;
- one case booked, its discussion not held, its audit never started;
- the briefings: the scheduler's tick on the first working day of June (provisional) and on the
  day the moderation window closes (final), read back from the Slack stand-in.
The other ten audits (their cases drawn through Slack like the rest) are written to the
database with their family contact: they are the audits done by someone covering for a team
manager who was away, the ten the seed counts "not available", and two of them have the parents'
contact "not stated" (the family contact form always asks for the parents' outcome). The tests
at the end show a cover and a round's auditor recording "not available" through Slack, and a
moderation to Inadequate reaching the head of service.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime

import pytest
from sqlmodel import select

from bot.core.calendar import LONDON
from bot.core.months import Month
from bot.policy.schema import Policy, ReauditPolicy, RoundDefinition, RoundsPolicy
from bot.report.chart import COMPLETION_COLOURS, GRADE_COLOURS
from bot.report.delivery import briefing_as_of
from bot.report.period import Period
from bot.report.tables import round_tables
from models import Audit, Staff
from tests.support import factories
from tests.support.charts import bar_colours
from tests.support.gloucestershire import (
    BY_REF,
    FINAL,
    GOOD_CASES,
    GOOD_IMPACT,
    INADEQUATE,
    MAY,
    MODERATED_IN_JUNE,
    PROVISIONAL,
    REGISTER_AT_MONTH_END,
    RI,
    MayPlay,
    build_authority,
    dm_with,
    gloucestershire_policy,
    submit_audit,
    submit_reaudit,
    tick,
    uploads_in_order,
)
from tests.support.harness import Clock

pytestmark = pytest.mark.integration
STEM = "qa-briefing-2018-05"
CASES_NAMED = ("cases-of-concern-register", "what-good-looks-like")


@pytest.fixture
def gloucestershire(start_bot):
    return start_bot(
        Clock(datetime(2018, 4, 30, 9, 0, tzinfo=LONDON)),
        policy=gloucestershire_policy(),
        people=build_authority,
    )


def briefing_dms(bot, key: str, count: int) -> list[dict]:
    """The person's May briefing DMs, once `count` of them have reached Slack."""

    def sent() -> list[dict]:
        return [
            message
            for message in bot.slack.messages_to(bot.people[key].slack_user_id)
            if message["text"].startswith("QA briefing for May 2018")
        ]

    assert bot.slack.wait_for(lambda: len(sent()) >= count), f"{key}: {len(sent())} briefing(s)"
    return sent()


def files_of(bot, key: str, expected: int) -> dict[str, bytes]:
    """The files of the person's latest May briefing (each name's last upload)."""
    user = bot.people[key].slack_user_id

    def may_files() -> list[tuple[str, bytes]]:
        return [(name, data) for name, data in uploads_in_order(bot, user) if name.startswith(STEM)]

    assert bot.slack.wait_for(lambda: len(may_files()) >= expected), sorted(
        name for name, _ in may_files()
    )
    return dict(may_files())


def rows(files: dict[str, bytes], table: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(files[f"{STEM}-{table}.csv"].decode())))


# One database is enough for a whole month played through Slack (~10 s); the briefing's queries
# run on PostgreSQL too in tests/database/test_report.py and tests/http/test_report.py.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_gloucestershires_may_briefing_shows_the_seeds_figures(gloucestershire):
    bot = gloucestershire
    play = MayPlay(bot)
    play.play()
    # `/audit register`, as the heads of service saw it when closing the Category 1 concerns
    assert "February 2018: 17 · March 2018: 17 · April 2018: 16" in json.dumps(
        play.register_dm["blocks"], ensure_ascii=False
    )

    # -- the provisional briefing, on Friday 1 June --------------------------------------------
    assert tick(bot, PROVISIONAL).briefings == 4  # the administrator and three heads of service
    [provisional] = briefing_dms(bot, "admin", 1)
    assert provisional["text"] == (
        "QA briefing for May 2018 (provisional): 27 audits identified, 26 completed"
    )
    summary = files_of(bot, "admin", 14)[f"{STEM}.md"].decode()
    assert "**Provisional: moderation of these audits is still open" in summary
    # Four re-audits so far: one Outstanding moderated down to Good, one Requires improvement
    # down to Inadequate, two agreed; the Good audits still to be moderated count as Good.
    assert (
        "Following moderation, the 25 audits analysed were judged: 0 Outstanding, 4 Good, "
        "12 Requires improvement to be good, 9 Inadequate." in summary
    )
    assert "4 audits were moderated: 0 moved up, 2 moved down and 2 unchanged." in summary

    # -- the moderator group finishes; the final briefing when the window closes --------------
    play.moderate(MODERATED_IN_JUNE)
    assert tick(bot, FINAL).briefings == 4
    _, final = briefing_dms(bot, "admin", 2)
    assert final["text"] == (
        "QA briefing for May 2018 (final, after moderation): 27 audits identified, 26 completed"
    )
    shown = json.dumps(final["blocks"], ensure_ascii=False)
    assert (
        "27 identified · 26 completed within timescale · 0 late · 1 not completed · "
        "1 inadmissible · 25 analysed"
    ) in shown
    assert (
        "0 Outstanding · 2 Good · 14 Requires improvement to be good · 9 Inadequate "
        "(8 moderated: 1 moved up, 5 moved down)"
    ) in shown
    assert (
        "3 Category 1 raised (3 acknowledged, 0 still open) · 13 Category 2 raised "
        "(13 still open) · 16 on the register at the end of the month"
    ) in shown
    assert "Team managers*: 16 of 26 took part: 10 not available" in shown

    files = files_of(bot, "admin", 28)
    summary = files[f"{STEM}.md"].decode()
    assert summary.startswith("# QA briefing: May 2018")
    assert "**Final: moderation of these audits has closed.**" in summary
    # The chart: every month's audits in time, May's one not completed; the grades but
    # Outstanding (none after moderation in any month).
    drawn = bar_colours(files[f"{STEM}-chart.png"])
    in_time, late, not_done = COMPLETION_COLOURS.values()
    assert {in_time, not_done, *GRADE_COLOURS[1:4]} <= drawn
    assert late not in drawn and GRADE_COLOURS[0] not in drawn

    # 1) How much did we do?
    assert (
        "27 cases were identified for audit: 26 completed within timescale, 0 completed late "
        "and 1 not completed; 1 inadmissible, leaving 25 to be analysed."
    ) in summary
    assert "- Audit not started: discussion not held: 1" in summary
    assert rows(files, "completion")[0] == [
        "Period",
        "Identified",
        "Completed within timescale",
        "Completed late",
        "Not completed",
        "Inadmissible",
        "Analysed",
        "No eligible case",
        "Given more time",
    ]
    assert rows(files, "completion")[-1] == ["2018-05", "27", "26", "0", "1", "1", "25", "0", "0"]

    # 2) How well are we doing? After moderation, against the four months before.
    assert (
        "Following moderation, the 25 audits analysed were judged: 0 Outstanding, 2 Good, "
        "14 Requires improvement to be good, 9 Inadequate. These are the judgements this "
        "briefing uses."
    ) in summary
    assert (
        "As first audited: 1 Outstanding, 3 Good, 13 Requires improvement to be good, "
        "8 Inadequate. 8 audits were moderated: 1 moved up, 5 moved down and 2 unchanged."
    ) in summary
    assert (
        "This is compared to:\n\n"
        "- January 2018: 0 Outstanding, 0 Good, 27 Requires improvement to be good, 5 Inadequate\n"
        "- February 2018: 0 Outstanding, 0 Good, 18 Requires improvement to be good, 5 Inadequate\n"
        "- March 2018: 0 Outstanding, 2 Good, 13 Requires improvement to be good, 9 Inadequate\n"
        "- April 2018: 0 Outstanding, 1 Good, 18 Requires improvement to be good, 8 Inadequate\n"
    ) in summary
    moderation = rows(files, "moderation")
    assert moderation[0][1:5] == [f"{grade} (as audited)" for grade in Policy().framework.grades]
    assert moderation[1] == ["2018-01", "0", "0", "27", "5", "0", "0", "27", "5", "0", "0", "0"]
    assert moderation[-1] == ["2018-05", "1", "3", "13", "8", "0", "2", "14", "9", "8", "1", "5"]
    overall = [row for row in rows(files, "grades") if row[0] == "Overall"]
    assert [row[1:] for row in overall] == [
        ["2018-01", "0", "0", "27", "5", "32"],
        ["2018-02", "0", "0", "18", "5", "23"],
        ["2018-03", "0", "2", "13", "9", "24"],
        ["2018-04", "0", "1", "18", "8", "27"],
        ["2018-05", "0", "2", "14", "9", "25"],
    ]
    assert "2 audits were judged Good or better." in summary

    # 3) Where do we urgently need to focus? The register month by month, May's concerns.
    assert (
        "- January 2018: 20\n- February 2018: 17\n- March 2018: 17\n- April 2018: 16\n"
        "- May 2018: 16\n"
    ) in summary
    assert {row[0]: int(row[-1]) for row in rows(files, "cases-of-concern")[1:]} == (
        REGISTER_AT_MONTH_END
    )
    assert rows(files, "cases-of-concern")[-1] == ["2018-05", "3", "3", "13", "0", "13", "16"]
    assert (
        "From this period's audits, 3 Category 1 (a child may be at risk now; 3 acknowledged by "
        "a senior manager) and 13 Category 2"
    ) in summary
    assert "Of these, 0 are still Category 1 and 13 still Category 2 on the register now." in (
        summary
    )
    # All nine reached a head of service, the two moderated down to Inadequate included.
    assert "9 audits were judged Inadequate after moderation: 9 escalated to a head of service" in (
        summary
    ), re.findall(r"\d+ audits were judged Inadequate[^\n]*", summary)

    # 4) How well are we doing our audits? Engagement, out of the 26 audits done.
    assert (
        "Engagement, out of the 26 audits done:\n\n"
        "- Team managers: 16 of 26 took part: 10 not available\n"
        "- Practitioners: 18 of 26 took part: 8 not available\n"
        "- Children and young people: none of 26 took part: 17 inappropriate for age or "
        "circumstances, 9 attempted, no response\n"
        "- Parents or carers: 12 of 26 took part: 10 attempted, no response, 2 not invited, "
        "2 not stated\n"
    ) in summary
    assert rows(files, "engagement") == [
        ["Group", "Outcome", "Audits"],
        ["Team managers", "took part", "16"],
        ["Team managers", "not available", "10"],
        ["Practitioners", "took part", "18"],
        ["Practitioners", "not available", "8"],
        ["Children and young people", "took part", "0"],
        ["Children and young people", "inappropriate for age or circumstances", "17"],
        ["Children and young people", "attempted, no response", "9"],
        ["Children and young people", "not invited", "0"],
        ["Children and young people", "not stated", "0"],
        ["Parents or carers", "took part", "12"],
        ["Parents or carers", "attempted, no response", "10"],
        ["Parents or carers", "not invited", "2"],
        ["Parents or carers", "not stated", "2"],
    ]

    # The register and what Good looks like name cases: only for the people entitled to them.
    register = rows(files, "cases-of-concern-register")
    assert sorted(row[0] for row in register[1:]) == sorted(
        case.ref for case in MAY if case.concern != "none"
    )
    assert sorted((row[3], bool(row[6])) for row in register[1:]).count(("Category 1", True)) == 3
    good = rows(files, "what-good-looks-like")
    assert [row[:3] for row in good[1:]] == [
        ["5067991", "Gloucester Team 3", "Good"],
        ["5107551", "Cotswolds Assessment Team", "Good"],
    ]
    assert [row[3] for row in good[1:]] == [GOOD_IMPACT["5067991"], GOOD_IMPACT["5107551"]]
    for head, seen in [
        ("hos_gloucester", ["5067991"]),
        ("hos_cheltenham", ["5107551"]),
        ("hos_care", []),
    ]:
        theirs = files_of(bot, head, 28 if seen else 24)
        if seen:
            assert [row[0] for row in rows(theirs, "what-good-looks-like")[1:]] == seen
            line = [row[0] for row in rows(theirs, "cases-of-concern-register")[1:]]
            assert line and set(line) < set(BY_REF)
        else:
            assert not any(name.endswith(CASES_NAMED) for name in _names(theirs)), head
        _no_case_reference(theirs, final_dm=briefing_dms(bot, head, 2)[-1])
    _no_case_reference(files, final_dm=final)
    assert GOOD_CASES == ["5067991", "5107551"]

    # No case reference reached a channel either (the weekly team digests went out on Mondays).
    for call in bot.slack.calls("chat.postMessage"):
        if call.params.get("channel", "")[:1] in ("C", "G"):
            assert not any(ref in json.dumps(call.params) for ref in BY_REF)


def _names(files: dict[str, bytes]) -> list[str]:
    return [name.removesuffix(".csv") for name in files]


def _no_case_reference(files: dict[str, bytes], final_dm: dict) -> None:
    """The files anyone may share (the summary, the tables) and the DM name no case."""
    shareable = [
        data.decode()
        for name, data in files.items()
        if not name.endswith(".png") and not name.removesuffix(".csv").endswith(CASES_NAMED)
    ]
    assert len(shareable) == 11
    for text in shareable:
        assert not re.search(r"\b\d{6,}\b", text)  # nor any case reference of earlier months
    for text in [*shareable, json.dumps(final_dm["blocks"]), final_dm["text"]]:
        assert not [ref for ref in BY_REF if ref in text]


# -- Not available: recorded by a cover, by a round's auditor; moderation to Inadequate ---------

DECEMBER = Period.month(Month(2026, 12))
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)


def _ids(bot) -> dict[str, str]:
    return {key: p.slack_user_id for key, p in bot.people.items() if isinstance(p, Staff)}


def _december_briefing(bot):
    with bot.services.make_session() as session:
        return briefing_as_of(
            session, bot.services.policy, bot.services.calendar, DECEMBER, date(2027, 1, 4)
        )


def _audited_without_the_team_manager(bot, auditor: str, case_dm) -> Audit:
    """`auditor` audits the case on 15 December, is asked who took part in the discussion, and
    answers that the case's team manager was not available; the audit as submitted."""
    bot.services.clock.now = datetime(2026, 12, 15, 14, 0, tzinfo=LONDON)
    last_step = submit_audit(
        bot,
        auditor,
        case_dm,
        RI,
        owner=_ids(bot)["north_worker"],
        took_part=("not_available", "took_part"),
        due="2027-01-29",
    )
    assert "manager_engagement" in {block.get("block_id") for block in last_step["blocks"]}
    with bot.services.make_session() as session:
        [audit] = session.exec(select(Audit).where(Audit.status == "submitted")).all()
    return audit


def _team_managers(briefing) -> dict[str, int]:
    [managers] = [row for row in briefing.engagement if row.group == "Team managers"]
    return managers.counts


def test_a_cover_auditing_for_an_absent_team_manager_can_record_them_not_available(start_bot):
    """Gloucestershire's ten team managers "not available during the auditing period (annual
    leave, sickness)": here the north team's manager is away all December and the service
    manager, covering, does the audit."""
    bot = start_bot(Clock(MONDAY), people=lambda s: factories.authority(s, cases_per_team=2))
    ids = _ids(bot)
    assert (
        f"<@{ids['service_manager']}> covers"
        in bot.command(ids["north_tm"], "away 2026-11-30 2026-12-31").text
    )
    bot.command(ids["admin"], "select 2026-12")
    cover = ids["service_manager"]
    case_dm = dm_with(bot, cover, "Covering for Nina North", "audit.start")
    audit = _audited_without_the_team_manager(bot, cover, case_dm)
    assert audit.manager_id == bot.people["north_tm"].id  # recorded under the absent manager
    assert audit.manager_engagement == "not_available"
    assert _team_managers(_december_briefing(bot)) == {"took part": 0, "not available": 1}


def test_a_round_auditors_not_available_reaches_the_briefings_rounds_table(start_bot):
    """Gloucestershire's audits are done by heads of service and managers of other teams: as an
    audit round, whose auditor is asked whether the case's manager and practitioner took part."""
    audit_day = RoundDefinition(
        name="december-audit-day",
        kind="audit_day",
        cases=1,
        auditors=["hana.head@example.gov.uk"],
        selection_date=date(2026, 12, 1),
        audit_date=date(2026, 12, 15),
    )
    bot = start_bot(
        Clock(MONDAY),
        policy=Policy(rounds=RoundsPolicy(rounds=[audit_day])),
        people=lambda s: factories.authority(s, cases_per_team=3),
    )
    ids = _ids(bot)
    bot.command(ids["admin"], "select 2026-12")  # December's own draw: it has a briefing
    tick(bot, datetime(2026, 12, 1, 9, 0, tzinfo=LONDON))  # the round is drawn
    head = ids["head"]
    round_dm = dm_with(bot, head, "audit.start")
    audit = _audited_without_the_team_manager(bot, head, round_dm)
    assert audit.manager_engagement == "not_available"  # recorded, and counted with its round
    briefing = _december_briefing(bot)
    [rounds, _findings] = round_tables(briefing)
    row = dict(zip(rounds.header, rounds.rows[0], strict=True))
    assert row["Team managers not available"] == 1 and row["Practitioners took part"] == 1
    assert _team_managers(briefing) == {"took part": 0, "not available": 0}  # none of its own


def test_moderation_to_inadequate_escalates_to_the_head_of_service(start_bot):
    """In Gloucestershire's May two audits moved to Inadequate on moderation; all nine of the
    month's Inadequate audits were escalated to the heads of service."""
    bot = start_bot(
        Clock(MONDAY),
        policy=Policy(reaudit=ReauditPolicy(sampling="every_audit")),
        people=lambda s: factories.authority(s, cases_per_team=2),
    )
    ids = _ids(bot)
    bot.command(ids["admin"], "select 2026-12")
    manager = ids["north_tm"]
    bot.services.clock.now = datetime(2026, 12, 15, 14, 0, tzinfo=LONDON)
    selection_dm = dm_with(bot, manager, "audit.start")
    submit_audit(bot, manager, selection_dm, RI, owner=ids["north_worker"], due="2027-01-29")
    moderator = ids["service_manager"]
    given = dm_with(bot, moderator, "Re-audit to do", "reaudit.start")
    submit_reaudit(bot, moderator, given, RI, INADEQUATE)
    inadequate = _december_briefing(bot).inadequate
    assert inadequate.audits == 1
    assert inadequate.escalated == 1
