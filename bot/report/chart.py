"""The briefing's chart: completion and overall grades over the periods compared, as a PNG.

Drawn with Pillow and the font bundled with it, so it needs no display and no system fonts,
and is safe in a server thread. bot/report/files.py imports this module only when a chart is
drawn, so processes that never draw one do not load Pillow.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from bot.report.figures import Briefing

COMPLETION_COLOURS = {
    "Completed within timescale": "#2e7d32",
    "Completed late": "#f9a825",
    "Not completed": "#9e9e9e",
}
GRADE_COLOURS = ["#1b5e20", "#66bb6a", "#ffb300", "#c62828", "#6a1b9a", "#455a64"]

WIDTH, HEIGHT = 1100, 500
PANEL_WIDTH = WIDTH // 2
TEXT, AXIS, GRID = "#212121", "#616161", "#e0e0e0"
TITLE_SIZE, PANEL_TITLE_SIZE, LABEL_SIZE = 20, 16, 13
LINE_HEIGHT = 17  # of LABEL_SIZE text: legend lines and the period labels
SWATCH = 12  # a legend entry's colour square
NAME_WIDTH = PANEL_WIDTH // 2 - 60  # a legend name wraps at this: two columns fit a panel
GRADES_TITLE = "Overall judgements after moderation (% of audits analysed)"


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def centre_x(self) -> int:
        return (self.left + self.right) // 2

    @property
    def centre_y(self) -> int:
        return (self.top + self.bottom) // 2


@dataclass(frozen=True)
class Panel:
    """Stacked bars, one per period: each series adds a segment of its colour."""

    title: str
    labels: list[str]
    series: dict[str, list[float]]
    colours: list[str]
    ticks: list[int]
    axis_label: str


def briefing_chart(briefing: Briefing) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    title = f"QA briefing: {briefing.period.label}"
    draw.text((WIDTH // 2, 12), title, font=_font(TITLE_SIZE), fill=TEXT, anchor="mt")
    panels = [_completion_panel(briefing), _grades_panel(briefing)]
    legend_top = HEIGHT - 8 - max(map(_legend_height, panels))  # the same for both: axes align
    for index, panel in enumerate(panels):
        box = Box(index * PANEL_WIDTH, 48, (index + 1) * PANEL_WIDTH, legend_top)
        if panel is None:
            _draw_no_grades(draw, box)
        else:
            _draw_panel(image, box, panel)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def nice_ticks(largest: float, most: int = 6) -> list[int]:
    """Axis ticks from 0 to at least `largest` (and at least 1), in at most `most` equal steps
    of 1, 2 or 5 × 10^k."""
    largest = max(largest, 1)
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            steps = math.ceil(largest / step)
            if steps <= most:
                return [step * i for i in range(steps + 1)]
        magnitude *= 10


def _completion_panel(briefing: Briefing) -> Panel:
    rows = briefing.completion
    return Panel(
        title="Audits identified and completed",
        labels=[row.period.short_label for row in rows],
        series={
            "Completed within timescale": [row.completed_in_time for row in rows],
            "Completed late": [row.completed_late for row in rows],
            "Not completed": [row.not_completed for row in rows],
        },
        colours=list(COMPLETION_COLOURS.values()),
        ticks=nice_ticks(max((row.identified for row in rows), default=0)),
        axis_label="Audits",
    )


def _grades_panel(briefing: Briefing) -> Panel | None:
    """None for a framework of evaluative statements, which has no grades."""
    if not briefing.grade_scale:
        return None
    rows = briefing.overall_grades
    return Panel(
        title=GRADES_TITLE,
        labels=[row.period.short_label for row in rows],
        series={
            grade: [_share(row.counts[grade], row.total) for row in rows]
            for grade in briefing.grade_scale
        },
        colours=[GRADE_COLOURS[i % len(GRADE_COLOURS)] for i in range(len(briefing.grade_scale))],
        ticks=nice_ticks(100, most=5),
        axis_label="%",
    )


def _share(count: int, total: int) -> float:
    return 100.0 * count / total if total else 0.0


def _draw_no_grades(draw: ImageDraw.ImageDraw, box: Box) -> None:
    font = _font(PANEL_TITLE_SIZE)
    draw.text((box.centre_x, box.top), GRADES_TITLE, font=font, fill=TEXT, anchor="mt")
    middle = (box.centre_x, box.centre_y)
    draw.text(middle, "Evaluative statements: no grades", font=font, fill=TEXT, anchor="mm")


def _draw_panel(image: Image.Image, box: Box, panel: Panel) -> None:
    """The title on top, the bars, their labels under them, and the legend under `box`."""
    draw = ImageDraw.Draw(image)
    font = _font(PANEL_TITLE_SIZE)
    draw.text((box.centre_x, box.top), panel.title, font=font, fill=TEXT, anchor="mt")
    plot = Box(box.left + 75, box.top + 36, box.right - 30, box.bottom - LINE_HEIGHT - 20)
    _draw_y_axis(image, plot, panel.ticks, panel.axis_label)
    _draw_bars(draw, plot, panel)
    _draw_period_labels(draw, plot, panel.labels)
    _draw_legend(draw, box, panel)


def _draw_y_axis(image: Image.Image, plot: Box, ticks: list[int], label: str) -> None:
    draw = ImageDraw.Draw(image)
    font = _font(LABEL_SIZE)
    for tick in ticks:
        y = _y(plot, tick, ticks[-1])
        draw.line([(plot.left, y), (plot.right, y)], fill=GRID if tick else AXIS)
        draw.line([(plot.left - 5, y), (plot.left, y)], fill=AXIS)
        draw.text((plot.left - 9, y), f"{tick:,}", font=font, fill=TEXT, anchor="rm")
    draw.line([(plot.left, plot.top), (plot.left, plot.bottom)], fill=AXIS)
    widest = max(font.getlength(f"{tick:,}") for tick in ticks)
    _vertical_text(image, (round(plot.left - 22 - widest), plot.centre_y), label, font)


def _draw_bars(draw: ImageDraw.ImageDraw, plot: Box, panel: Panel) -> None:
    """Each segment runs between the running totals, so stacked segments meet exactly."""
    slot = (plot.right - plot.left) / max(len(panel.labels), 1)
    for index in range(len(panel.labels)):
        left = round(plot.left + slot * (index + 0.1))
        right = max(round(plot.left + slot * (index + 0.9)) - 1, left)
        below = 0.0
        for values, colour in zip(panel.series.values(), panel.colours, strict=True):
            above = below + values[index]
            if values[index] > 0:
                top, bottom = _y(plot, above, panel.ticks[-1]), _y(plot, below, panel.ticks[-1])
                draw.rectangle([(left, top), (right, bottom - 1)], fill=colour)
            below = above


def _draw_period_labels(draw: ImageDraw.ImageDraw, plot: Box, labels: list[str]) -> None:
    """Under their bars; with too many to fit, every n-th one, always including the last (the
    period reported on)."""
    if not labels:
        return
    font = _font(LABEL_SIZE)
    slot = (plot.right - plot.left) / len(labels)
    widest = max(font.getlength(label) for label in labels)
    every = math.ceil((widest + 12) / slot)
    for index, label in enumerate(labels):
        if (len(labels) - 1 - index) % every == 0:
            x = round(plot.left + slot * (index + 0.5))
            draw.line([(x, plot.bottom), (x, plot.bottom + 4)], fill=AXIS)
            draw.text((x, plot.bottom + 8), label, font=font, fill=TEXT, anchor="mt")


def _draw_legend(draw: ImageDraw.ImageDraw, box: Box, panel: Panel) -> None:
    """Under `box`, centred in two columns."""
    font = _font(LABEL_SIZE)
    rows = _legend_rows(panel)
    widest = max(font.getlength(line) for row in rows for lines, _ in row for line in lines)
    column_width = SWATCH + 8 + round(widest) + 24
    left, top = box.centre_x - len(rows[0]) * column_width // 2, box.bottom
    for row in rows:
        for column, (lines, colour) in enumerate(row):
            x = left + column * column_width
            draw.rectangle([(x, top + 2), (x + SWATCH, top + 2 + SWATCH)], fill=colour)
            text = "\n".join(lines)
            draw.multiline_text((x + SWATCH + 8, top), text, font=font, fill=TEXT, spacing=3)
        top += _row_height(row)


def _legend_height(panel: Panel | None) -> int:
    return sum(_row_height(row) for row in _legend_rows(panel)) if panel else 0


def _legend_rows(panel: Panel) -> list[list[tuple[list[str], str]]]:
    """The legend's entries (a series' name wrapped into lines, its colour), two to a row."""
    font = _font(LABEL_SIZE)
    entries = [
        (_wrap(name, font, NAME_WIDTH), colour)
        for name, colour in zip(panel.series, panel.colours, strict=True)
    ]
    return [entries[i : i + 2] for i in range(0, len(entries), 2)]


def _row_height(row: list[tuple[list[str], str]]) -> int:
    return max(len(lines) for lines, _ in row) * LINE_HEIGHT + 4


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


def _vertical_text(
    image: Image.Image, centre: tuple[int, int], text: str, font: ImageFont.FreeTypeFont
) -> None:
    """Text turned a quarter anticlockwise, as an axis title reads."""
    _, _, width, height = font.getbbox(text)
    mask = Image.new("L", (width, height))
    ImageDraw.Draw(mask).text((0, 0), text, font=font, fill=255)
    mask = mask.rotate(90, expand=True)
    x, y = centre[0] - mask.width // 2, centre[1] - mask.height // 2
    image.paste(TEXT, (x, y, x + mask.width, y + mask.height), mask)


def _y(plot: Box, value: float, largest: int) -> int:
    return round(plot.bottom - (plot.bottom - plot.top) * value / largest)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)
