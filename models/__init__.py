"""SQLModel tables, the engine and sessions, and the Alembic migrations."""

from models.action_review import ActionProgress, ActionReview  # issue 25 (Bolton)
from models.audit import Audit, AuditAction, SafeguardingAlert
from models.away import Absence
from models.booking import Booking, FamilyEngagement
from models.chasing import ChaseNotice, ChaseRun, ChaseSnooze
from models.concern import ConcernReview
from models.extension import Extension
from models.home import HomeTabViewer
from models.imports import NightlyImportRun, PendingImport  # issue 22
from models.iro_feedback import IroFeedback  # issue 25 (Sefton)
from models.observation import Observation  # issue 25 (Bolton)
from models.programme import ProgrammePause, RetentionRun
from models.reaudit import ModeratedJudgement, Reaudit, ReauditRound
from models.round_findings import (  # issue 25 (Halton)
    PoorPractice,
    RoundFindings,
    RoundJudgement,
)
from models.rounds import AuditRound, RoundCase  # issue 12
from models.supervision_audit import SupervisionFileAudit  # issue 25 (Bolton)
from models.supervision_gap import SupervisionGapAlert  # issue 25 (Sefton)
from models.tables import (
    ROLES,
    TEAM_TYPES,
    AuditLogEntry,
    Case,
    OutboxMessage,
    Selection,
    SelectionRound,
    Staff,
    Team,
)
from models.tac import TacDecision, TacScheduleRun, TacSummary, TacSupervision, TacTask
from models.transfer_audit import TransferAudit  # issue 25 (Bolton)

__all__ = [
    "Absence",
    "ActionProgress",
    "ActionReview",
    "ROLES",
    "TEAM_TYPES",
    "Audit",
    "AuditAction",
    "AuditLogEntry",
    "AuditRound",
    "Booking",
    "ChaseNotice",
    "ChaseRun",
    "ChaseSnooze",
    "ConcernReview",
    "Extension",
    "FamilyEngagement",
    "HomeTabViewer",
    "IroFeedback",
    "Case",
    "ModeratedJudgement",
    "NightlyImportRun",
    "Observation",
    "OutboxMessage",
    "PoorPractice",
    "PendingImport",
    "ProgrammePause",
    "RetentionRun",
    "Reaudit",
    "ReauditRound",
    "RoundCase",
    "RoundFindings",
    "RoundJudgement",
    "SafeguardingAlert",
    "Selection",
    "SelectionRound",
    "Staff",
    "SupervisionFileAudit",
    "SupervisionGapAlert",
    "Team",
    "TacDecision",
    "TacScheduleRun",
    "TacSummary",
    "TacSupervision",
    "TacTask",
    "TransferAudit",
]
