"""The words after `/audit observed`: nothing (the list), or whom, the day and a note."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# With "escape users" on (see the manifest) Slack sends mentions as <@U123|name>.
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EXAMPLE = "e.g. `/audit observed @Pat 2026-12-03 joint home visit`"
MAX_NOTE = 500


class ObservedUsageError(ValueError):
    """The words are not an observation; the message says why."""


@dataclass(frozen=True)
class ObservedRequest:
    practitioner_user_id: str | None = None  # None: list who is due
    observed_on: date | None = None  # None: today
    note: str | None = None


def parse_observed(arguments: list[str]) -> ObservedRequest:
    if not arguments:
        return ObservedRequest()
    match = MENTION.match(arguments[0])
    if match is None:
        raise ObservedUsageError(f"Name the practitioner you observed as a mention, {EXAMPLE}.")
    rest = arguments[1:]
    observed_on = None
    if rest and _ISO_DATE.match(rest[0]):
        try:
            observed_on = date.fromisoformat(rest[0])
        except ValueError:
            raise ObservedUsageError(f"{rest[0]} is not a date: {EXAMPLE}.") from None
        rest = rest[1:]
    note = " ".join(rest).strip() or None
    if note and len(note) > MAX_NOTE:
        raise ObservedUsageError(f"Keep the note to {MAX_NOTE} characters.")
    return ObservedRequest(match.group(1), observed_on, note)
