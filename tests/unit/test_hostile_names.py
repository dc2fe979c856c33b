"""Names come from councils' files and are untrusted: every template, rendered with a hostile
name for every person and team, carries no live mention or link in any field, notification text
included (Slack parses `<…>` in every text object; `&amp;`, `&lt;` and `&gt;` are shown as the
characters they stand for)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from types import SimpleNamespace as Obj
from typing import Any

import pytest

from bot.chasing.nudges import chase_context
from bot.core.cover import Route, covering_note
from bot.core.outbox import _marked_message
from messages import render
from tests.unit.test_messages import SAMPLES, overdue

LIVE = ["<!here>", "<!channel>", "<!everyone>", "<@U0123ABCD>", "<http://x|y>"]
HOSTILE = " ".join(LIVE) + " *bold* _italic_ ~strike~"
# What makes an object a person or a team: the attributes beside its name, or what it is under.
PERSON_OR_TEAM = {"slack_user_id", "email", "team_type", "service_area", "newly_qualified"}
NAMED_BY_KEY = ("team", "manager", "person", "worker", "practitioner", "leaver", "owner")


def with_hostile_names(value: Any, key: str = "") -> Any:
    """The sample with every person's and team's name made hostile."""
    if isinstance(value, dict):
        return {name: with_hostile_names(item, name) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(with_hostile_names(item, key) for item in value)
    if isinstance(value, Obj):
        fields = {name: with_hostile_names(item, name) for name, item in vars(value).items()}
        if _names_someone(key, set(fields)):
            fields["name"] = HOSTILE
        return Obj(**fields)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        init = [field.name for field in dataclasses.fields(value) if field.init]
        changed = {name: with_hostile_names(getattr(value, name), name) for name in init}
        if _names_someone(key, set(init)):
            changed["name"] = HOSTILE
        return dataclasses.replace(value, **changed)
    return value


def _names_someone(key: str, fields: set[str]) -> bool:
    return "name" in fields and bool(fields & PERSON_OR_TEAM or any(k in key for k in NAMED_BY_KEY))


def test_the_samples_carry_hostile_names():
    hostile = json.dumps(
        {name: render(name, **with_hostile_names(SAMPLES[name])) for name in SAMPLES},
        ensure_ascii=False,
    )
    assert hostile.count("&lt;!here&gt;") > len(SAMPLES)  # most templates name someone


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_no_name_becomes_a_live_mention_or_link(name):
    rendered = json.dumps(render(name, **with_hostile_names(SAMPLES[name])), ensure_ascii=False)
    assert [token for token in LIVE if token in rendered] == []


def covering(name: str) -> Route:
    """The route of a DM meant for `name`, who is away, to their cover."""
    return Route(
        Obj(id=7, name=name), Obj(id=8, name="Sam Service"), Obj(ends_on=date(2026, 12, 18))
    )


def test_a_covered_colleagues_name_is_escaped_wherever_their_cover_sees_it():
    route = covering(HOSTILE)
    held = [dataclasses.replace(overdue(n), covering=route) for n in range(3)]
    rendered = json.dumps(render("chase_dm", **chase_context(held)), ensure_ascii=False)
    marked = json.dumps(_marked_message(route, {"text": "hi", "blocks": []}), ensure_ascii=False)
    assert "&lt;!here&gt;" in rendered and "&lt;!here&gt;" in marked
    assert [token for token in LIVE if token in rendered + marked + covering_note(route)] == []
