"""The demo's transcript as one self-contained HTML page drawn like Slack: a block per person,
a heading per day, each message, reply and form as Slack shows it.

`page.html#<anchor>` shows that one message alone (pure CSS `:target`), which is how
docs/screenshots.py photographs single messages.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.demo.transcript import Entry, Transcript

_TOKEN = re.compile(r"<([^<>]+)>")
_CODE_BLOCK = re.compile(r"```(.+?)```", re.S)
_INLINE = [
    (re.compile(r"`([^`\n]+)`"), r"<code>\1</code>"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"<b>\1</b>"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), r"<i>\1</i>"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), r"<s>\1</s>"),
]
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
# The emoji codes our templates use, as Slack draws them.
_EMOJI = {":white_check_mark:": "✅", ":warning:": "⚠️"}


def entry_anchor(user_id: str, index: int) -> str:
    """The id of a person's `index`-th entry on the page."""
    return f"{user_id}-{index}"


def write_transcript_html(path: Path, transcript: Transcript, title: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(transcript_page(transcript, title), encoding="utf-8")
    return path


def transcript_page(transcript: Transcript, title: str) -> str:
    people = list(transcript.entries)
    contents = "".join(
        f'<li><a href="#{_esc(user_id)}">{_esc(transcript.name(user_id))}</a></li>'
        for user_id in people
    )
    body = "".join(_person(transcript, user_id) for user_id in people)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
        f'<header class="page"><h1>{_esc(title)}</h1>'
        "<p>What each person saw, day by day: direct messages, replies only they could see, "
        "the forms they filled in and what team channels got.</p>"
        f"<ul class=contents>{contents}</ul></header>{body}</body></html>\n"
    )


def _person(transcript: Transcript, user_id: str) -> str:
    kind = "person channel" if transcript.is_channel(user_id) else "person"
    index = 0
    days = []
    for day, entries in transcript.by_day(user_id):
        items = []
        for entry in entries:
            items.append(_entry(entry, entry_anchor(user_id, index), transcript.names))
            index += 1
        days.append(f'<div class="day"><h3>{day:%A %-d %B %Y}</h3>{"".join(items)}</div>')
    return (
        f'<section class="{kind}" id="{_esc(user_id)}">'
        f"<h2>{_esc(transcript.name(user_id))}</h2>{''.join(days)}</section>"
    )


def _entry(entry: Entry, anchor: str, names: Mapping[str, str]) -> str:
    if entry.shape == "view":
        return _modal(entry, anchor, names)
    if entry.shape == "files":
        files = "".join(
            f'<div class="file">📎 {_esc(name)}</div>' for name in entry.payload["files"]
        )
        content = _mrkdwn(entry.payload.get("text", ""), names) + files
    else:
        content = _message_blocks(entry.payload, names)
    private = entry.heading.startswith("reply to")
    note = '<div class="private">Only visible to you</div>' if private else ""
    edited = ' <span class="what">(edited)</span>' if "earlier message" in entry.heading else ""
    return (
        f'<article class="msg" id="{_esc(anchor)}"><div class="avatar">A</div><div class="body">'
        f'{note}<div class="meta"><b>Auditbot</b> <span class="app">APP</span> '
        f'<time>{entry.at:%H:%M}</time> <span class="what">{_esc(entry.heading)}</span>{edited}'
        f"</div>{content}</div></article>"
    )


def _modal(entry: Entry, anchor: str, names: Mapping[str, str]) -> str:
    view = entry.payload
    buttons = "".join(
        f'<span class="btn{" primary" if key == "submit" else ""}">{_esc(view[key]["text"])}</span>'
        for key in ("close", "submit")
        if view.get(key)
    )
    blocks = "".join(_block(block, names) for block in view.get("blocks", []))
    return (
        f'<article class="modal" id="{_esc(anchor)}"><div class="meta"><time>{entry.at:%H:%M}'
        f'</time> <span class="what">{_esc(entry.heading)}</span></div>'
        f'<div class="title">{_esc(view.get("title", {}).get("text", ""))}</div>'
        f'<div class="content">{blocks}</div><div class="footer">{buttons}</div></article>'
    )


def _message_blocks(message: Mapping[str, Any], names: Mapping[str, str]) -> str:
    blocks = message.get("blocks") or []
    if not blocks:
        return f'<div class="text">{_mrkdwn(str(message.get("text", "")), names)}</div>'
    return "".join(_block(block, names) for block in blocks)


def _block(block: Mapping[str, Any], names: Mapping[str, str]) -> str:
    kind = block.get("type")
    if kind == "header":
        return f'<div class="header">{_esc(block["text"]["text"])}</div>'
    if kind == "section":
        text = _text(block["text"], names) if "text" in block else ""
        fields = "".join(
            f'<div class="field">{_text(f, names)}</div>' for f in block.get("fields", [])
        )
        accessory = _element(block["accessory"], names) if "accessory" in block else ""
        return (
            f'<div class="section"><div class="section-main"><div class="text">{text}</div>'
            f"{f'<div class=fields>{fields}</div>' if fields else ''}</div>{accessory}</div>"
        )
    if kind == "context":
        items = "".join(f"<span>{_text(e, names)}</span>" for e in block.get("elements", []))
        return f'<div class="context">{items}</div>'
    if kind == "actions":
        items = "".join(_element(e, names) for e in block.get("elements", []))
        return f'<div class="actions">{items}</div>'
    if kind == "divider":
        return "<hr>"
    if kind == "input":
        optional = ' <span class="optional">(optional)</span>' if block.get("optional") else ""
        hint = f'<div class="hint">{_esc(block["hint"]["text"])}</div>' if "hint" in block else ""
        return (
            f'<div class="input"><label>{_esc(block["label"]["text"])}{optional}</label>'
            f"{_element(block['element'], names)}{hint}</div>"
        )
    return ""


def _element(element: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """A button or form control as it looks before anyone touches it."""
    kind = element.get("type")
    if kind == "button":
        style = element.get("style", "")
        return f'<span class="btn {style}">{_esc(element["text"]["text"])}</span>'
    if kind in ("radio_buttons", "checkboxes"):
        chosen = [element.get("initial_option")] + list(element.get("initial_options", []))
        values = {option["value"] for option in chosen if option}
        rows = "".join(
            f'<div class="choice">{"◉" if option["value"] in values else "○"} '
            f"{_text(option['text'], names)}</div>"
            for option in element.get("options", [])
        )
        return f'<div class="choices">{rows}</div>'
    if kind == "plain_text_input":
        value = element.get("initial_value")
        shown = _esc(value) if value else _placeholder(element)
        return f'<div class="box{" tall" if element.get("multiline") else ""}">{shown}</div>'
    if kind == "users_select" and element.get("initial_user"):
        return f'<div class="box">@{_esc(names.get(element["initial_user"], ""))} ▾</div>'
    initial = {
        "static_select": (element.get("initial_option") or {}).get("text", {}).get("text"),
        "datepicker": element.get("initial_date"),
        "timepicker": element.get("initial_time"),
    }.get(kind)
    icon = {"datepicker": "📅 ", "timepicker": "🕒 "}.get(kind, "")
    shown = _esc(initial) if initial else _placeholder(element)
    return f'<div class="box">{icon}{shown} ▾</div>'


# What Slack shows in an empty control that has no placeholder of its own.
_EMPTY = {
    "datepicker": "Select a date",
    "timepicker": "Select time",
    "static_select": "Select an item",
    "users_select": "Select a person",
}


def _placeholder(element: Mapping[str, Any]) -> str:
    text = (element.get("placeholder") or {}).get("text") or _EMPTY.get(element.get("type"), "")
    return f'<span class="placeholder">{_esc(text)}</span>'


def _text(item: Mapping[str, Any], names: Mapping[str, str]) -> str:
    if item.get("type") == "mrkdwn":
        return _mrkdwn(item.get("text", ""), names)
    return _esc(item.get("text", ""))


def _mrkdwn(text: str, names: Mapping[str, str]) -> str:
    """Slack mrkdwn → HTML: mentions by name, dates by their readable fallback, links, bold,
    italic, strike, code and quotes. Tokens are set aside first so that emphasis never
    reaches into a link."""
    tokens: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        tokens.append(_token(match.group(1), names))
        return f"\x00{len(tokens) - 1}\x00"

    text = _TOKEN.sub(set_aside, text)
    text = _esc(html.unescape(text))
    for code, emoji in _EMOJI.items():
        text = text.replace(code, emoji)
    text = _CODE_BLOCK.sub(lambda m: f"<pre>{m.group(1).strip()}</pre>", text)
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    lines = [
        f"<blockquote>{line[5:]}</blockquote>" if line.startswith("&gt; ") else line
        for line in text.split("\n")
    ]
    text = "<br>".join(lines).replace("</blockquote><br>", "</blockquote>")
    return _PLACEHOLDER.sub(lambda m: tokens[int(m.group(1))], text)


def _token(token: str, names: Mapping[str, str]) -> str:
    target, _, label = token.partition("|")
    if target.startswith("@"):
        return f'<span class="mention">@{_esc(names.get(target[1:], label or target[1:]))}</span>'
    if target.startswith("#"):
        return f'<span class="mention">#{_esc(label or target[1:])}</span>'
    if target.startswith("!date^"):
        # Slack shows the date in the reader's own time zone; the fallback is the same words.
        return f'<time class="date">{_esc(label)}</time>'
    if target.startswith("!"):
        return f'<span class="mention">@{_esc(target[1:])}</span>'
    return f'<a href="{_esc(target)}">{_esc(label or target)}</a>'


def _esc(text: str) -> str:
    return html.escape(str(text), quote=True)


_CSS = """
body{font:15px/1.46 -apple-system,"Segoe UI",Lato,"DejaVu Sans",Helvetica,Arial,sans-serif;
 color:#1d1c1d;background:#f8f8f8;margin:0;padding:24px}
header.page,section.person{max-width:760px;margin:0 auto 24px;background:#fff;border:1px solid #ddd;
 border-radius:8px;padding:16px 20px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:19px;margin:0 0 4px;border-bottom:1px solid #eee;
 padding-bottom:6px}h3{font-size:13px;color:#616061;text-transform:uppercase;letter-spacing:.04em;
 margin:18px 0 6px}
.contents{columns:2;padding-left:18px;margin:8px 0 0}
section.channel h2:before{content:"📣 "}
.msg{display:flex;gap:10px;padding:8px 6px;border-radius:6px;background:#fff}
.msg:hover{background:#f6f6f6}
.avatar{flex:0 0 36px;height:36px;border-radius:6px;background:#4a154b;color:#fff;
 font-weight:700;display:flex;align-items:center;justify-content:center}
.body{flex:1;min-width:0}.meta{font-size:13px;color:#616061}.meta b{color:#1d1c1d;font-size:15px}
.app{font-size:10px;background:#e8e8e8;border-radius:3px;padding:1px 3px;color:#616061}
.what{color:#868686}.private{font-size:12px;color:#616061}.private:before{content:"👁 "}
.header{font-size:18px;font-weight:900;margin:6px 0}
.section{display:flex;gap:12px;justify-content:space-between;margin:4px 0}
.section-main{flex:1}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:6px 16px;margin-top:4px}
.context{font-size:12.5px;color:#616061;margin:4px 0}.context span+span:before{content:" · "}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.btn{display:inline-block;border:1px solid #bbb;border-radius:4px;padding:3px 12px;
 font-weight:700;font-size:14px;background:#fff;white-space:nowrap;align-self:flex-start}
.btn.primary{background:#007a5a;border-color:#007a5a;color:#fff}
.btn.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.date{border-bottom:1px dotted #999}
blockquote{border-left:4px solid #ddd;margin:4px 0;padding-left:10px}
code{background:#f4f4f4;border:1px solid #ddd;border-radius:3px;padding:0 3px;color:#c01343}
pre{background:#f8f8f8;border:1px solid #ddd;border-radius:4px;padding:8px;white-space:pre-wrap}
a{color:#1264a3}hr{border:0;border-top:1px solid #ddd}
.file{display:inline-block;border:1px solid #ddd;border-radius:6px;padding:6px 10px;
 margin:4px 6px 0 0}
.modal{border:1px solid #ccc;border-radius:10px;margin:10px 0 10px 46px;box-shadow:0 4px 14px #0002;
 max-width:560px;background:#fff}
.modal .meta{padding:6px 16px 0}.modal .title{font-size:20px;font-weight:900;padding:4px 16px 10px;
 border-bottom:1px solid #ddd}
.modal .content{padding:8px 16px}.modal .footer{border-top:1px solid #ddd;padding:10px 16px;
 display:flex;justify-content:flex-end;gap:8px}
.input{margin:10px 0}.input label{display:block;font-weight:700;margin-bottom:4px}
.optional,.hint{font-weight:400;color:#616061;font-size:13px}
.box{border:1px solid #bbb;border-radius:4px;padding:6px 8px;min-height:20px}
.box.tall{min-height:52px}.placeholder{color:#8d8d8d}.choice{margin:2px 0}
body:has(:target) :is(header.page,h2,h3,.msg:not(:target),.modal:not(:target)){display:none}
body:has(:target) section.person:not(:has(:target)){display:none}
body:has(:target) section.person{border:0;padding:8px;margin:0;max-width:720px}
body:has(:target){padding:0;background:#fff}
"""
