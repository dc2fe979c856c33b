"""Auditor pairs on an audit day (issue 25, Halton), as plain rules: pairs fixed by the draw's
seed, each case to a pair neither of whom is its practitioner or their manager, the policy's
checks, and the auditor's DM saying who their pair is and where the judgement stands."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace as Obj

import pytest
from pydantic import ValidationError

from bot.policy.schema import Policy, RoundDefinition, load_policy
from bot.rounds.pairs import assign_pairs, pair_auditors
from bot.rounds.rules import Candidate
from messages import render
from tests.unit.test_messages import round_context


def candidate(case_id: int, worker_id: int, manager_id: int | None) -> Candidate:
    return Candidate(case_id, f"CR-{case_id}", "Safeguarding", worker_id, manager_id)


def test_the_pairs_are_fixed_by_the_seed_and_an_odd_one_out_audits_alone():
    pairs = pair_auditors([1, 2, 3, 4, 5], "seed-1")
    assert pairs == pair_auditors([5, 4, 3, 2, 1], "seed-1")  # the order given does not matter
    assert sorted(m for pair in pairs for m in pair if m) == [1, 2, 3, 4, 5]
    assert [pair[1] is None for pair in pairs] == [False, False, True]
    assert any(pair_auditors([1, 2, 3, 4, 5], f"seed-{n}") != pairs for n in range(2, 6))


def test_each_case_goes_to_a_pair_without_its_practitioner_or_their_manager():
    pairs = [(1, 2), (3, 4)]
    ordered = [candidate(10, worker_id=1, manager_id=9), candidate(11, worker_id=7, manager_id=4)]
    assert assign_pairs(ordered, pairs, 2, one_each=True) == [
        (ordered[0], (3, 4)),
        (ordered[1], (1, 2)),
    ]
    both_conflicted = [candidate(12, worker_id=1, manager_id=3)]
    assert assign_pairs(both_conflicted, pairs, 1, one_each=False) == []
    alone = [(5, None)]
    assert assign_pairs([candidate(13, 7, None)], alone, 1, one_each=True) == [
        (candidate(13, 7, None), (5, None))
    ]


def test_the_members_take_turns_to_be_recorded_as_auditor_and_one_each_is_one_per_member():
    ordered = [candidate(n, worker_id=100 + n, manager_id=None) for n in range(5)]
    one_each = assign_pairs(ordered, [(1, 2), (3, 4), (5, None)], 6, one_each=True)
    assert [pair for _, pair in one_each] == [(1, 2), (3, 4), (5, None), (2, 1), (4, 3)]
    spread = assign_pairs(ordered, [(1, 2), (3, 4)], 5, one_each=False)
    assert [pair for _, pair in spread] == [(1, 2), (3, 4), (2, 1), (4, 3), (1, 2)]
    capped = assign_pairs(ordered, [(1, 2), (3, 4)], 5, one_each=True)
    assert len(capped) == 4  # one case per auditor: two a pair


def day(**changes) -> dict:
    return {
        "name": "audit-day-q1",
        "kind": "audit_day",
        "cases": 2,
        "auditors": ["a@x.gov.uk", "b@x.gov.uk", "c@x.gov.uk", "d@x.gov.uk"],
        "pairs": True,
        "audit_date": date(2027, 1, 11),
    } | changes


def test_the_policy_needs_two_auditors_to_pair_and_still_one_case_each():
    assert RoundDefinition.model_validate(day()).pairs
    with pytest.raises(ValidationError, match="5 cases but 4 auditor"):
        RoundDefinition.model_validate(day(cases=5))
    with pytest.raises(ValidationError, match="at least two auditors"):
        RoundDefinition.model_validate(day(auditors=["a@x.gov.uk"], cases=1))
    defaults = RoundDefinition.model_validate(day(pairs=False) | {"cases": 4})
    assert (defaults.pairs, defaults.lead_reviewer, defaults.poor_practice) == (False, None, False)
    assert RoundDefinition.model_validate(day(auditors=[], auditor_role="team_manager")).pairs


@pytest.mark.parametrize(
    ("stage", "says"),
    [
        ("awaiting_agreement", "Waiting for your pair to agree"),
        ("awaiting_qa", "With the lead reviewer"),
        ("returned", "Returned by the lead reviewer"),
        ("approved", "Approved"),
    ],
)
def test_the_auditors_dm_names_the_pair_and_where_the_judgement_stands(stage, says):
    auditor = Obj(id=1, name="Nina", slack_user_id="U0TM00001")
    partner = Obj(id=2, name="Sam <!here> & co", slack_user_id="U0TM00002")
    audit = Obj(status="submitted", submitted_at=datetime(2027, 1, 11, tzinfo=UTC), overall="Good")
    judgement = Obj(stage=stage, return_comment="<!channel> say more")
    context = round_context | {"auditor": auditor}
    for reader, other in ((auditor, partner), (partner, auditor)):
        message = render(
            "round_auditor_dm",
            **context,
            audit=audit,
            reminder=None,
            swapped=False,
            partner=partner,
            judgement=judgement,
            reader_id=reader.id,
        )
        text = json.dumps(message["blocks"])
        assert f"with <@{other.slack_user_id}>" in text and says in text
        assert "<!here>" not in text and "<!channel>" not in text


def test_halton_s_preset_pairs_its_audit_teams_under_a_lead_who_hears_of_poor_practice():
    preset = Path(__file__).parents[2] / "bot" / "policy" / "presets" / "halton.yaml"
    days = load_policy(preset).rounds.rounds
    assert {(day.pairs, day.lead_reviewer, day.poor_practice) for day in days} == {
        (True, "qa.lead@council.example", True)
    }
    assert Policy().rounds.rounds == [] and not Policy().rounds.yearly_plan.dates
