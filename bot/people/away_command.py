"""The words after `/audit away`: whose absence, its dates and cover, or `clear`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# With "escape users" on (see the manifest) Slack sends mentions as <@U123|name>.
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
EXAMPLE = "e.g. `/audit away 2026-12-21 2027-01-02 @cover`"


class AwayUsageError(ValueError):
    """The words are not an absence; the message says why."""


@dataclass(frozen=True)
class AwayRequest:
    person_user_id: str | None = None  # None: the person typing
    clear: bool = False
    starts_on: date | None = None  # None with `clear` False: show the absence
    ends_on: date | None = None
    cover_user_id: str | None = None


def parse_away(arguments: list[str]) -> AwayRequest:
    person = _mention(arguments[0]) if arguments else None
    rest = arguments[1:] if person else arguments
    if not rest:
        return AwayRequest(person)
    if rest[0].lower() == "clear":
        if len(rest) > 1:
            raise AwayUsageError("`clear` takes nothing after it.")
        return AwayRequest(person, clear=True)
    if len(rest) < 2:
        raise AwayUsageError(f"Give the first and the last day you are away, {EXAMPLE}.")
    if len(rest) > 3:
        raise AwayUsageError(f"Too many words: {EXAMPLE}.")
    starts_on, ends_on = _date(rest[0]), _date(rest[1])
    if ends_on < starts_on:
        raise AwayUsageError(
            f"The last day ({ends_on.isoformat()}) is before the first ({starts_on.isoformat()})."
        )
    cover = None
    if len(rest) == 3:
        cover = _mention(rest[2])
        if cover is None:
            raise AwayUsageError(f"Name the cover as a mention, {EXAMPLE}.")
    return AwayRequest(person, starts_on=starts_on, ends_on=ends_on, cover_user_id=cover)


def _mention(word: str) -> str | None:
    match = MENTION.match(word)
    return match.group(1) if match else None


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(word: str) -> date:
    try:
        if _ISO_DATE.match(word):
            return date.fromisoformat(word)
    except ValueError:
        pass  # e.g. 2026-02-30: explained below
    shown = word.replace("`", "'")[:40]
    raise AwayUsageError(f"`{shown}` is not a date: use YYYY-MM-DD, e.g. 2026-12-21.")
