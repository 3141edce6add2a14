"""Whole months: windows of the retro-planning, pages of the calendar."""

import calendar
import datetime


def month_start(day, months=0):
    """The first day of the month `months` months after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(day, months=0):
    """The last day of the month `months` months after the month of `day`."""
    first = month_start(day, months)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])
