"""Parse the text typed after `/audit` into a command, or explain what is wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.months import Month
from bot.core.permissions import COMMANDS_BY_NAME, USAGE, CommandSpec
from bot.observations.command import ObservedRequest, ObservedUsageError, parse_observed
from bot.people.away_command import AwayRequest, AwayUsageError, parse_away
from bot.report.period import MONTH_EXAMPLE, QUARTER_EXAMPLE, Period
from models.statuses import InadmissibleReason

# With "escape users" on (see the manifest) Slack sends mentions as <@U123|name>.
_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


class UsageError(ValueError):
    """The command text is not understood; the message says why, USAGE says what works."""

    usage = USAGE


@dataclass(frozen=True)
class AuditCommand:
    spec: CommandSpec
    month: Month | None = None
    user_id: str | None = None
    period: Period | None = None  # `report`: a month or a quarter
    reason: str | None = None  # `pause`: why the month has no selection
    round_name: str | None = None  # `round status NAME`
    away: AwayRequest | None = None  # `away`
    case_ref: str | None = None  # `inadmissible`: the case whose audit it is
    note: str | None = None  # `inadmissible`: why, in words
    observed: ObservedRequest | None = None  # `observed`


def parse_audit_command(text: str) -> AuditCommand:
    words = text.split()
    if not words:
        return AuditCommand(COMMANDS_BY_NAME["help"])
    name, arguments = words[0].lower(), words[1:]
    spec = COMMANDS_BY_NAME.get(name)
    if spec is None:
        raise UsageError(f"I don't know `{_shorten(words[0])}`.")
    if name in ("help", "register", "import"):
        _expect_at_most(spec, arguments, 0)
        return AuditCommand(spec)
    if name == "explain":
        if not arguments or not _MENTION.match(arguments[0]):
            raise UsageError("Say whose case to explain, e.g. `/audit explain @Sam 2026-12`.")
        _expect_at_most(spec, arguments, 2)
        user_id = _MENTION.match(arguments[0]).group(1)
        return AuditCommand(spec, _month(arguments[1:]), user_id)
    if name in PROGRAMME_COMMANDS:
        return _programme_command(spec, arguments)
    if name == "round":
        return _round_command(spec, [word.lower() for word in arguments])
    if name == "inadmissible":
        return _inadmissible_command(spec, arguments)
    if name == "observed":
        try:
            return AuditCommand(spec, observed=parse_observed(arguments))
        except ObservedUsageError as error:
            raise UsageError(f"{error} Usage: `/audit {spec.usage}`.") from error
    if name == "away":
        try:
            return AuditCommand(spec, away=parse_away(arguments))
        except AwayUsageError as error:
            raise UsageError(f"{error} Usage: `/audit {spec.usage}`.") from error
    _expect_at_most(spec, arguments, 1)
    if name == "report":
        return AuditCommand(spec, period=_period(arguments))
    return AuditCommand(spec, _month(arguments))


# --- the programme calendar: `pause YYYY-MM reason…`, `unpause YYYY-MM` (issue 13) ---

PROGRAMME_COMMANDS = ("pause", "unpause")


def _programme_command(spec: CommandSpec, arguments: list[str]) -> AuditCommand:
    if not arguments:
        raise UsageError(f"Say which month, e.g. `/audit {spec.name} 2027-08`.")
    month = _month(arguments[:1])
    if spec.name == "unpause":
        _expect_at_most(spec, arguments, 1)
        return AuditCommand(spec, month)
    reason = " ".join(arguments[1:])
    if not reason:
        raise UsageError(
            f"Say why {month.label} has no selection, e.g. `/audit pause {month} inspection month`."
        )
    return AuditCommand(spec, month, reason=reason)


# --- an inadmissible audit: `inadmissible CASE_REF REASON [note]` (issue 21) ---

INADMISSIBLE_REASONS = tuple(reason.value for reason in InadmissibleReason)


def _inadmissible_command(spec: CommandSpec, arguments: list[str]) -> AuditCommand:
    if len(arguments) < 2:
        raise UsageError(
            "Say which case and why, e.g. `/audit inadmissible CR-1234 file_incomplete`."
        )
    reason = arguments[1].lower().replace("-", "_")
    if reason not in INADMISSIBLE_REASONS:
        raise UsageError(
            f"`{_shorten(arguments[1])}` is not a reason: use "
            + ", ".join(f"`{known}`" for known in INADMISSIBLE_REASONS)
            + "."
        )
    note = " ".join(arguments[2:]) or None
    return AuditCommand(spec, case_ref=arguments[0], reason=reason, note=note)


# --- audit rounds: `round new`, `round status [NAME]` (issue 12) ---


def _round_command(spec: CommandSpec, arguments: list[str]) -> AuditCommand:
    """`round status [NAME]` (no words: the same); `round new` is answered with a form by the
    command listener before parsing, so here it only needs to be allowed."""
    if arguments in ([], ["status"], ["new"]):
        return AuditCommand(spec)
    if len(arguments) == 2 and arguments[0] == "status":
        return AuditCommand(spec, round_name=arguments[1])
    raise UsageError(f"`/audit round` takes: `/audit {spec.usage}`.")


def _period(arguments: list[str]) -> Period | None:
    if not arguments:
        return None
    try:
        return Period.parse(arguments[0])
    except ValueError as exc:
        raise UsageError(
            f"`{_shorten(arguments[0])}` is not a month or a quarter: "
            f"{MONTH_EXAMPLE}, or {QUARTER_EXAMPLE}."
        ) from exc


def _month(arguments: list[str]) -> Month | None:
    if not arguments:
        return None
    try:
        return Month.parse(arguments[0])
    except ValueError as exc:
        raise UsageError(
            f"`{_shorten(arguments[0])}` is not a month: use YYYY-MM, e.g. 2026-12."
        ) from exc


def _expect_at_most(spec: CommandSpec, arguments: list[str], count: int) -> None:
    if len(arguments) > count:
        raise UsageError(f"`/audit {spec.name}` takes: `/audit {spec.usage}`.")


def _shorten(word: str, limit: int = 40) -> str:
    word = word.replace("`", "'")
    return word if len(word) <= limit else word[:limit] + "…"
