"""The PRC working-day calendar (data/calendar/prc-working-days.yaml) and the facts it adds to a case.

For every date in a case the engine adds a calendar node with its working-day index: working days
are counted from the calendar's first day (the first working day is 1); a rest day gets the index of
the working day before it plus 0.5. So "Y is within N working days after X" is
index(Y) - index(X) <= N, and a rest day just after the N-th working day is already too late.
Dates outside the calendar get cc:outsideCalendar true and no index: shapes report that plainly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from rdflib import RDF, XSD, BNode, Graph, Literal

from .vocab import CC, DATA_DIR

CALENDAR_FILE = DATA_DIR / "calendar" / "prc-working-days.yaml"


class OutsideCalendar(ValueError):
    pass


@dataclass(frozen=True)
class Calendar:
    first: date
    last: date
    index: dict[date, Decimal]
    working: frozenset[date]
    provisional_years: frozenset[int]

    def working_day_index(self, day: date) -> Decimal:
        if not self.first <= day <= self.last:
            raise OutsideCalendar(f"{day.isoformat()} is outside the PRC working-day calendar "
                                  f"({self.first.isoformat()} to {self.last.isoformat()})")
        return self.index[day]

    def is_working_day(self, day: date) -> bool:
        self.working_day_index(day)
        return day in self.working

    def working_days_between(self, start: date, end: date) -> Decimal:
        """Working days after `start` up to and including `end` (a rest-day end counts half)."""
        return self.working_day_index(end) - self.working_day_index(start)


def _days(items) -> set[date]:
    out: set[date] = set()
    for item in items or []:
        if isinstance(item, list):
            a, b = item
            while a <= b:
                out.add(a)
                a += timedelta(days=1)
        else:
            out.add(item)
    return out


@lru_cache(maxsize=8)
def load(path: Path = CALENDAR_FILE) -> Calendar:
    """The calendar in `path` (the project's, or the copy a rulebook snapshot keeps), read once."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    rest, make_up, provisional = set(), set(), set()
    for year, info in spec["years"].items():
        rest |= _days(info.get("rest_days"))
        make_up |= _days(info.get("make_up_working_days"))
        if info.get("provisional"):
            provisional.add(int(year))
    first, last = spec["first"], spec["last"]
    index: dict[date, Decimal] = {}
    working = set()
    count = Decimal(0)
    day = first
    while day <= last:
        is_working = day in make_up or (day.weekday() < 5 and day not in rest)
        if is_working:
            count += 1
            working.add(day)
            index[day] = count
        else:
            index[day] = count + Decimal("0.5")
        day += timedelta(days=1)
    return Calendar(first, last, index, frozenset(working), frozenset(provisional))


def add_calendar_facts(graph: Graph, path: Path = CALENDAR_FILE) -> None:
    """One cc:CalendarDay node per distinct date in the graph, with its working-day index."""
    cal = load(path)
    dates = {o for o in graph.objects() if isinstance(o, Literal) and o.datatype == XSD.date}
    for lit in sorted(dates):  # sorted, so the same case always gives the same graph
        value = lit.toPython()
        if not isinstance(value, date):
            continue
        node = BNode(f"day-{lit}")
        graph.add((node, RDF.type, CC.CalendarDay))
        graph.add((node, CC.calendarDate, lit))
        if cal.first <= value <= cal.last:
            graph.add((node, CC.workingDayIndex, Literal(cal.index[value], datatype=XSD.decimal)))
            graph.add((node, CC.workingDay, Literal(value in cal.working)))
            if value.year in cal.provisional_years:
                graph.add((node, CC.provisionalCalendar, Literal(True)))
        else:
            graph.add((node, CC.outsideCalendar, Literal(True)))
