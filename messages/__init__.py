"""Jinja2 templates that render Block Kit JSON: one template per message or view.

Each template renders a JSON object; messages carry ``text`` (the notification and
screen-reader fallback) and ``blocks``; views are complete ``view`` objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined


def escape_mrkdwn(value: object) -> str:
    """Slack requires &, < and > escaped in text, so user input can't forge a mention or link."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_date(day: date) -> str:
    """A date Slack shows in each reader's own locale, with a plain fallback."""
    noon = datetime.combine(day, time(12, 0), tzinfo=UTC)
    return f"<!date^{int(noon.timestamp())}^{{date_long_pretty}}|{day:%A %-d %B %Y}>"


def slack_datetime(moment: datetime) -> str:
    """A date and time Slack shows in each reader's own time zone; the fallback is the time
    as given (pass it in the authority's zone)."""
    fallback = f"{moment:%A %-d %B %Y at %H:%M}"
    return f"<!date^{int(moment.timestamp())}^{{date_long_pretty}} at {{time}}|{fallback}>"


def plain_date(day: date) -> str:
    return f"{day:%A %-d %B %Y}"


def mention(person: Any) -> str:
    """A Slack mention when the person is on Slack, otherwise their name."""
    if getattr(person, "slack_user_id", None):
        return f"<@{person.slack_user_id}>"
    return escape_mrkdwn(person.name)


def duration_words(minutes: int) -> str:
    """60 → 'an hour', 90 → '90 minutes', 120 → '2 hours'."""
    if minutes == 60:
        return "an hour"
    if minutes % 60 == 0:
        return f"{minutes // 60} hours"
    return f"{minutes} minutes"


def chunk_lines(lines: list[str], limit: int = 2900) -> list[str]:
    """Join lines into pieces that each fit one Block Kit text field (3,000 characters)."""
    pieces: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            pieces.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces


def listing(items: list[str], limit: int = 30) -> str:
    """'a, b, c' — or the first `limit` and 'and N more', so a long list never overflows a block."""
    shown = ", ".join(escape_mrkdwn(item) for item in items[:limit])
    extra = len(items) - limit
    return f"{shown} and {extra} more" if extra > 0 else shown


# --- links to the case system: the policy's `case_link`, while a request or a tick runs ---

_case_link: ContextVar[str | None] = ContextVar("case_link", default=None)


@contextmanager
def linking_cases(template: str | None) -> Iterator[None]:
    """While inside, every case reference in DMs and modals is linked with this URL template
    (None: bare). Scoped to the work at hand (a unit of work, a tick), not set for the process."""
    token = _case_link.set(template)
    try:
        yield
    finally:
        _case_link.reset(token)


def case_link(case_ref: object) -> str:
    """A case reference for mrkdwn: `<url|CR-123>` when the policy gives a case system link
    (the reference URL-encoded), otherwise the escaped reference. Plain-text fields (headers,
    notification text) can't hold links and keep using the bare reference."""
    label = escape_mrkdwn(case_ref)
    template = _case_link.get()
    if template is None:
        return label
    return f"<{template.replace('{case_ref}', quote(str(case_ref), safe=''))}|{label}>"


def link_case_in(text: object, case_ref: str | None) -> str:
    """Text for mrkdwn in which the case reference it names (if any) is linked."""
    escaped = escape_mrkdwn(text)
    if not case_ref:
        return escaped
    return escaped.replace(escape_mrkdwn(case_ref), case_link(case_ref), 1)


_env = Environment(
    loader=PackageLoader("messages", "templates"),
    autoescape=False,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
    # The templates ship with the package and do not change while it runs: no stat of the
    # file on every render (1,718 renders on a busy day).
    auto_reload=False,
)
_env.filters["mrkdwn"] = escape_mrkdwn
_env.filters["case_link"] = case_link
_env.filters["link_case_in"] = link_case_in
_env.filters["slack_date"] = slack_date
_env.filters["plain_date"] = plain_date
_env.filters["slack_datetime"] = slack_datetime
_env.filters["mention"] = mention
_env.filters["duration_words"] = duration_words
_env.filters["chunk_lines"] = chunk_lines
_env.filters["listing"] = listing
_env.filters["format_bullet"] = lambda line: f"• {line}"
# Embed any value as a JSON literal (strings quoted and escaped).
_env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False)


def render(name: str, **context: Any) -> dict[str, Any]:
    """Render ``templates/<name>.json.j2`` into a Python dict ready for the Slack API."""
    source = _env.get_template(f"{name}.json.j2").render(**context)
    try:
        return json.loads(source)
    except json.JSONDecodeError as exc:  # a template bug: say which template
        raise ValueError(f"template {name} rendered invalid JSON: {exc}") from exc


def template_names() -> list[str]:
    """The messages and views (a `.j2` file that is not `.json.j2` holds macros they share)."""
    return sorted(
        n.removesuffix(".json.j2") for n in _env.list_templates() if n.endswith(".json.j2")
    )
