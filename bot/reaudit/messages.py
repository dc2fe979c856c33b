"""The re-audit's messages: the moderator's DM (re-rendered as the re-audit moves on), the
notice to the team manager and practitioner, and the outcome."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.core.cover import Acting
from bot.core.outbox import queue_dm, queue_update
from bot.policy.schema import Policy
from bot.reaudit.moderators import panel_members
from bot.selection.manager_message import CASE_TYPE_NAMES
from messages import render
from models import Audit, AuditAction, Case, ModeratedJudgement, Reaudit, Selection, Staff
from models.db import rows_by_id
from models.reaudit import ANNUAL, ReauditRound
from models.statuses import Priority


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


def moderator_dms(session: Session, policy: Policy, reaudit: Reaudit) -> list[tuple[str, Staff]]:
    """Who is given the re-audit, with the key of their DM: the moderator; for a panel's
    re-audit, every member of the panel too (the moderator's DM keeps the moderator's key)."""
    moderator = session.get(Staff, reaudit.moderator_id)
    given = [(moderator_dm_key(reaudit), moderator)]
    if _shared(policy, reaudit):
        given += [
            (member_dm_key(reaudit, member), member)
            for member in panel_members(session, policy.reaudit.panel)
            if member.id != moderator.id
        ]
    return given


def member_dm_key(reaudit: Reaudit, member: Staff) -> str:
    return f"{moderator_dm_key(reaudit)}:{member.id}"


def _shared(policy: Policy, reaudit: Reaudit) -> bool:
    return reaudit.panel is not None and policy.reaudit.panel is not None


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


def on_behalf_note(session: Session, reaudit: Reaudit) -> str:
    """ "Done by … on behalf of … (away)" when the moderator's cover submitted it."""
    if reaudit.on_behalf_of_id is None:
        return ""
    cover = session.get(Staff, reaudit.moderator_id)
    return Acting(cover, session.get(Staff, reaudit.on_behalf_of_id)).note


def _moderator_message(
    session: Session, policy: Policy, reaudit: Reaudit, original: Original, actions: AuditActions
) -> dict[str, Any]:
    return render(
        "reaudit_moderator_dm",
        reaudit=reaudit,
        moderator=session.get(Staff, reaudit.moderator_id),
        on_behalf=on_behalf_note(session, reaudit),
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
    """Give the moderator (and a panel's members) the original audit (and its `actions`) with
    "Start the re-audit", and tell the team manager and the practitioner that their audit was
    chosen."""
    message = _moderator_message(session, policy, reaudit, original, actions)
    for key, moderator in moderator_dms(session, policy, reaudit):
        queue_dm(
            session,
            key=key,
            recipient=moderator,
            message=message,
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
                panel=reaudit.panel,
                audience="manager" if person is original.manager else "practitioner",
            ),
            concern=f"reaudit:{reaudit.id}",
            now=now,
        )


def refresh_moderator_message(
    session: Session, policy: Policy, reaudit: Reaudit, change: str, now: datetime
) -> None:
    """Queue an update of the moderator's DM (and a panel's members') after `change` (a key
    unique to that change)."""
    session.flush()
    original = Original.of(session, reaudit)
    actions = audit_actions(session, original.audit.id)
    message = _moderator_message(session, policy, reaudit, original, actions)
    # A panel's re-audit: any member may act on it, so every member's DM is updated by its key
    # (a key never queued, e.g. a member who joined later, updates nothing). All go as routine:
    # the sender takes answers first, so one member's newer update, sent as their answer, could
    # otherwise be overtaken by an older one another member's action queued as routine.
    members = panel_members(session, policy.reaudit.panel) if _shared(policy, reaudit) else []
    keys = [moderator_dm_key(reaudit)] + [member_dm_key(reaudit, m) for m in members]
    for key in keys:
        queue_update(
            session,
            key=f"{key}:{change}",
            update_of=key,
            message=message,
            concern=f"reaudit:{reaudit.id}",
            now=now,
            priority=Priority.ROUTINE if members else None,
        )


def queue_outcome_messages(
    session: Session,
    policy: Policy,
    reaudit: Reaudit,
    judgements: list[ModeratedJudgement],
    actions: list[AuditAction],
    now: datetime,
    inadmissible: tuple[str, str | None] | None = None,
) -> None:
    """Tell the team manager and the practitioner what the moderator concluded: each domain,
    the overall judgement, and whether the audit can be used (`inadmissible`: the reason's
    label and the note, when the moderator found it cannot)."""
    original = Original.of(session, reaudit)
    titles = {domain.id: domain.title for domain in policy.framework.domains}
    context = {
        "reaudit": reaudit,
        "original": original,
        "moderator": session.get(Staff, reaudit.moderator_id),
        "on_behalf": on_behalf_note(session, reaudit),
        "agreed": [titles[j.domain_id] for j in judgements if j.agreed],
        "changed": [(titles[j.domain_id], j) for j in judgements if not j.agreed],
        "graded": bool(policy.framework.grades),
        "actions": [(action, session.get(Staff, action.owner_id)) for action in actions],
        "inadmissible": inadmissible,
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
