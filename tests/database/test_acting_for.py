"""The one rule of who may act for whom (bot/core/cover.py `acting_for`), at fixed `now`s: the
owner themselves, or whoever the owner's DMs go to while they are away (the chain included);
nobody else, and nobody once the owner is back. A cover's act is noted for the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.core import auditlog
from bot.core.cover import Acting, acting_for, require_acting_for
from bot.core.errors import NotAllowed
from bot.people.away import answer_away
from bot.people.away_command import AwayRequest
from models import AuditLogEntry
from tests.support import factories

LONDON = ZoneInfo("Europe/London")
SET_ON = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DURING = datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
AFTER = datetime(2026, 12, 19, 9, 0, tzinfo=UTC)


def away(session, person, cover=None, first=date(2026, 12, 14), last=date(2026, 12, 18)):
    factories.mark_away(session, person, first, last, cover=cover, now=SET_ON, timezone=LONDON)


def test_the_owner_acts_for_themselves_whether_away_or_not(people):
    session, p = people
    nina = p["north_tm"]
    assert acting_for(session, nina, nina.id, now=DURING) == Acting(nina, nina)
    away(session, nina)
    acting = acting_for(session, nina, nina.id, now=DURING)
    assert acting == Acting(nina, nina) and not acting.on_behalf and acting.note == ""


def test_the_cover_acts_for_the_owner_only_while_they_are_away(people):
    session, p = people
    nina, sam = p["north_tm"], p["service_manager"]
    away(session, nina)  # no cover named: her line manager covers
    assert acting_for(session, sam, nina.id, now=SET_ON) is None
    acting = acting_for(session, sam, nina.id, now=DURING)
    assert acting == Acting(sam, nina) and acting.on_behalf
    assert acting.note == "Done by Sam Service on behalf of Nina North (away)."
    assert acting_for(session, sam, nina.id, now=AFTER) is None


def test_nobody_else_acts_for_the_owner(people):
    session, p = people
    nina = p["north_tm"]
    away(session, nina, cover=p["south_tm"])
    assert acting_for(session, p["service_manager"], nina.id, now=DURING) is None
    assert acting_for(session, p["admin"], nina.id, now=DURING) is None
    with pytest.raises(NotAllowed, match="Only Nina's"):
        require_acting_for(session, p["north_worker"], nina.id, now=DURING, refusal="Only Nina's.")


def test_the_covers_cover_acts_when_the_cover_is_away_too(people):
    session, p = people
    nina, sol, admin = p["north_tm"], p["south_tm"], p["admin"]
    away(session, nina, cover=sol)
    away(session, sol, cover=admin, first=date(2026, 12, 15), last=date(2026, 12, 15))
    assert acting_for(session, admin, nina.id, now=DURING) == Acting(admin, nina)
    assert acting_for(session, sol, nina.id, now=DURING) is None  # away: their cover acts


def test_a_cleared_absence_ends_the_cover_at_once(people):
    session, p = people
    nina, sam = p["north_tm"], p["service_manager"]
    away(session, nina)
    assert acting_for(session, sam, nina.id, now=DURING) is not None
    answer_away(session, nina, AwayRequest(clear=True), DURING, LONDON)
    assert acting_for(session, sam, nina.id, now=DURING) is None


def test_of_several_owners_the_actor_acts_as_one_of_them_first_else_as_a_cover(people):
    session, p = people
    nina, pat, sam = p["north_tm"], p["north_worker"], p["service_manager"]
    assert acting_for(session, nina, pat.id, nina.id, now=DURING) == Acting(nina, nina)
    away(session, nina)
    assert acting_for(session, sam, pat.id, nina.id, now=DURING) == Acting(sam, nina)
    assert acting_for(session, sam, None, now=DURING) is None


def test_a_covers_act_is_logged_on_behalf_of_the_owner(people):
    session, p = people
    nina, sam = p["north_tm"], p["service_manager"]
    away(session, nina)
    acting_for(session, sam, nina.id, now=DURING)
    auditlog.record(session, actor=sam.email, action="test.act", subject="x", now=DURING)
    auditlog.record(session, actor=nina.email, action="test.own", subject="y", now=DURING)
    session.flush()
    entries = {e.action: e.details for e in session.exec(select(AuditLogEntry)).all()}
    assert entries["test.act"] == {"on_behalf_of": nina.email}
    assert entries["test.own"] == {}
