"""Stockport's framework through the signed HTTP endpoint (issue 25): its ten domains, equality
and diversity among them, and what Outstanding means ("above and beyond statutory practice")
shown with the grade menus of every step and of the overall judgement."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.policy.presets import write_preset
from bot.policy.schema import load_policy
from models import Audit
from tests.http.test_audit import (
    FRIDAY,
    domain_values,
    final_values,
    running_bot,
    start_audit,
    submit,
)
from tests.support.harness import Clock

pytestmark = pytest.mark.integration
DESCRIPTOR = "*Outstanding:* Practice above and beyond statutory practice"


def descriptors_shown(view) -> list[str]:
    return [
        element["text"]
        for block in view["blocks"]
        if block["type"] == "context"
        for element in block["elements"]
        if element["text"].startswith("*Outstanding:*")
    ]


def test_every_grade_menu_says_what_outstanding_means_and_equality_is_a_domain(start_bot, tmp_path):
    policy = load_policy(write_preset("stockport", tmp_path / "stockport.yaml"))
    bot = running_bot(start_bot, Clock(FRIDAY), policy=policy)
    view = start_audit(bot)
    steps = [view]
    while view["submit"]["text"] != "Submit the audit":
        [shown] = descriptors_shown(view)
        assert shown.startswith(DESCRIPTOR)
        answer = submit(bot, view, domain_values(view, grade="Outstanding"))
        view = {**answer.json["view"], "id": view["id"]}
        steps.append(view)
    assert len(steps) == 6  # ten domains, two a step, then the last step
    assert "grade__equality_diversity" in json.dumps(steps)
    final = [block.get("block_id") for block in view["blocks"]]
    [shown] = descriptors_shown(view)
    assert shown.startswith(DESCRIPTOR)
    assert final.index("overall") < next(
        i for i, block in enumerate(view["blocks"]) if block["type"] == "context" and
        block["elements"][0]["text"].startswith("*Outstanding:*")
    )  # fmt: skip
    assert not submit(bot, view, final_values(bot, overall="Outstanding")).body
    with bot.services.make_session() as session:
        audit = session.exec(select(Audit)).one()
    assert audit.answers["equality_diversity"]["grade"] == "Outstanding"


def test_a_framework_without_descriptors_shows_none(start_bot):
    bot = running_bot(start_bot, Clock(FRIDAY))
    assert descriptors_shown(start_audit(bot)) == []
