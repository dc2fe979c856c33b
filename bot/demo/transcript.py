"""The demo's transcript: what each person saw, day by day, as plain readable text.

Each entry keeps the Block Kit payload it came from, so `bot.demo.transcript_html` can draw the same
transcript as Slack would.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from typing import Any, Literal, TextIO

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
# *bold*, _italic_ and ~struck~ markers around words; a terminal shows the words plainly.
_EMPHASIS = re.compile(r"(?<![\w*_~])([*_~])(?=\S)(.+?)(?<=\S)\1(?![\w*_~])")


def plain(text: str, names: Mapping[str, str]) -> str:
    """Slack mrkdwn → plain text: mentions by name, dates by their fallback, entities decoded."""
    text = _MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = _DATE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    text = _EMPHASIS.sub(lambda m: m.group(2), text.replace("```", ""))
    return html.unescape(text)


def render_blocks(message: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """One list of lines per message: headers, sections, fields, context and buttons."""
    blocks = message.get("blocks") or []
    if not blocks:
        return [plain(str(message.get("text", "")), names)]
    lines: list[str] = []
    for block in blocks:
        lines.extend(_block_lines(block, names))
    return lines


def _block_lines(block: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        title = plain(block["text"]["text"], names)
        return [title, "─" * len(title)]
    if kind == "section":
        lines = []
        if "text" in block:
            lines.extend(plain(block["text"]["text"], names).splitlines())
        for item in block.get("fields", []):
            lines.extend(plain(item["text"], names).replace("\n", ": ", 1).splitlines())
        button = block.get("accessory") or {}
        if button.get("type") == "button":
            lines.append(f"[{button['text']['text']}]")
        return lines
    if kind == "context":
        return ["  " + plain(e.get("text", ""), names) for e in block.get("elements", [])]
    if kind == "actions":
        buttons = [f"[{e['text']['text']}]" for e in block.get("elements", []) if "text" in e]
        return ["  ".join(buttons)]
    if kind == "divider":
        return ["────"]
    if kind == "input":
        return [f"{block['label']['text']}: ______"]
    return []


def render_view(view: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    title = view.get("title", {}).get("text", "")
    lines = [f"┌ {title} ┐"]
    for block in view.get("blocks", []):
        lines.extend("│ " + line for line in _block_lines(block, names))
    submit = view.get("submit", {}).get("text")
    close = view.get("close", {}).get("text")
    lines.append("└ " + "  ".join(f"[{label}]" for label in (close, submit) if label))
    return lines


Shape = Literal["message", "view", "files"]


@dataclass(frozen=True)
class Entry:
    """One thing a person saw: a message (`payload` is its Block Kit), a form (a view), or files
    (`payload` is {"text": comment, "files": [names]})."""

    at: datetime
    heading: str
    shape: Shape
    payload: Mapping[str, Any]

    def lines(self, names: Mapping[str, str]) -> list[str]:
        if self.shape == "view":
            return render_view(self.payload, names)
        if self.shape == "files":
            comment = [self.payload["text"]] if self.payload.get("text") else []
            return comment + [f"📎 {name}" for name in self.payload["files"]]
        return render_blocks(self.payload, names)


@dataclass
class Transcript:
    """What each person (or team channel) saw, in the order they saw it."""

    names: dict[str, str]
    entries: dict[str, list[Entry]] = field(default_factory=lambda: defaultdict(list))

    def add(
        self, user_id: str, at: datetime, heading: str, payload: Mapping[str, Any], shape: Shape
    ) -> None:
        self.entries[user_id].append(Entry(at, heading, shape, payload))

    def name(self, user_id: str) -> str:
        return self.names.get(user_id, user_id)

    def is_channel(self, user_id: str) -> bool:
        return user_id.startswith("C")

    def by_day(self, user_id: str) -> list[tuple[date, list[Entry]]]:
        return [
            (day, list(entries))
            for day, entries in groupby(self.entries[user_id], key=lambda e: e.at.date())
        ]

    def write(self, out: TextIO) -> None:
        for user_id in self.entries:
            out.write(f"\n══ {self.name(user_id)} ══\n")
            for day, entries in self.by_day(user_id):
                out.write(f"\n  {day:%A %-d %B %Y}\n")
                for entry in entries:
                    out.write(f"    {entry.at:%H:%M} — {entry.heading}\n")
                    out.writelines(f"      {line}\n" for line in entry.lines(self.names))
