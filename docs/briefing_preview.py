"""A picture of the monthly QA briefing, for the docs: Gloucestershire's May 2018 (seed 002).

Plays the same May as tests/http/test_briefing_gloucestershire.py (tests/support/gloucestershire.py:
the authority, January to April in the database, May through the real bot and the Slack
stand-in on a throw-away SQLite database), takes the final briefing's Markdown summary and chart
as they reached the administrator's DM, and draws the summary's first sixty-odd lines (headings,
paragraphs, bullets and tables) above the chart with Pillow, using docs/record_preview.py's font
and frame:

    python docs/briefing_preview.py      # writes docs/images/qa-briefing-gloucestershire.png
    python docs/briefing_preview.py --out X.png
"""

from __future__ import annotations

import argparse
import io
import logging
import re
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # the repository (tests/support) and docs/

from record_preview import GUTTER, HEADING_INK, INK, RULE, font, framed, wrap  # noqa: E402

from bot.core.calendar import LONDON  # noqa: E402
from models.db import create_db_engine, upgrade_database  # noqa: E402
from tests.support.gloucestershire import (  # noqa: E402
    FINAL,
    MODERATED_IN_JUNE,
    PROVISIONAL,
    MayPlay,
    build_authority,
    gloucestershire_policy,
    tick,
    uploads_in_order,
)
from tests.support.harness import BotStarter, Clock  # noqa: E402

TARGET = HERE / "images" / "qa-briefing-gloucestershire.png"
STEM = "qa-briefing-2018-05"
LINES = 60  # about this many lines of the summary: whole paragraphs and tables only
WIDTH, MARGIN = 1100, 40  # the chart's width
TEXT_WIDTH = WIDTH - 2 * MARGIN
SIZES = {"#": 28, "##": 21, "###": 17}
BODY, TABLE = 15, 13
LEADING = 1.4
CELL = 5  # padding
HEADER_FILL = "#eef2f8"


def final_briefing() -> tuple[str, bytes]:
    """Play May and return the final briefing's Markdown and chart, as the administrator got
    them in Slack."""
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/auditbot.db"
        engine = create_db_engine(url)
        upgrade_database(engine)
        engine.dispose()
        starter = BotStarter(url)
        try:
            bot = starter(
                Clock(datetime(2018, 4, 30, 9, 0, tzinfo=LONDON)),
                policy=gloucestershire_policy(),
                people=build_authority,
            )
            play = MayPlay(bot)
            play.play()
            tick(bot, PROVISIONAL)
            play.moderate(MODERATED_IN_JUNE)
            tick(bot, FINAL)
            bot.wait_until_sent()
            files = dict(uploads_in_order(bot, bot.people["admin"].slack_user_id))
        finally:
            starter.stop_all()
    return files[f"{STEM}.md"].decode(), files[f"{STEM}-chart.png"]


def first_lines(markdown: str, about: int = LINES) -> list[str]:
    """The summary's first lines, up to `about`, never cutting a paragraph or a table."""
    kept: list[str] = []
    for block in markdown.split("\n\n"):
        lines = block.splitlines()
        if kept and len(kept) + len(lines) > about:
            break
        kept += [*lines, ""]
    return kept


def draw_summary(lines: list[str]) -> Image.Image:
    page = Image.new("RGB", (WIDTH, 6000), "white")
    pen = ImageDraw.Draw(page)
    y, table = MARGIN, []
    for line in [*lines, ""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            y = _table(pen, table, y) + 10
            table = []
        heading = line.split(" ", 1)[0]
        if heading in SIZES:
            y = _text(pen, line.split(" ", 1)[1], y, SIZES[heading], ink=HEADING_INK, bold=True)
        elif line.startswith("- "):
            middle = y + BODY * 0.6
            pen.ellipse((MARGIN + 6, middle - 3, MARGIN + 12, middle + 3), fill=INK)
            y = _text(pen, line[2:], y, BODY, indent=22)
        elif line:
            y = _text(pen, line, y, BODY)
        else:
            y += BODY // 2
    return page.crop((0, 0, WIDTH, y + MARGIN // 2))


def _text(pen, text, y, size, *, ink=INK, bold=False, indent=0) -> int:
    """A paragraph, wrapped; **bold** spans drawn bold."""
    words = []
    for index, part in enumerate(re.split(r"\*\*", text)):
        words += [(word, bold or index % 2 == 1) for word in part.split()]
    for line in wrap(words, size, TEXT_WIDTH - indent):
        x = MARGIN + indent
        for word, heavy in line:
            pen.text((x, y), word, font=font(size), fill=ink)
            if heavy:
                pen.text((x + 1, y), word, font=font(size), fill=ink)
            x += pen.textlength(word + " ", font=font(size))
        y += int(size * LEADING)
    return y + 2


def _table(pen, rows: list[str], y: int) -> int:
    """A Markdown table: the header row shaded and wrapped to fit, the columns as wide as their
    longest word or cell."""
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    header, body = cells[0], cells[2:]
    size = font(TABLE)

    def width(text: str) -> float:
        return size.getlength(text) + 2 * CELL

    least = [
        max([width(w) for w in head.split()] + [width(row[i]) for row in body])
        for i, head in enumerate(header)
    ]
    natural = [max(least[i], width(head)) for i, head in enumerate(header)]
    if sum(natural) <= TEXT_WIDTH:
        widths = natural
    else:  # share what is left beyond each column's least width in proportion to its header
        spare = TEXT_WIDTH - sum(least)
        extra = [n - m for n, m in zip(natural, least, strict=True)]
        widths = [m + spare * e / sum(extra) for m, e in zip(least, extra, strict=True)]
    line_height = int(TABLE * LEADING)
    for index, row in enumerate([header, *body]):
        wrapped = [
            [" ".join(w for w, _ in line) for line in wrap([(w, 0) for w in c.split()], TABLE,
                                                              widths[i] - 2 * CELL)] or [""]
            for i, c in enumerate(row)
        ]  # fmt: skip
        height = max(len(lines) for lines in wrapped) * line_height + 2 * CELL
        x = MARGIN
        for lines, column in zip(wrapped, widths, strict=True):
            box = (x, y, x + column, y + height)
            pen.rectangle(box, fill=HEADER_FILL if index == 0 else "white", outline=RULE)
            for number, text in enumerate(lines):
                pen.text((x + CELL, y + CELL + number * line_height), text, font=size, fill=INK)
                if index == 0:
                    pen.text((x + CELL + 1, y + CELL + number * line_height), text, font=size,
                             fill=INK)  # fmt: skip
            x += column
        y += height
    return y


def picture(markdown: str, chart: bytes) -> Image.Image:
    summary = draw_summary(first_lines(markdown))
    drawn = Image.open(io.BytesIO(chart)).convert("RGB")
    page = Image.new("RGB", (WIDTH, summary.height + drawn.height + GUTTER), "white")
    page.paste(summary, (0, 0))
    pen = ImageDraw.Draw(page)
    pen.line((MARGIN, summary.height, WIDTH - MARGIN, summary.height), fill=RULE, width=1)
    page.paste(drawn, ((WIDTH - drawn.width) // 2, summary.height + GUTTER // 2))
    return framed(page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET, help=f"default: {TARGET}")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # the bot's own log lines are not the picture
    markdown, chart = final_briefing()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    picture(markdown, chart).quantize(colors=128).save(args.out, optimize=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
