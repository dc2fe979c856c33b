"""A hand-made December 2026 (and the months before it) for the QA briefing's tests.

December: six team managers. Nina's audit is in time (Good, with its impact statement), Noel's
late with a Category 1 alert (Inadequate, escalated to the head of service), Sol's (after a
re-draw) in time with a Category 2 concern, moderated in January from Requires improvement down
to Inadequate (overall, and in the last domain); Suki's is a draft after a discussion that was
not held, Ezra had no eligible case, and Eve's practitioner cannot attend.
November: Nina (Good, Category 2, closed on 20 December) and Sol (Inadequate, then found
inadmissible); October: Nina (Outstanding).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session

from bot.policy.schema import Policy
from models import (
    Audit,
    AuditAction,
    AuditLogEntry,
    Booking,
    ConcernReview,
    FamilyEngagement,
    ModeratedJudgement,
    Reaudit,
    ReauditRound,
    SafeguardingAlert,
    Selection,
    SelectionRound,
    Staff,
    TacSummary,
    Team,
)
from tests.support import factories

DOMAINS = [domain.id for domain in Policy().framework.domains]
GOOD, OUTSTANDING = "Good", "Outstanding"
RI, INADEQUATE = "Requires improvement to be good", "Inadequate"
AS_OF = date(2027, 1, 4)  # the first working day of January 2027


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Builder:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.rounds: dict[str, SelectionRound] = {}

    def add(self, row):
        self.session.add(row)
        self.session.flush()
        return row

    def drawn(
        self,
        month: str,
        manager: Staff,
        team: Team,
        case=None,
        status: str = "selected",
        attempt: int = 1,
    ) -> Selection:
        if month not in self.rounds:
            self.rounds[month] = self.add(
                SelectionRound(
                    month=month,
                    seed="s",
                    drawn_at=utc(f"{month}-01T08:00"),
                    drawn_by="scheduler",
                    criteria={},
                )
            )
        last_day = {"2026-10": 31, "2026-11": 30, "2026-12": 31}[month]
        return self.add(
            Selection(
                round_id=self.rounds[month].id,
                manager_id=manager.id,
                team_id=team.id,
                attempt=attempt,
                status=status,
                case_id=case.id if case else None,
                pool_size=3,
                draw_seed="d",
                due_on=date.fromisoformat(f"{month}-{last_day}") if case else None,
                created_at=utc(f"{month}-01T08:00"),
            )
        )

    def audit(
        self,
        selection: Selection,
        grade: str | None,
        submitted: str | None,
        concern: str = "none",
        exceptions: dict[str, str] | None = None,
        impact: str = "",
    ) -> Audit:
        answers: dict = {
            domain: {"grade": (exceptions or {}).get(domain, grade), "justification": "x" * 40}
            for domain in DOMAINS
        }
        answers["final"] = {"impact": impact}
        return self.add(
            Audit(
                selection_id=selection.id,
                manager_id=selection.manager_id,
                status="submitted" if submitted else "draft",
                answers=answers if grade else {},
                framework="Sefton practice framework",
                overall=grade if submitted else None,
                concern=concern,
                started_at=utc("2026-10-01T10:00"),
                updated_at=utc("2026-10-01T10:00"),
                submitted_at=utc(submitted) if submitted else None,
            )
        )

    def booking(self, selection: Selection, status: str, **details) -> Booking:
        return self.add(
            Booking(
                selection_id=selection.id,
                starts_at=utc("2026-12-10T10:00"),
                duration_minutes=60,
                status=status,
                booked_by=selection.manager_id,
                created_at=utc("2026-12-02T10:00"),
                **details,
            )
        )

    def family(
        self, selection: Selection, status: str, reason: str | None = None, **outcomes
    ) -> None:
        self.add(
            FamilyEngagement(
                selection_id=selection.id,
                status=status,
                reason=reason,
                **outcomes,
                recorded_by=selection.manager_id,
                updated_at=utc("2026-12-05T10:00"),
            )
        )

    def action(self, audit: Audit, owner: Staff, due_on: str, done: bool = False) -> None:
        self.add(
            AuditAction(
                audit_id=audit.id,
                what="Update the chronology",
                owner_id=owner.id,
                due_on=date.fromisoformat(due_on),
                status="done" if done else "open",
                done_note="Done." if done else None,
                done_at=utc("2026-12-20T10:00") if done else None,
                created_at=audit.submitted_at,
            )
        )

    def moderated_down(self, audit: Audit, moderator: Staff, domain: str, to: str) -> None:
        """A January re-audit moving `domain` and the overall judgement down to `to`."""
        if "2027-01" not in self.rounds:
            self.rounds["2027-01"] = self.add(
                ReauditRound(
                    kind="monthly",
                    month="2027-01",
                    seed="r",
                    drawn_at=utc("2027-01-04T09:00"),
                    drawn_by="scheduler",
                    criteria={},
                )
            )
        reaudit = self.add(
            Reaudit(
                round_id=self.rounds["2027-01"].id,
                audit_id=audit.id,
                moderator_id=moderator.id,
                chosen_because="random",
                pool_size=3,
                draw_seed="r",
                due_on=date(2027, 1, 29),
                status="submitted",
                overall_agreed=False,
                overall_grade=to,
                overall_reason="The plan does not keep the child safe.",
                overall_moved="down",
                created_at=utc("2027-01-04T09:00"),
                updated_at=utc("2027-01-04T15:00"),
                submitted_at=utc("2027-01-04T15:00"),
            )
        )
        for domain_id in DOMAINS:
            moved = domain_id == domain
            original = audit.answers[domain_id]["grade"]
            self.add(
                ModeratedJudgement(
                    reaudit_id=reaudit.id,
                    domain_id=domain_id,
                    original_grade=original,
                    agreed=not moved,
                    moderated_grade=to if moved else None,
                    reason="Risks are not assessed." if moved else None,
                    moved="down" if moved else None,
                )
            )

    def tac_summary(self, case, completed_on: str) -> None:
        self.add(
            TacSummary(
                case_id=case.id,
                practitioner_id=case.worker_id,
                team_id=case.team_id,
                completed_on=date.fromisoformat(completed_on),
                recorded_at=utc(f"{completed_on}T12:00"),
                recorded_by="someone@example.gov.uk",
            )
        )


def build_report_world(session: Session) -> dict[str, object]:
    """The authority and its audits; returns the people tests refer to."""
    add = factories
    admin = add.person(session, "Ada Admin", "admin")
    head = add.person(session, "Hana Head", "head_of_service")
    sm_north = add.person(session, "Sam North", "service_manager", manager=head)
    sm_south = add.person(session, "Sue South", "service_manager", manager=head)
    other_head = add.person(session, "Otto Head", "head_of_service")
    north, south, east = (
        add.team(session, "North"),
        add.team(session, "South"),
        add.team(session, "East"),
    )
    nina = add.person(session, "Nina North", "team_manager", north, sm_north)
    noel = add.person(session, "Noel North", "team_manager", north, sm_north)
    sol = add.person(session, "Sol South", "team_manager", south, sm_south)
    suki = add.person(session, "Suki South", "team_manager", south, sm_south)
    ezra = add.person(session, "Ezra East", "team_manager", east)
    eve = add.person(session, "Eve East", "team_manager", east)
    pat = add.person(session, "Pat Worker", "practitioner", north, nina)
    rae = add.person(session, "Rae Worker", "practitioner", south, sol)
    ed = add.person(session, "Ed Worker", "practitioner", east, eve)
    case = {
        ref: add.case(session, team, worker, ref=ref)
        for ref, team, worker in [
            ("CR-N1", north, pat),
            ("CR-N2", north, pat),
            ("CR-N3", north, pat),
            ("CR-N4", north, pat),
            ("CR-N5", north, pat),
            ("CR-S0", south, rae),
            ("CR-S1", south, rae),
            ("CR-S2", south, rae),
            ("CR-S3", south, rae),
            ("CR-S4", south, rae),
            ("CR-E2", east, ed),
        ]
    }
    build = Builder(session)

    # December 2026
    first = build.drawn("2026-12", nina, north, case["CR-N1"])
    audit = build.audit(
        first,
        GOOD,
        "2026-12-15T11:00",
        exceptions={"assessment": OUTSTANDING},
        impact="The child  feels safe and is back in school.",
    )
    build.booking(first, "held")
    build.family(first, "views_obtained", child_outcome="engaged", parents_outcome="engaged")
    build.action(audit, pat, "2026-12-18", done=True)
    build.action(audit, pat, "2026-12-20")  # outstanding on 4 January
    build.action(audit, pat, "2027-01-15")  # not yet due

    late = build.drawn("2026-12", noel, north, case["CR-N2"])
    audit = build.audit(late, INADEQUATE, "2027-01-02T09:00", concern="category_1")
    build.add(
        SafeguardingAlert(
            audit_id=audit.id,
            note="Child may be at risk",
            raised_at=utc("2027-01-02T09:00"),
            acknowledged_by=head.id,
            acknowledged_at=utc("2027-01-02T11:00"),
        )
    )
    build.booking(late, "moved")
    build.booking(late, "held")
    build.family(
        late, "not_appropriate", "The child is  two years old.", parents_outcome="no_response"
    )
    build.action(audit, pat, "2027-01-10")
    build.add(
        AuditLogEntry(
            at=utc("2027-01-02T09:00"),
            actor="scheduler",
            action="audit.inadequate_escalated",
            subject=f"audit:{audit.id}",
            details={},
        )
    )

    build.drawn("2026-12", sol, south, case["CR-S0"], status="replaced")
    redrawn = build.drawn("2026-12", sol, south, case["CR-S2"], attempt=2)
    # 23:30 GMT on the due date: still in time
    audit = build.audit(redrawn, RI, "2026-12-31T23:30", concern="category_2")
    build.moderated_down(audit, sm_south, "impact_outcomes", INADEQUATE)
    build.booking(redrawn, "held")
    build.family(redrawn, "declined", child_outcome="no_response", parents_outcome="not_invited")

    draft = build.drawn("2026-12", suki, south, case["CR-S3"])
    build.audit(draft, GOOD, None)
    build.booking(draft, "not_held", closed_reason="Practitioner off sick")
    build.family(draft, "planned")

    build.drawn("2026-12", ezra, east, status="no_eligible_case")

    waiting = build.drawn("2026-12", eve, east, case["CR-E2"])
    build.booking(
        waiting, "booked", practitioner_reply="cannot", practitioner_reason="In court all week"
    )

    # November and October 2026
    november = build.drawn("2026-11", nina, north, case["CR-N3"])
    audit = build.audit(november, GOOD, "2026-11-20T10:00", concern="category_2")
    build.action(audit, pat, "2026-11-30", done=True)
    build.action(audit, pat, "2026-12-01")
    build.add(
        ConcernReview(
            audit_id=audit.id,
            actions_taken="The plan was reviewed and the child is seen weekly.",
            reviewed_by=head.id,
            reviewed_at=utc("2026-12-20T10:00"),
            closed_by=head.id,
            closed_at=utc("2026-12-20T10:00"),
        )
    )
    unusable = build.audit(
        build.drawn("2026-11", sol, south, case["CR-S1"]), INADEQUATE, "2026-11-25T10:00"
    )
    unusable.inadmissible_reason = "case_transferred"
    unusable.inadmissible_by = sm_south.id
    unusable.inadmissible_at = utc("2026-12-01T10:00")
    build.audit(build.drawn("2026-10", nina, north, case["CR-N4"]), OUTSTANDING, "2026-10-20T10:00")

    # TAC summaries: two in North and one in South in December, one in South in November
    build.tac_summary(case["CR-N5"], "2026-12-01")
    build.tac_summary(case["CR-N5"], "2026-12-31")
    build.tac_summary(case["CR-S4"], "2026-12-14")
    build.tac_summary(case["CR-S4"], "2026-11-30")
    return {
        "admin": admin,
        "head": head,
        "other_head": other_head,
        "sm_north": sm_north,
        "sm_south": sm_south,
        "nina": nina,
        "pat": pat,
    }
