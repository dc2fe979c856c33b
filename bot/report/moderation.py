"""Moderation figures for the QA briefing: how often moderators agreed with the original grade,
per domain, and how many grades they moved up or down; for one re-audit month, and summed
over a briefing's period."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.core.months import Month
from bot.policy.schema import FrameworkPolicy
from bot.report.period import Period
from models import ModeratedJudgement, Reaudit, ReauditRound
from models.reaudit import MONTHLY
from models.statuses import ReauditStatus


@dataclass(frozen=True)
class DomainAgreement:
    domain_id: str
    title: str
    moderated: int
    agreed: int
    moved_up: int
    moved_down: int

    @property
    def agreement_rate(self) -> float | None:
        """The share of moderated judgements the moderator agreed with; None if none."""
        return self.agreed / self.moderated if self.moderated else None


@dataclass(frozen=True)
class ModerationFigures:
    month: Month
    reaudits_completed: int
    domains: list[DomainAgreement]

    @property
    def moved_up(self) -> int:
        return sum(d.moved_up for d in self.domains)

    @property
    def moved_down(self) -> int:
        return sum(d.moved_down for d in self.domains)


def moderation_figures(
    session: Session, framework: FrameworkPolicy, month: Month, kind: str = MONTHLY
) -> ModerationFigures:
    """The completed re-audits drawn for `month` (the monthly sample by default), per domain
    in the framework's order; a domain since removed from the framework comes last."""
    rows = session.exec(
        select(ModeratedJudgement.domain_id, ModeratedJudgement.agreed, ModeratedJudgement.moved)
        .join(Reaudit, col(Reaudit.id) == ModeratedJudgement.reaudit_id)
        .join(ReauditRound, col(ReauditRound.id) == Reaudit.round_id)
        .where(ReauditRound.month == str(month), ReauditRound.kind == kind)
        .where(Reaudit.status == ReauditStatus.SUBMITTED)
    ).all()
    counts: Counter[tuple[str, str]] = Counter()
    for domain_id, agreed, moved in rows:
        counts[(domain_id, "moderated")] += 1
        counts[(domain_id, "agreed")] += int(agreed)
        if moved:
            counts[(domain_id, moved)] += 1
    titles = {domain.id: domain.title for domain in framework.domains}
    seen = {domain_id for domain_id, _agreed, _moved in rows}
    order = [*titles, *sorted(seen - set(titles))]
    domains = [
        DomainAgreement(
            domain_id=domain_id,
            title=titles.get(domain_id, domain_id),
            moderated=counts[(domain_id, "moderated")],
            agreed=counts[(domain_id, "agreed")],
            moved_up=counts[(domain_id, "up")],
            moved_down=counts[(domain_id, "down")],
        )
        for domain_id in order
    ]
    completed = session.exec(
        select(Reaudit.id)
        .join(ReauditRound, col(ReauditRound.id) == Reaudit.round_id)
        .where(ReauditRound.month == str(month), ReauditRound.kind == kind)
        .where(Reaudit.status == ReauditStatus.SUBMITTED)
    ).all()
    return ModerationFigures(month=month, reaudits_completed=len(completed), domains=domains)


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
    """One row per domain moderated in the period's monthly re-audits, in framework order."""
    totals: dict[str, list[int]] = {}
    for month in period.months:
        for domain in moderation_figures(session, framework, month).domains:
            if domain.moderated:
                row = totals.setdefault(domain.title, [0, 0, 0, 0])
                for index, value in enumerate(
                    (domain.moderated, domain.agreed, domain.moved_up, domain.moved_down)
                ):
                    row[index] += value
    return [ReauditAgreement(title, *counts) for title, counts in totals.items()]
