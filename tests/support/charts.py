"""Reading the briefing's chart back as pixels: is it a whole PNG of the right size, and which
series have bars in it."""

from __future__ import annotations

import io

from PIL import Image, ImageColor

from bot.report.chart import COMPLETION_COLOURS, GRADE_COLOURS

SIZE = (1100, 500)
BAR_AREA = 400  # pixels: more than a legend's colour square (13 × 13), less than any bar here


def chart_image(png: bytes) -> Image.Image:
    """The chart decoded; fails unless it is a complete PNG of the chart's size."""
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", SIZE)
    image.load()  # decodes every row: a truncated file fails here
    return image.convert("RGB")


def colour_areas(png: bytes) -> dict[str, int]:
    """How many pixels of each series' colour (completion, then grades) the chart has."""
    counts = {rgb: n for n, rgb in chart_image(png).getcolors(SIZE[0] * SIZE[1])}
    colours = [*COMPLETION_COLOURS.values(), *GRADE_COLOURS]
    return {colour: counts.get(ImageColor.getrgb(colour), 0) for colour in colours}


def bar_colours(png: bytes) -> set[str]:
    """The colours of the series drawn as bars, not only in the legend."""
    return {colour for colour, area in colour_areas(png).items() if area > BAR_AREA}


def completion_bars_drawn(png: bytes) -> bool:
    return set(COMPLETION_COLOURS.values()) <= bar_colours(png)
