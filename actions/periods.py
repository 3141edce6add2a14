"""Quarters of the shared tracking table, written `2026-T1` as in the exchange format."""

import datetime
import re
from dataclasses import dataclass

from ctg.dates import FIRST_YEAR, LAST_YEAR, bounded

PERIOD_RE = re.compile(r"^(\d{4})-T([1-4])$")
ORDINALS = {1: "1er", 2: "2e", 3: "3e", 4: "4e"}


@dataclass(frozen=True, order=True)
class Period:
    year: int
    quarter: int

    @classmethod
    def parse(cls, text):
        """The period written `text`, in the years `ctg.dates` accepts; ValueError with a French
        message otherwise."""
        match = PERIOD_RE.match(str(text or "").strip())
        if not match:
            raise ValueError(f"période « {text} » invalide : attendu AAAA-Tn, par exemple 2026-T1")
        if not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
            raise ValueError(f"période « {text} » hors limites : années {FIRST_YEAR} à {LAST_YEAR}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day):
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self):
        return f"{self.year}-T{self.quarter}"

    @property
    def label(self):
        return f"{ORDINALS[self.quarter]} trimestre {self.year}"

    @property
    def start(self):
        return datetime.date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self):
        return self.next().start - datetime.timedelta(days=1)

    def previous(self):
        return Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year, self.quarter - 1)

    def next(self):
        return Period(self.year + 1, 1) if self.quarter == 4 else Period(self.year, self.quarter + 1)


def periods_between(start, end):
    """Every quarter from the one holding `start` to the one holding `end`, in order (within the
    years `ctg.dates` accepts, whatever the stored dates)."""
    period, last = Period.containing(bounded(start)), Period.containing(bounded(end))
    periods = []
    while period <= last:
        periods.append(period)
        period = period.next()
    return periods
