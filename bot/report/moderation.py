"""Moderation figures for the QA briefing: how often moderators agreed with the original grade,
per domain, and how many grades they moved up or down, over a briefing's period."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.policy.schema import FrameworkPolicy
from bot.report.period import Period
from models import Audit, ModeratedJudgement, Reaudit, ReauditRound, Selection, SelectionRound
from models.reaudit import MONTHLY
from models.statuses import ReauditStatus


@dataclass(frozen=True)
class ReauditAgreement:
    domain: str
    reaudited: int
    agreed: int
    moved_up: int
    moved_down: int

    @property
    def rate(self) -> float:
        return self.agreed / self.reaudited if self.reaudited else 0.0


def reaudit_agreement(
    session: Session, period: Period, framework: FrameworkPolicy
) -> list[ReauditAgreement]:
    """One row per domain moderated, in framework order, over the monthly re-audits of the
    period's audits (the month their case was drawn for, like every other figure of the
    briefing; not the month the re-audit was drawn)."""
    rows = session.exec(
        select(ModeratedJudgement.domain_id, ModeratedJudgement.agreed, ModeratedJudgement.moved)
        .join(Reaudit, col(Reaudit.id) == ModeratedJudgement.reaudit_id)
        .join(ReauditRound, col(ReauditRound.id) == Reaudit.round_id)
        .join(Audit, col(Audit.id) == Reaudit.audit_id)
        .join(Selection, col(Selection.id) == Audit.selection_id)
        .join(SelectionRound, col(SelectionRound.id) == Selection.round_id)
        .where(col(SelectionRound.month).in_([str(month) for month in period.months]))
        .where(ReauditRound.kind == MONTHLY, Reaudit.status == ReauditStatus.SUBMITTED)
    ).all()
    counts: Counter[tuple[str, str]] = Counter()
    for domain_id, agreed, moved in rows:
        counts[(domain_id, "moderated")] += 1
        counts[(domain_id, "agreed")] += int(agreed)
        if moved:
            counts[(domain_id, moved)] += 1
    titles = {domain.id: domain.title for domain in framework.domains}
    seen = {domain_id for domain_id, _agreed, _moved in rows}
    return [
        ReauditAgreement(
            titles.get(domain_id, domain_id),
            *(counts[(domain_id, key)] for key in ("moderated", "agreed", "up", "down")),
        )
        for domain_id in [*titles, *sorted(seen - set(titles))]
        if counts[(domain_id, "moderated")]
    ]
