"""Dates the application accepts, and whole months (windows of the retro-planning, pages of the
calendar).

Every date typed in a form or read from an import lies between FIRST_DAY and LAST_DAY (years
FIRST_YEAR to LAST_YEAR): further ones are typing mistakes (« 31/12/9999 »), and date arithmetic
near year 9999 overflows. Code that computes from a stored date (quarters, retro-planning,
calendars) reads it through `bounded`, so that a row written out of range by other means cannot
break a page."""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

FIRST_YEAR, LAST_YEAR = 1900, 2200
FIRST_DAY, LAST_DAY = datetime.date(FIRST_YEAR, 1, 1), datetime.date(LAST_YEAR, 12, 31)
DATE_RANGE = f"entre le {FIRST_DAY:%d/%m/%Y} et le {LAST_DAY:%d/%m/%Y}"
# Model fields holding a year (a fiche's start and end, a diagnosis figure's, an SPPE horizon).
YEAR_VALIDATORS = [MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]


def in_range(day):
    """Whether the date (or datetime) `day` lies between FIRST_DAY and LAST_DAY."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    return FIRST_DAY <= day <= LAST_DAY


def bounded(day):
    """`day` brought back between FIRST_DAY and LAST_DAY."""
    return min(max(day, FIRST_DAY), LAST_DAY)


def validate_date(value):
    """The form fields' validator (`ctg.forms.CleanInputMixin`)."""
    if value is not None and not in_range(value):
        raise ValidationError(f"Indiquez une date comprise {DATE_RANGE}.", code="date_range")


def month_start(day, months=0):
    """The first day of the month `months` months after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(day, months=0):
    """The last day of the month `months` months after the month of `day`."""
    first = month_start(day, months)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])
