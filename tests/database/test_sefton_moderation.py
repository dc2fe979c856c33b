"""Sefton's moderation through the re-audit draw (issue 25): "30% of audits are moderated each
month consisting of any audits judged as 'good' and a selection of audits judged as 'Requires
Improvement to be Good' and 'Inadequate.' Moderations are completed by members of the Quality
Assurance and Practice Improvement team as well as the Service Manager for Safeguarding."
Nothing new was needed: the percent sampling and a moderation panel do it, as the Sefton preset
sets them. Here on SQLite and PostgreSQL, with more Good audits than the share."""

from collections import Counter
from datetime import UTC, datetime

from sqlmodel import select

from bot.policy.schema import Policy
from models import Reaudit
from models.db import transaction
from tests.database.test_reaudit_draw import audit_at, draw
from tests.support import factories

RI = "Requires improvement to be good"
SEFTON = Policy.model_validate(
    {
        "reaudit": {
            "sampling": "percent",
            "percent": 30,
            "always_include_overall": ["Outstanding", "Good"],
            "moderator_role": "panel",
            "panel": {
                "name": "QA and Practice Improvement",
                "members": [
                    "quinn.qa@example.gov.uk",
                    "rita.qa@example.gov.uk",
                    "sam.service@example.gov.uk",  # the Service Manager for Safeguarding
                ],
            },
        }
    }
)


def test_every_good_and_a_share_of_the_rest_shared_by_the_qa_team_and_the_safeguarding_sm(
    make_session, working_calendar
):
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=0)
        factories.person(session, "Quinn QA", "practitioner")
        factories.person(session, "Rita QA", "practitioner")
        november = [datetime(2026, 11, day, 12, tzinfo=UTC) for day in range(2, 14)]
        goods = [audit_at(session, people, moment, overall="Good") for moment in november[:5]]
        others = [
            audit_at(session, people, moment, "south_tm", overall=RI) for moment in november[5:]
        ]
        outcome = draw(session, SEFTON, working_calendar)
        drawn = session.exec(select(Reaudit).order_by(Reaudit.id)).all()
    # 30% of 12 is 4, but there are 5 Good: every Good is moderated, beyond the share.
    assert outcome.criteria["pool_size"] == 12 and len(drawn) == 5
    assert {r.audit_id for r in drawn} == {a.id for a in goods}
    assert not {a.id for a in others} & {r.audit_id for r in drawn}
    assert {r.panel for r in drawn} == {"QA and Practice Improvement"}
    shared = Counter(person.name for person in outcome.moderators)
    assert shared == {"Quinn QA": 2, "Rita QA": 2, "Sam Service": 1}  # in turn


def test_a_selection_of_the_rest_makes_up_the_share(make_session, working_calendar):
    with transaction(make_session) as session:
        people = factories.authority(session, cases_per_team=0)
        factories.person(session, "Quinn QA", "practitioner")
        factories.person(session, "Rita QA", "practitioner")
        november = [datetime(2026, 11, day, 12, tzinfo=UTC) for day in range(2, 12)]
        good = audit_at(session, people, november[0], overall="Good")
        for moment in november[1:]:
            audit_at(session, people, moment, "south_tm", overall=RI)
        outcome = draw(session, SEFTON, working_calendar)
        drawn = session.exec(select(Reaudit).order_by(Reaudit.id)).all()
    # 30% of 10 is 3: the Good one and two others at random.
    assert len(drawn) == 3 and good.id in {r.audit_id for r in drawn}
    assert sorted(r.chosen_because for r in drawn) == ["always_included", "random", "random"]
    assert "including every one judged Outstanding or Good" in outcome.rule
