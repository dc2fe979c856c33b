"""The briefing's chart on briefings made by hand: its axis ticks, and edge cases the test month
does not reach (nothing at all, two years of periods, long grade names, large counts)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.core.months import Month
from bot.report.chart import COMPLETION_COLOURS, GRADE_COLOURS, briefing_chart, nice_ticks
from bot.report.figures import OVERALL, Briefing, Completion, GradeCounts
from bot.report.period import Period
from tests.support.charts import bar_colours, chart_image, colour_areas

GRADES = ["Outstanding", "Good", "Requires improvement to be good", "Inadequate"]
LONG_GRADES = [
    "Outstanding practice with exemplary outcomes",
    "Good: the child's needs are met",
    "Requires improvement to be good",
    "Inadequate: the child is at risk of harm",
    "Not applicable or not assessed in this audit",
    "Other",
]
WHITE = ((255, 255), (255, 255), (255, 255))
AXIS = (0x61, 0x61, 0x61)


def briefing(completion, grades, scale=GRADES) -> Briefing:
    """Months to December 2026, one a row: `completion` (in time, late, not completed) and
    `grades` (a count per grade of `scale`)."""
    compared = Period.month(Month(2026, 12)).with_previous(len(completion) - 1)
    return Briefing(
        period=compared[-1],
        as_of=date(2027, 1, 4),
        framework="Test",
        grade_scale=scale,
        completion=[
            Completion(period, sum(row), *row[:2])
            for period, row in zip(compared, completion, strict=True)
        ],
        grades=[
            GradeCounts(period, OVERALL, dict(zip(scale, row, strict=True)))
            for period, row in zip(compared, grades, strict=True)
        ],
        moderation=[],
        concerns=[],
        register=[],
        engagement=[],
        reasons=[],
        actions=[],
        reaudit_agreement=[],
    )


def blank(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    return image.crop(box).getextrema() == WHITE


def test_ticks_are_steps_of_one_two_or_five_times_a_power_of_ten():
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(5) == [0, 1, 2, 3, 4, 5]
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(1234) == [0, 500, 1000, 1500]
    assert nice_ticks(100, most=5) == [0, 20, 40, 60, 80, 100]


@settings(database=None)  # no .hypothesis directory in the working tree
@given(st.integers(min_value=0, max_value=10**9))
def test_ticks_cover_the_largest_count_in_at_most_six_equal_whole_steps(largest):
    ticks = nice_ticks(largest)
    step = ticks[1]
    assert ticks[0] == 0 and ticks[-1] >= max(largest, 1) and len(ticks) <= 7
    assert ticks == [step * i for i in range(len(ticks))]
    assert ticks[-1] - step < max(largest, 1)  # no step wholly above the largest
    assert int(str(step).rstrip("0")) in (1, 2, 5)


def test_a_briefing_with_nothing_in_it_draws_empty_axes():
    png = briefing_chart(briefing([(0, 0, 0)] * 4, [(0, 0, 0, 0)] * 4))
    assert not bar_colours(png)
    image = chart_image(png)
    assert not blank(image, (0, 0, *image.size))  # titles, axes and legends


def test_two_years_of_months_label_every_few_bars_without_overlap():
    months = 24
    png = briefing_chart(
        briefing([(i, i // 2, i // 4) for i in range(months)], [(1, 1, 1, 1)] * months)
    )
    assert bar_colours(png) == {*COMPLETION_COLOURS.values(), *GRADE_COLOURS[:4]}
    image = chart_image(png)
    axis = _x_axis_row(image)
    labels = image.crop((0, axis + 6, 550, axis + 28))  # the left panel's period labels
    widths = _words(labels)
    assert 4 <= len(widths) < months and max(widths) < 90


def test_long_grade_names_wrap_inside_their_panel():
    png = briefing_chart(briefing([(3, 1, 1)] * 4, [(1, 2, 3, 1, 2, 1)] * 4, scale=LONG_GRADES))
    assert bar_colours(png) == {*COMPLETION_COLOURS.values(), *GRADE_COLOURS}
    image = chart_image(png)
    assert blank(image, (530, 40, 570, 500))  # the gutter between the panels
    assert blank(image, (1090, 0, 1100, 500))  # the right edge


def test_large_counts_are_drawn_to_scale():
    completion = [(800, 200, 234), (10, 5, 5), (900, 50, 37), (1000, 300, 200)]
    areas = colour_areas(briefing_chart(briefing(completion, [(5, 10, 20, 3)] * 4)))
    in_time, late, _ = COMPLETION_COLOURS.values()
    assert areas[in_time] / areas[late] == pytest.approx(2710 / 555, rel=0.03)


def _x_axis_row(image: Image.Image) -> int:
    """The row of the left panel's x axis: the one with the most of the axes' grey."""
    left_panel = image.crop((0, 0, 550, image.height))
    greys = [
        sum(left_panel.getpixel((x, y)) == AXIS for x in range(left_panel.width))
        for y in range(left_panel.height)
    ]
    return greys.index(max(greys))


def _words(image: Image.Image, gap: int = 8) -> list[int]:
    """The width of each stretch of inked columns, counting gaps narrower than `gap` (between
    letters, or a space) as ink."""
    inked = [x for x in range(image.width) if not blank(image, (x, 0, x + 1, image.height))]
    starts = [x for x, before in zip(inked[1:], inked, strict=False) if x - before >= gap]
    ends = [before for x, before in zip(inked[1:], inked, strict=False) if x - before >= gap]
    return [
        end - start + 1 for start, end in zip([inked[0], *starts], [*ends, inked[-1]], strict=True)
    ]
