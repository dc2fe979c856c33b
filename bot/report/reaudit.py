"""Re-audit agreement per domain for the QA briefing: how often the moderators agreed with the
original grade, and how many grades they moved up or down, over the period's re-audit months."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from bot.policy import FrameworkPolicy
from bot.reaudit_report import moderation_figures
from bot.report.period import Period


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
