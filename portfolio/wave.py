"""The renewal wave: every CTG of the portfolio as a bar over the years, grouped by end year, with
its renewal milestones as marks. Geometry here, markup in templates/portfolio/_wave.html; the
template gives the chart a title, a description and a data table as its text equivalent."""

import datetime
from dataclasses import dataclass, field
from itertools import groupby

LABEL_WIDTH = 300
PLOT_WIDTH = 600
ROW_HEIGHT = 22
GROUP_HEIGHT = 28
AXIS_HEIGHT = 24


@dataclass
class WaveMark:
    title: str
    x: float
    date: datetime.date


@dataclass
class WaveBar:
    row: object
    y: int
    x: float
    width: float
    marks: list = field(default_factory=list)

    @property
    def text_y(self):
        return self.y + ROW_HEIGHT - 7


@dataclass
class WaveGroup:
    year: int
    y: int
    bars: list

    @property
    def text_y(self):
        return self.y + GROUP_HEIGHT - 8


@dataclass
class Wave:
    groups: list
    ticks: list  # (x, year)
    height: int
    label_width: int = LABEL_WIDTH
    width: int = LABEL_WIDTH + PLOT_WIDTH + 24  # room for the last year's label

    @property
    def axis_y(self):
        return AXIS_HEIGHT - 8


def renewal_wave(rows, renewal_milestones):
    """`renewal_milestones`: convention pk → [(title, date)]. Rows without an end are skipped."""
    rows = sorted(rows, key=lambda r: (r.end, r.convention.start, r.territory))
    if not rows:
        return Wave([], [], AXIS_HEIGHT)
    first = min(r.convention.start.year for r in rows)
    last = max(r.end.year for r in rows) + 1
    span = (datetime.date(last, 1, 1) - datetime.date(first, 1, 1)).days

    def x(day):
        return round(LABEL_WIDTH + PLOT_WIDTH * (day - datetime.date(first, 1, 1)).days / span, 1)

    groups, y = [], AXIS_HEIGHT
    for year, members in groupby(rows, key=lambda r: r.end.year):
        group = WaveGroup(year, y, [])
        y += GROUP_HEIGHT
        for row in members:
            bar = WaveBar(row, y, x(row.convention.start), max(x(row.end) - x(row.convention.start), 2))
            bar.marks = [WaveMark(title, x(day), day) for title, day in renewal_milestones.get(row.convention.pk, [])
                         if datetime.date(first, 1, 1) <= day < datetime.date(last, 1, 1)]
            group.bars.append(bar)
            y += ROW_HEIGHT
        groups.append(group)
    ticks = [(x(datetime.date(year, 1, 1)), year) for year in range(first, last + 1)]
    return Wave(groups, ticks, y + 4)
