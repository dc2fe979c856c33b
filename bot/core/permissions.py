"""Who may do what. Roles come from the staff import; every command and action checks them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import NotAllowed
from models import Staff

OVERSEERS = ("admin", "service_manager", "head_of_service")


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    summary: str
    roles: tuple[str, ...]  # empty: anyone Auditbot knows

    @property
    def line(self) -> str:
        return f"`/audit {self.usage}` — {self.summary}"


AUDIT_COMMANDS = (
    CommandSpec("help", "help", "list the commands you can use", ()),
    CommandSpec(
        "select", "select [YYYY-MM]", "draw each team manager's case for a month", ("admin",)
    ),
    CommandSpec(
        "reaudit",
        "reaudit [YYYY-MM]",
        "draw the month's re-audits (the moderation sample)",
        ("admin", "service_manager"),
    ),
    CommandSpec(
        "status",
        "status [YYYY-MM]",
        "the month's progress (team managers: your own case)",
        (*OVERSEERS, "team_manager"),
    ),
    CommandSpec(
        "explain",
        "explain @manager [YYYY-MM]",
        "how a manager's case was drawn",
        OVERSEERS,
    ),
    CommandSpec(
        "report",
        "report [YYYY-MM|YYYY-Qn]",
        "the QA briefing for a month or a quarter, as files in your DM (default: last month)",
        OVERSEERS,
    ),
    CommandSpec(
        "register",
        "register",
        "the cases of concern (Category 1 and 2), open and closed, by DM (heads of service: review"
        " and close them)",
        OVERSEERS,
    ),
    # The programme calendar (issue 13): one-off months with no selection.
    CommandSpec(
        "pause", "pause YYYY-MM reason…", "no selection in a month, with the reason", ("admin",)
    ),
    CommandSpec("unpause", "unpause YYYY-MM", "lift a month's pause", ("admin",)),
    # Inadmissible audits (issue 21): the auditor marks their own from the result DM.
    CommandSpec(
        "inadmissible",
        "inadmissible CASE_REF REASON [note]",
        "mark a case's submitted audit inadmissible (REASON: wrong_case_type, file_incomplete,"
        " case_transferred or other, with a note)",
        ("admin",),
    ),
    # Audit rounds (issue 12): `round new` is for admins only (checked when the form opens).
    CommandSpec(
        "round",
        "round new | round status [NAME]",
        "define a thematic audit, whole-file audit or audit day (admins); see rounds' progress",
        OVERSEERS,
    ),
    # Imports from Slack (issue 22): the form opens for administrators only.
    CommandSpec(
        "import",
        "import",
        "import teams.csv, staff.csv or cases.csv: upload it in a form (or share it in my DM),"
        " check it, then press Import",
        ("admin",),
    ),
    # Observations of practice (issue 25, Bolton): bot/observations/record.py.
    CommandSpec(
        "observed",
        "observed [@worker] [YYYY-MM-DD] [note…]",
        "record that you observed a practitioner's practice (default: today), or list who is due",
        ("team_manager", "admin"),
    ),
    # -- away and cover (bot/people/away.py) --
    CommandSpec(
        "away",
        "away [@person] YYYY-MM-DD YYYY-MM-DD [@cover] | away [@person] clear",
        "say you are away, from a first to a last day, and who covers (administrators: anyone)",
        (),
    ),
)
COMMANDS_BY_NAME = {spec.name: spec for spec in AUDIT_COMMANDS}
USAGE = "/audit " + " | ".join(spec.usage for spec in AUDIT_COMMANDS)


def may_use(person: Staff, spec: CommandSpec) -> bool:
    return not spec.roles or person.has_role(*spec.roles)


def commands_for(person: Staff) -> list[CommandSpec]:
    return [spec for spec in AUDIT_COMMANDS if may_use(person, spec)]


def require_command(person: Staff, spec: CommandSpec) -> None:
    if not may_use(person, spec):
        allowed = ", ".join(_plural(role) for role in spec.roles)
        raise NotAllowed(
            f"Sorry, only {allowed} can use `/audit {spec.name}`. Nothing has been changed. "
            "Type `/audit help` to see what you can do."
        )


ROLE_PLURALS = {"head_of_service": "heads of service"}


def _plural(role: str) -> str:
    """team_manager → team managers; head_of_service → heads of service."""
    return ROLE_PLURALS.get(role, role.replace("_", " ") + "s")


def is_overseer(person: Staff) -> bool:
    return person.has_role(*OVERSEERS)
