"""The re-audit's messages: the moderator's DM (re-rendered as the re-audit moves on), the
notice to the team manager and practitioner, and the outcome."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.core.outbox import queue_dm, queue_update
from bot.policy.schema import Policy
from bot.selection.manager_message import CASE_TYPE_NAMES
from messages import render
from models import Audit, AuditAction, Case, ModeratedJudgement, Reaudit, Selection, Staff
from models.db import rows_by_id
from models.reaudit import ANNUAL, ReauditRound


@dataclass(frozen=True)
class Original:
    """The audit a re-audit moderates, and the people it concerns."""

    audit: Audit
    case: Case
    manager: Staff
    practitioner: Staff

    @classmethod
    def of(cls, session: Session, reaudit: Reaudit) -> Original:
        return cls.of_audits(session, [reaudit.audit_id])[reaudit.audit_id]

    @classmethod
    def of_audits(cls, session: Session, audit_ids: list[int]) -> dict[int, Original]:
        """Each audit's Original, in four queries however many (a month's re-audit draw)."""
        audits = rows_by_id(session, Audit, audit_ids)
        selections = rows_by_id(session, Selection, [a.selection_id for a in audits.values()])
        cases = rows_by_id(session, Case, [s.case_id for s in selections.values()])
        people = rows_by_id(
            session,
            Staff,
            [a.manager_id for a in audits.values()] + [c.worker_id for c in cases.values()],
        )
        originals = {}
        for audit in audits.values():
            case = cases[selections[audit.selection_id].case_id]
            originals[audit.id] = cls(audit, case, people[audit.manager_id], people[case.worker_id])
        return originals

    @property
    def case_type(self) -> str:
        return CASE_TYPE_NAMES.get(self.case.case_type, self.case.case_type)


def moderator_dm_key(reaudit: Reaudit) -> str:
    return f"reaudit:{reaudit.id}:moderator"


AuditActions = list[tuple[AuditAction, Staff]]


def audit_actions(session: Session, audit_id: int) -> AuditActions:
    """The original audit's own actions (not those added by moderators), with their owners."""
    return audit_actions_of(session, [audit_id])[audit_id]


def audit_actions_of(session: Session, audit_ids: list[int]) -> defaultdict[int, AuditActions]:
    """`audit_actions` of each audit, in one query however many (a month's re-audit draw)."""
    found: defaultdict[int, AuditActions] = defaultdict(list)
    for action, owner in session.exec(
        select(AuditAction, Staff)
        .join(Staff, col(Staff.id) == AuditAction.owner_id)
        .where(col(AuditAction.audit_id).in_(audit_ids), col(AuditAction.reaudit_id).is_(None))
        .order_by(AuditAction.id)
    ).all():
        found[action.audit_id].append((action, owner))
    return found


def is_annual(session: Session, reaudit: Reaudit) -> bool:
    return session.get(ReauditRound, reaudit.round_id).kind == ANNUAL


def _moderator_message(
    session: Session, policy: Policy, reaudit: Reaudit, original: Original, actions: AuditActions
) -> dict[str, Any]:
    return render(
        "reaudit_moderator_dm",
        reaudit=reaudit,
        annual=is_annual(session, reaudit),
        original=original,
        domains=[
            (domain, original.audit.answers.get(domain.id, {}))
            for domain in policy.framework.domains
        ],
        graded=bool(policy.framework.grades),
        actions=actions,
    )


def queue_draw_messages(
    session: Session,
    policy: Policy,
    reaudit: Reaudit,
    original: Original,
    actions: AuditActions,
    now: datetime,
) -> None:
    """Give the moderator the original audit (and its `actions`) with "Start the re-audit", and
    tell the team manager and the practitioner that their audit was chosen."""
    queue_dm(
        session,
        key=moderator_dm_key(reaudit),
        recipient=session.get(Staff, reaudit.moderator_id),
        message=_moderator_message(session, policy, reaudit, original, actions),
        concern=f"reaudit:{reaudit.id}",
        now=now,
    )
    for person in (original.manager, original.practitioner):
        queue_dm(
            session,
            key=f"reaudit:{reaudit.id}:chosen:{person.id}",
            recipient=person,
            message=render(
                "reaudit_chosen_dm",
                reaudit=reaudit,
                original=original,
                moderator=session.get(Staff, reaudit.moderator_id),
                audience="manager" if person is original.manager else "practitioner",
            ),
            concern=f"reaudit:{reaudit.id}",
            now=now,
        )


def refresh_moderator_message(
    session: Session, policy: Policy, reaudit: Reaudit, change: str, now: datetime
) -> None:
    """Queue an update of the moderator's DM after `change` (a key unique to that change)."""
    session.flush()
    original = Original.of(session, reaudit)
    actions = audit_actions(session, original.audit.id)
    queue_update(
        session,
        key=f"{moderator_dm_key(reaudit)}:{change}",
        update_of=moderator_dm_key(reaudit),
        message=_moderator_message(session, policy, reaudit, original, actions),
        concern=f"reaudit:{reaudit.id}",
        now=now,
    )


def queue_outcome_messages(
    session: Session,
    policy: Policy,
    reaudit: Reaudit,
    judgements: list[ModeratedJudgement],
    actions: list[AuditAction],
    now: datetime,
) -> None:
    """Tell the team manager and the practitioner what the moderator concluded."""
    original = Original.of(session, reaudit)
    titles = {domain.id: domain.title for domain in policy.framework.domains}
    context = {
        "reaudit": reaudit,
        "original": original,
        "moderator": session.get(Staff, reaudit.moderator_id),
        "agreed": [titles[j.domain_id] for j in judgements if j.agreed],
        "changed": [(titles[j.domain_id], j) for j in judgements if not j.agreed],
        "graded": bool(policy.framework.grades),
        "actions": [(action, session.get(Staff, action.owner_id)) for action in actions],
    }
    for person in (original.manager, original.practitioner):
        queue_dm(
            session,
            key=f"reaudit:{reaudit.id}:outcome:{person.id}",
            recipient=person,
            message=render("reaudit_result_dm", **context),
            concern=f"reaudit:{reaudit.id}",
            now=now,
        )
