"""One judgement per pair, quality-assured by the lead (issue 25, Halton): "pairs of auditors
... reach and record judgements"; "auditors then finalise their written analysis and
recommendations which are quality assured by the lead manager".

Either member of a pair completes the round's guided audit (it is recorded under the first);
once submitted, the other confirms it is their judgement too. Then, when the round has a lead
reviewer, the lead approves it or returns it with a comment; a returned analysis is revised by
the pair and comes back to the lead. Only an approved (or, without a lead, agreed) judgement is
final in the round's status and the briefing."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from bot.core import auditlog
from bot.core.cover import require_acting_for
from bot.core.errors import InvalidRequest
from bot.core.outbox import queue_dm, queue_update
from bot.core.replies import Reply
from bot.core.unit_of_work import UnitOfWork
from bot.core.use_cases import Submission, on_click, on_submit
from bot.rounds.messages import refresh_round_case_messages, round_case_of_selection
from messages import render
from models import Audit, AuditRound, Case, RoundCase, RoundJudgement, Staff
from models.round_findings import JudgementStage
from models.statuses import StaffStatus

MIN_COMMENT = 10
MIN_ANALYSIS = 10  # as the guided audit asks of its "so what" (bot/audit/rules.py)
NOT_THE_PAIR = "Only the other auditor of the pair can agree to this judgement."
NOT_THE_LEAD = "Only the round's lead reviewer can quality-assure this audit."
NOT_EITHER = "Only the pair who audited this case can revise its analysis."
MOVED_ON = "This judgement has moved on: nothing has changed."


def record_judgement(uow: UnitOfWork, audit: Audit) -> None:
    """After a round audit's submission (bot/core/audit_events.py): wait for the pair's other
    member, or go to the lead reviewer; a round with neither is untouched."""
    session = uow.session
    round_case = round_case_of_selection(session, audit.selection_id)
    if round_case is None:
        return
    reviewer = lead_reviewer_of(session, round_case)
    if round_case.partner_id is None and reviewer is None:
        return
    judgement = RoundJudgement(
        audit_id=audit.id,
        round_case_id=round_case.id,
        stage=JudgementStage.AWAITING_AGREEMENT,
        submitted_by_id=uow.actor.id,
        submitted_at=uow.now,
        reviewer_id=reviewer.id if reviewer else None,
    )
    session.add(judgement)
    session.flush()
    if round_case.partner_id is None:
        _to_review(uow, judgement, round_case)
        return
    other = session.get(Staff, _other_member(round_case, uow.actor.id))
    queue_dm(
        session,
        key=f"round-judgement:{judgement.id}:agree",
        recipient=other,
        message=render("round_pair_agree_dm", **_context(session, judgement), reader=other),
        concern=f"round-case:{round_case.id}",
        now=uow.now,
    )
    _refresh(uow, judgement, round_case)


def lead_reviewer_of(session: Session, round_case: RoundCase) -> Staff | None:
    email = session.get(AuditRound, round_case.round_id).definition.get("lead_reviewer")
    if not email:
        return None
    return session.exec(
        select(Staff).where(Staff.email == email, Staff.status == StaffStatus.ACTIVE)
    ).first()


@on_click(RoundJudgement, missing=MOVED_ON)
def agree_judgement(uow: UnitOfWork, judgement: RoundJudgement) -> Reply:
    """The pair's other member agrees (the judgement is locked: a double click agrees once)."""
    round_case = uow.session.get(RoundCase, judgement.round_case_id)
    other_id = _other_member(round_case, judgement.submitted_by_id)
    require_acting_for(uow.session, uow.actor, other_id, now=uow.now, refusal=NOT_THE_PAIR)
    if judgement.stage != JudgementStage.AWAITING_AGREEMENT:
        raise InvalidRequest("You have already agreed: " + MOVED_ON)
    judgement.agreed_by_id = other_id
    judgement.agreed_at = uow.now
    _log(uow, judgement, "round.judgement.agree")
    update_of = f"round-judgement:{judgement.id}:agree"
    queue_update(
        uow.session,
        key=f"{update_of}:agreed",
        update_of=update_of,
        message=render("round_pair_agree_dm", **_context(uow.session, judgement), reader=None),
        concern=f"round-case:{round_case.id}",
        now=uow.now,
    )
    _to_review(uow, judgement, round_case)
    if judgement.stage == JudgementStage.AWAITING_QA:
        return Reply.say("Thank you: your pair's judgement has gone to the lead reviewer.")
    return Reply.say("Thank you: your pair's judgement is recorded as final.")


@on_click(RoundJudgement, missing=MOVED_ON)
def approve_judgement(uow: UnitOfWork, judgement: RoundJudgement) -> Reply:
    _require_reviewing(uow, judgement)
    reviewed = _qa_key(judgement)
    judgement.stage = JudgementStage.APPROVED
    judgement.reviewed_by_id = uow.actor.id
    judgement.reviewed_at = uow.now
    _log(uow, judgement, "round.judgement.approve")
    _after_review(uow, judgement, reviewed)
    return Reply.say("Approved: the pair are told, and the judgement is final.")


@on_click(RoundJudgement, missing=MOVED_ON)
def open_return_form(uow: UnitOfWork, judgement: RoundJudgement) -> Reply:
    _require_reviewing(uow, judgement)
    return Reply(
        view=render(
            "round_qa_return_modal",
            case_ref=_case(uow.session, judgement).case_ref,
            private_metadata=json.dumps({"judgement_id": judgement.id}),
        )
    )


@on_submit(RoundJudgement, key="judgement_id", field="comment", missing=MOVED_ON)
def submit_return(uow: UnitOfWork, judgement: RoundJudgement, form: Submission) -> Reply | None:
    """Return the analysis to the pair with the lead's comment; inline errors, or None."""
    _require_reviewing(uow, judgement)
    comment = form.text("comment").strip()
    if len(comment) < MIN_COMMENT:
        return Reply.error(
            "comment",
            f"Please say what the pair should revise (at least {MIN_COMMENT} characters).",
        )
    reviewed = _qa_key(judgement)
    judgement.stage = JudgementStage.RETURNED
    judgement.return_comment = comment
    judgement.reviewed_by_id = uow.actor.id
    judgement.reviewed_at = uow.now
    judgement.returns += 1
    _log(uow, judgement, "round.judgement.return")
    _after_review(uow, judgement, reviewed)
    round_case = uow.session.get(RoundCase, judgement.round_case_id)
    for member in _members(uow.session, round_case):
        queue_dm(
            uow.session,
            key=f"round-judgement:{judgement.id}:returned:{judgement.returns}:{member.id}",
            recipient=member,
            message=render("round_returned_dm", **_context(uow.session, judgement)),
            concern=f"round-case:{round_case.id}",
            now=uow.now,
        )
    return None


@on_click(RoundJudgement, missing=MOVED_ON)
def open_revise_form(uow: UnitOfWork, judgement: RoundJudgement) -> Reply:
    _require_returned_to_pair(uow, judgement)
    audit = uow.session.get(Audit, judgement.audit_id)
    return Reply(
        view=render(
            "round_revise_modal",
            case_ref=_case(uow.session, judgement).case_ref,
            comment=judgement.return_comment,
            impact=(audit.answers.get("final") or {}).get("impact", ""),
            private_metadata=json.dumps({"judgement_id": judgement.id}),
        )
    )


@on_submit(RoundJudgement, key="judgement_id", field="impact", missing=MOVED_ON)
def submit_revision(uow: UnitOfWork, judgement: RoundJudgement, form: Submission) -> Reply | None:
    """The pair's revised analysis goes back to the lead reviewer."""
    _require_returned_to_pair(uow, judgement)
    impact = form.text("impact").strip()
    if len(impact) < MIN_ANALYSIS:
        return Reply.error("impact", "Please write the analysis: what difference is being made?")
    audit = uow.session.get(Audit, judgement.audit_id)
    final = dict(audit.answers.get("final") or {}) | {"impact": impact}
    audit.answers = dict(audit.answers) | {"final": final}
    audit.updated_at = uow.now
    uow.session.add(audit)
    _log(uow, judgement, "round.judgement.revise")
    _to_review(uow, judgement, uow.session.get(RoundCase, judgement.round_case_id))
    return None


def _to_review(uow: UnitOfWork, judgement: RoundJudgement, round_case: RoundCase) -> None:
    """To the lead reviewer, when there is one; otherwise the agreed judgement is final."""
    if judgement.reviewer_id is None:
        judgement.stage = JudgementStage.FINAL
    else:
        judgement.stage = JudgementStage.AWAITING_QA
        lead = uow.session.get(Staff, judgement.reviewer_id)
        queue_dm(
            uow.session,
            key=_qa_key(judgement),
            recipient=lead,
            message=render("round_qa_dm", **_context(uow.session, judgement), decided=None),
            concern=f"round-case:{round_case.id}",
            now=uow.now,
        )
    _refresh(uow, judgement, round_case)


def _after_review(uow: UnitOfWork, judgement: RoundJudgement, reviewed: str) -> None:
    """The lead's DM (under the key `reviewed`) shows the decision; the pair's DMs follow."""
    queue_update(
        uow.session,
        key=f"{reviewed}:{judgement.stage}",
        update_of=reviewed,
        message=render("round_qa_dm", **_context(uow.session, judgement), decided=judgement.stage),
        concern=f"round-case:{judgement.round_case_id}",
        now=uow.now,
    )
    _refresh(uow, judgement, uow.session.get(RoundCase, judgement.round_case_id))


def _qa_key(judgement: RoundJudgement) -> str:
    """The lead's DM for each time the analysis comes to them (the first, then each revision)."""
    return f"round-judgement:{judgement.id}:qa:{judgement.returns}"


def _require_reviewing(uow: UnitOfWork, judgement: RoundJudgement) -> None:
    require_acting_for(
        uow.session, uow.actor, judgement.reviewer_id, now=uow.now, refusal=NOT_THE_LEAD
    )
    if judgement.stage != JudgementStage.AWAITING_QA:
        raise InvalidRequest("This audit is not waiting for quality assurance: " + MOVED_ON)


def _require_returned_to_pair(uow: UnitOfWork, judgement: RoundJudgement) -> None:
    round_case = uow.session.get(RoundCase, judgement.round_case_id)
    members = (round_case.auditor_id, round_case.partner_id)
    require_acting_for(uow.session, uow.actor, *members, now=uow.now, refusal=NOT_EITHER)
    if judgement.stage != JudgementStage.RETURNED:
        raise InvalidRequest("The analysis is not waiting for a revision: " + MOVED_ON)


def _other_member(round_case: RoundCase, member_id: int) -> int:
    return round_case.auditor_id if member_id == round_case.partner_id else round_case.partner_id


def _members(session: Session, round_case: RoundCase) -> list[Staff]:
    ids = [round_case.auditor_id, round_case.partner_id]
    return [session.get(Staff, staff_id) for staff_id in ids if staff_id is not None]


def _case(session: Session, judgement: RoundJudgement) -> Case:
    return session.get(Case, session.get(RoundCase, judgement.round_case_id).case_id)


def _context(session: Session, judgement: RoundJudgement) -> dict:
    round_case = session.get(RoundCase, judgement.round_case_id)
    audit = session.get(Audit, judgement.audit_id)
    return {
        "judgement": judgement,
        "round": session.get(AuditRound, round_case.round_id),
        "case": _case(session, judgement),
        "audit": audit,
        "impact": (audit.answers.get("final") or {}).get("impact", ""),
        "pair": _members(session, round_case),
        "submitted_by": session.get(Staff, judgement.submitted_by_id),
    }


def _refresh(uow: UnitOfWork, judgement: RoundJudgement, round_case: RoundCase) -> None:
    change = f"judgement-{judgement.stage}-{judgement.returns}"
    refresh_round_case_messages(uow.session, uow.policy, round_case, change, uow.now)


def _log(uow: UnitOfWork, judgement: RoundJudgement, action: str) -> None:
    uow.session.add(judgement)
    auditlog.record(
        uow.session,
        actor=uow.actor.email,
        action=action,
        subject=f"audit:{judgement.audit_id}",
        now=uow.now,
        stage=judgement.stage,
    )


def judgement_of(session: Session, audit_id: int) -> RoundJudgement | None:
    return session.exec(select(RoundJudgement).where(RoundJudgement.audit_id == audit_id)).first()


def is_final(judgement: RoundJudgement | None) -> bool:
    """Whether a submitted round audit counts as final: no judgement row means the round has
    neither pairs nor a lead reviewer."""
    return judgement is None or JudgementStage(judgement.stage).is_final
