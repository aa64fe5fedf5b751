"""A stacked bar chart drawn on the server as SVG: requests per period, one colour per group.

The page shows the same numbers in a table beside it, so the chart need not carry them alone.
Colours are dark enough to stand out from the white page (3:1 or more, WCAG 1.4.11), and a
white line separates neighbouring segments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from handlers.actions.reports import ReportRow

PALETTE = (
    "#1d4f91",
    "#b34700",
    "#2e6b1f",
    "#7a1f5c",
    "#a61b1b",
    "#0f5b66",
    "#5b3a8e",
    "#4d4d4d",
)
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 40


@dataclass(frozen=True)
class Segment:
    """One group's part of one period's bar."""

    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw the chart."""

    width: int
    height: int
    segments: list[Segment]
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str]]
    legend: list[tuple[str, str]]
    plot_left: int
    plot_right: int
    plot_bottom: int


# Gridlines: at most five above zero, each at a round count, so each label sits at its value.
GRIDLINES = 5
SMALLEST_TOP = 5


def _scale(busiest: int) -> tuple[int, int]:
    """The axis's top and the step between its gridlines: whole, round counts (1, 2 or 5 times
    a power of ten), with the top a whole number of steps at or above the busiest period."""
    rough = max(busiest, 1) / GRIDLINES
    magnitude = 10 ** max(0, math.floor(math.log10(rough)))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    return step * math.ceil(max(busiest, SMALLEST_TOP) / step), step


def stacked_bars(
    rows: Sequence[ReportRow],
    periods: Sequence[date],
    groups: Sequence[str],
    group_labels: dict[str, str],
    period_label: dict[date, str],
) -> Chart:
    """Requests per period, stacked by group, scaled to the busiest period."""
    counts = {(row.period, row.group): row.requests for row in rows}
    totals = [sum(counts.get((p, g), 0) for g in groups) for p in periods]
    top, step = _scale(max(totals, default=0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(periods), 1)
    bar = slot * 0.7
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    segments = []
    for index, period in enumerate(periods):
        x = LEFT + index * slot + (slot - bar) / 2
        base = float(HEIGHT - BOTTOM)
        for group in groups:
            count = counts.get((period, group), 0)
            if not count:
                continue
            height = plot_height * count / top
            base -= height
            label = f"{period_label[period]}, {group_labels[group]}: {count}"
            segments.append(Segment(x, base, bar, height, colours[group], label))
    ticks = [
        (HEIGHT - BOTTOM - plot_height * value / top, value) for value in range(0, top + 1, step)
    ]
    every = max(1, math.ceil(len(periods) / 8))  # at most eight labels fit under the bars
    labels = [
        (LEFT + index * slot + slot / 2, period_label[p])
        for index, p in enumerate(periods)
        if (len(periods) - 1 - index) % every == 0  # the latest period is always named
    ]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        segments=segments,
        y_ticks=ticks,
        x_labels=labels,
        legend=[(colours[g], group_labels[g]) for g in groups],
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_bottom=HEIGHT - BOTTOM,
    )
