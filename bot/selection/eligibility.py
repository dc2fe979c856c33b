"""Which cases a month's draw may pick: the eligibility rule, the heart of the draw.

A case is eligible for a month when it is open, of one of the policy's eligible types, was
opened at least `min_open_days` before the month starts, and was not selected in the months of
the look-back window. `Criteria` records the rule as applied (it is stored with the round, so a
draw can be explained later); `eligible_pools` finds the cases.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.core.months import Month
from bot.policy.schema import Policy
from models import Case, Selection, SelectionRound
from models.statuses import CaseStatus, SelectionStatus


@dataclass(frozen=True)
class Criteria:
    """What made a case eligible for a month's draw (stored with the round)."""

    case_types: list[str]
    opened_on_or_before: date
    not_selected_since: str  # first month of the look-back window, YYYY-MM

    @classmethod
    def for_month(cls, policy: Policy, month: Month) -> Criteria:
        rules = policy.selection
        return cls(
            case_types=list(rules.eligible_case_types),
            opened_on_or_before=month.first_day - timedelta(days=rules.min_open_days),
            not_selected_since=str(month.plus(-rules.exclude_selected_within_months)),
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "case_types": self.case_types,
            "opened_on_or_before": self.opened_on_or_before.isoformat(),
            "not_selected_since": self.not_selected_since,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Criteria:
        return cls(
            case_types=list(data["case_types"]),  # type: ignore[arg-type]
            opened_on_or_before=date.fromisoformat(str(data["opened_on_or_before"])),
            not_selected_since=str(data["not_selected_since"]),
        )


def eligible_pools(
    session: Session, criteria: Criteria, month: Month, team_id: int | None = None
) -> dict[int, array[int]]:
    """Eligible open cases per team (or of one team), each sorted by case reference: only
    their ids, streamed, as most of them are only counted (120,000 at scale 4), and held as
    machine integers (8 bytes each rather than 36 as a list of ints)."""
    recently_selected = (
        sa_select(Selection.case_id)
        .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
        .where(Selection.status == SelectionStatus.SELECTED, col(Selection.case_id).is_not(None))
        .where(
            SelectionRound.month >= criteria.not_selected_since, SelectionRound.month < str(month)
        )
    )
    eligible = (
        select(Case.id, Case.team_id)
        .where(Case.status == CaseStatus.OPEN)
        .where(col(Case.case_type).in_(criteria.case_types))
        .where(Case.opened_on <= criteria.opened_on_or_before)
        .where(col(Case.id).not_in(recently_selected))
        .order_by(Case.case_ref)
    )
    if team_id is not None:
        eligible = eligible.where(Case.team_id == team_id)
    pools: dict[int, array[int]] = defaultdict(lambda: array("q"))
    # In chunks, and not through the ORM, which spent a quarter of the draw's read turning
    # 20,000 pairs of ids into rows (scale 1). Flushed first, as the ORM would have.
    session.flush()
    rows = session.connection().execute(eligible.execution_options(yield_per=2000))
    for case_id, case_team_id in rows:
        pools[case_team_id].append(case_id)
    return pools
