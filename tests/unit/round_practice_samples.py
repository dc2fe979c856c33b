"""Samples of Halton's audit-day messages (issue 25) for the template tests in test_messages.py:
every one rendered within Block Kit's limits, with hostile names and free text escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace as Obj
from typing import Any

LONG = "<!channel> " + "x" * 2900
TYPED = "& " * 1500  # what a person typed, shown back in a form's input as plain text
WHEN = datetime(2027, 1, 11, 15, 0, tzinfo=UTC)


def round_practice_samples(person: Any, case: Any) -> dict[str, dict[str, Any]]:
    audit_round = Obj(name="x" * 40, audit_on=date(2027, 1, 11), audit_until=None)
    pair = [Obj(id=1, **vars(person)), Obj(id=2, name="Sam <!here> & co", slack_user_id=None)]
    judgement = Obj(
        id=9,
        stage="returned",
        agreed_at=WHEN,
        reviewer_id=3,
        reviewed_at=WHEN,
        return_comment=LONG[:2000],
        returns=2,
    )
    common = dict(
        judgement=judgement,
        round=audit_round,
        case=case,
        audit=Obj(overall="Requires improvement to be good"),
        impact=LONG,
        pair=pair,
        submitted_by=pair[1],
    )
    findings = Obj(strengths=TYPED, weaknesses=TYPED, recommendations=TYPED, recorded_at=WHEN)
    day = Obj(id=4, name="x" * 40, audit_on=date(2027, 1, 11), audit_until=date(2027, 1, 12))
    return {
        "round_findings_prompt_dm": dict(round=day, findings=findings),
        "round_plan_dm": dict(
            rounds=[Obj(name="x" * 40, audit_on=date(2027, 1, 11), selection_on=date(2026, 12, 7))]
            * 60
        ),
        "round_findings_modal": dict(
            round=day, findings=findings, private_metadata='{"round_id": 4}'
        ),
        "poor_practice_ask_dm": dict(round=day, round_case=Obj(id=12), case=case, grade="&" * 75),
        "poor_practice_modal": dict(
            case=case, practitioner=pair[1], private_metadata='{"round_case_id": 12}'
        ),
        "poor_practice_dm": dict(
            round=day,
            case=case,
            practitioner=pair[1],
            reporter=pair[0],
            acknowledged_by=pair[1],
            to_reporter=False,
            chased_after=40,
            copy=True,
            senior=pair[1],
            report=Obj(
                id=3,
                recommendation=LONG[:2000],
                due_on=date(2027, 1, 25),
                acknowledged_at=WHEN,
            ),
        ),
        "round_pair_agree_dm": dict(**common, reader=pair[0]),
        "round_qa_dm": dict(**common, decided="returned"),
        "round_qa_return_modal": dict(
            case_ref=case.case_ref, private_metadata='{"judgement_id": 9}'
        ),
        "round_returned_dm": common,
        "round_revise_modal": dict(
            case_ref=case.case_ref,
            comment=LONG[:2000],
            impact=TYPED,
            private_metadata='{"judgement_id": 9}',
        ),
    }
