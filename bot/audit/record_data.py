"""What the audit document for the child's record shows, read from the database: the audit, its
case, the family's views, the practitioner discussion, its actions and its moderation."""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlmodel import Session, col, select

from bot.audit.action_review import PROGRESS, action_reviews_of
from bot.audit.record_document import (
    ActionLine,
    ActionReviewLine,
    AuditRecord,
    Discussion,
    DomainAnswer,
    FamilyViews,
    IroFeedbackLine,
    ModeratedLine,
    Moderation,
    SupervisionGapLine,
)
from bot.policy.schema import FrameworkPolicy, Policy
from bot.rounds.messages import framework_for_selection
from bot.selection.manager_message import CASE_TYPE_NAMES
from models import (
    ActionProgress,
    Audit,
    AuditAction,
    Case,
    FamilyEngagement,
    ModeratedJudgement,
    Reaudit,
    Selection,
    Staff,
    Team,
)
from models.booking import engagement_for, latest_booking
from models.iro_feedback import NO_VIEW, iro_feedback_for
from models.statuses import ActionStatus, AuditStatus, ReauditStatus
from models.supervision_gap import supervision_gap_for


def latest_submitted_audit(session: Session, case_ref: str) -> Audit | None:
    """The case's most recently submitted audit (None: unknown case, or none submitted)."""
    return session.exec(
        select(Audit)
        .join(Selection, col(Selection.id) == Audit.selection_id)
        .join(Case, col(Case.id) == Selection.case_id)
        .where(Case.case_ref == case_ref, Audit.status == AuditStatus.SUBMITTED)
        .order_by(col(Audit.submitted_at).desc(), col(Audit.id).desc())
    ).first()


def collect_audit_record(
    session: Session, policy: Policy, audit: Audit, zone: tzinfo, made_at: datetime
) -> AuditRecord:
    """The submitted audit as the document shows it; dates are local days in `zone`."""
    selection = session.get(Selection, audit.selection_id)
    case = session.get(Case, selection.case_id)
    framework = framework_for_selection(session, policy, selection.id)
    final = audit.answers.get("final", {})
    return AuditRecord(
        case_ref=case.case_ref,
        case_type=CASE_TYPE_NAMES.get(case.case_type, case.case_type),
        team=session.get(Team, selection.team_id).name,
        practitioner=_name(session, case.worker_id),
        auditor=_name(session, audit.manager_id),
        drawn_on=selection.created_at.astimezone(zone).date(),
        submitted_on=audit.submitted_at.astimezone(zone).date(),
        framework=audit.framework,
        domains=_domain_answers(framework, audit),
        impact=final.get("impact", ""),
        views=final.get("views", ""),
        overall=audit.overall,
        concern=audit.concern,
        concern_note=final.get("concern_note", "") if audit.concern != "none" else "",
        actions=_actions(session, audit, zone),
        no_actions=final.get("no_actions", ""),
        made_on=made_at.astimezone(zone).date(),
        family=_family_views(engagement_for(session, selection.id)),
        discussion=_discussion(session, selection.id, zone),
        moderations=_moderations(session, framework, audit, zone),
        inadmissible_reason=audit.inadmissible_reason,
        inadmissible_note=audit.inadmissible_note,
        iro_feedback=_iro_feedback(session, audit, zone),
        supervision_gap=_supervision_gap(session, audit),
        action_reviews=_action_reviews(session, audit, zone),
        look_back_months=framework.look_back_months,
    )


def _action_reviews(session: Session, audit: Audit, zone: tzinfo) -> list[ActionReviewLine]:
    found = []
    for review in action_reviews_of(session, audit.id):
        progress = session.exec(
            select(AuditAction.what, ActionProgress.progress, ActionProgress.note)
            .join(AuditAction, col(AuditAction.id) == ActionProgress.action_id)
            .where(ActionProgress.review_id == review.id)
            .order_by(col(AuditAction.id))
        ).all()
        found.append(
            ActionReviewLine(
                months_after=review.months_after,
                reviewer=_name(session, review.reviewer_id),
                reviewed_on=review.completed_at.astimezone(zone).date()
                if review.completed_at
                else None,
                progress=[(what, PROGRESS[state], note or "") for what, state, note in progress],
            )
        )
    return found


def _iro_feedback(session: Session, audit: Audit, zone: tzinfo) -> IroFeedbackLine | None:
    request = iro_feedback_for(session, audit.id)
    if request is None:
        return None
    return IroFeedbackLine(
        iro=_name(session, request.iro_id),
        requested_on=request.requested_at.astimezone(zone).date(),
        given_on=request.given_at.astimezone(zone).date() if request.given_at else None,
        feedback=request.feedback,
        grade_view=request.grade_view if request.grade_view != NO_VIEW else None,
    )


def _supervision_gap(session: Session, audit: Audit) -> SupervisionGapLine | None:
    gap = supervision_gap_for(session, audit.id)
    if gap is None:
        return None
    return SupervisionGapLine(
        gap_from=gap.gap_from,
        gap_to=gap.gap_to,
        reason=gap.reason,
        action=gap.action,
        action_due=gap.action_due,
        acknowledged_by=_name(session, gap.acknowledged_by_id) if gap.acknowledged_by_id else None,
    )


def _name(session: Session, staff_id: int) -> str:
    return session.get(Staff, staff_id).name


def _domain_answers(framework: FrameworkPolicy, audit: Audit) -> list[DomainAnswer]:
    answers = [
        (domain, audit.answers.get(domain.id) or {})
        for domain in framework.domains
        if domain.id in audit.answers
    ]
    return [
        DomainAnswer(
            title=domain.title,
            guidance=domain.guidance,
            grade=answer.get("grade") if framework.grades else None,
            justification=answer.get("justification", ""),
        )
        for domain, answer in answers
    ]


def _actions(session: Session, audit: Audit, zone: tzinfo) -> list[ActionLine]:
    rows = session.exec(
        select(AuditAction, Staff.name)
        .join(Staff, col(Staff.id) == AuditAction.owner_id)
        .where(AuditAction.audit_id == audit.id)
        .order_by(col(AuditAction.id))
    ).all()
    return [
        ActionLine(
            what=action.what,
            owner=owner,
            due_on=action.due_on,
            done_on=(
                action.done_at.astimezone(zone).date()
                if action.status == ActionStatus.DONE and action.done_at
                else None
            ),
            done_note=action.done_note,
            set_at_reaudit=action.reaudit_id is not None,
        )
        for action, owner in rows
    ]


def _family_views(engagement: FamilyEngagement | None) -> FamilyViews | None:
    if engagement is None:
        return None
    return FamilyViews(
        status=engagement.status,
        method=engagement.method,
        planned_on=engagement.planned_on,
        summary=engagement.summary,
        reason=engagement.reason,
        child_outcome=engagement.child_outcome,
        child_reason=engagement.child_reason,
        parents_outcome=engagement.parents_outcome,
        parents_reason=engagement.parents_reason,
    )


def _discussion(session: Session, selection_id: int, zone: tzinfo) -> Discussion | None:
    booking = latest_booking(session, selection_id)
    if booking is None:
        return None
    return Discussion(
        status=booking.status,
        starts_at=booking.starts_at.astimezone(zone),
        reason=booking.closed_reason,
    )


def _moderations(
    session: Session, framework: FrameworkPolicy, audit: Audit, zone: tzinfo
) -> list[Moderation]:
    titles = {domain.id: domain.title for domain in framework.domains}
    reaudits = session.exec(
        select(Reaudit, Staff.name)
        .join(Staff, col(Staff.id) == Reaudit.moderator_id)
        .where(Reaudit.audit_id == audit.id, Reaudit.status == ReauditStatus.SUBMITTED)
        .order_by(col(Reaudit.submitted_at), col(Reaudit.id))
    ).all()
    return [
        Moderation(
            moderator=moderator,
            submitted_on=reaudit.submitted_at.astimezone(zone).date(),
            judgements=_moderated_lines(session, reaudit, titles),
            overall_agreed=reaudit.overall_agreed,
            overall_grade=reaudit.overall_grade,
            overall_reason=reaudit.overall_reason,
            actions_addressed=reaudit.actions_addressed,
            comment=reaudit.comment,
        )
        for reaudit, moderator in reaudits
    ]


def _moderated_lines(
    session: Session, reaudit: Reaudit, titles: dict[str, str]
) -> list[ModeratedLine]:
    judgements = session.exec(
        select(ModeratedJudgement)
        .where(ModeratedJudgement.reaudit_id == reaudit.id)
        .order_by(col(ModeratedJudgement.id))
    ).all()
    return [
        ModeratedLine(
            title=titles.get(judgement.domain_id, judgement.domain_id),
            original_grade=judgement.original_grade,
            agreed=judgement.agreed,
            moderated_grade=judgement.moderated_grade,
            reason=judgement.reason,
        )
        for judgement in judgements
    ]
