"""The PRC working-day calendar: holidays, make-up working days, counting across holidays, range."""

from datetime import date
from decimal import Decimal

import pytest
from rdflib import Graph, Literal, URIRef, XSD

from carboncert import calendar
from carboncert.vocab import CC

CAL = calendar.load()


@pytest.mark.parametrize("day,working", [
    (date(2026, 10, 1), False),   # National Day
    (date(2026, 10, 10), True),   # Saturday, make-up working day
    (date(2026, 10, 11), False),  # Sunday
    (date(2026, 2, 14), True),    # Saturday before Spring Festival, make-up working day
    (date(2026, 2, 23), False),   # Monday inside the Spring Festival break
    (date(2024, 9, 14), True),    # Saturday, make-up day for Mid-Autumn 2024
    (date(2025, 1, 26), True),    # Sunday, make-up day for Spring Festival 2025
    (date(2023, 6, 22), False),   # Dragon Boat 2023
])
def test_holidays_and_make_up_days(day, working):
    assert CAL.is_working_day(day) is working


def test_counting_working_days_across_national_day():
    # 2026-09-30 (Wed) + working days: 10-01..10-07 off, 10-08 (Thu) is the 1st, 10-09 (Fri) the 2nd,
    # 10-10 (Sat, make-up) the 3rd, 10-12 (Mon) the 4th, 10-13 the 5th.
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 14)) == 6
    # a rest day right after the 5th working day is already past "within 5 working days"
    assert CAL.working_days_between(date(2026, 4, 23), date(2026, 4, 30)) == 5
    assert CAL.working_days_between(date(2026, 4, 23), date(2026, 5, 1)) > 5


def test_working_days_per_year_match_the_notices():
    assert sum(1 for d in CAL.working if d.year == 2024) == 251
    assert sum(1 for d in CAL.working if d.year == 2025) == 248


def test_outside_the_calendar_is_an_error_not_a_guess():
    with pytest.raises(calendar.OutsideCalendar, match="outside"):
        CAL.working_day_index(date(2022, 12, 30))
    with pytest.raises(calendar.OutsideCalendar):
        CAL.working_days_between(date(2027, 12, 30), date(2028, 1, 3))


def test_calendar_facts_added_to_a_case_graph():
    g = Graph()
    s = URIRef("urn:x")
    g.add((s, CC.date, Literal("2026-10-10", datatype=XSD.date)))
    g.add((s, CC.endDate, Literal("2030-01-01", datatype=XSD.date)))
    g.add((s, CC.startDate, Literal("2027-03-01", datatype=XSD.date)))
    calendar.add_calendar_facts(g)
    by_date = {str(g.value(n, CC.calendarDate)): n for n in g.subjects(CC.calendarDate, None)}
    assert g.value(by_date["2026-10-10"], CC.workingDay).toPython() is True
    assert g.value(by_date["2026-10-10"], CC.workingDayIndex).toPython() == CAL.index[date(2026, 10, 10)]
    assert g.value(by_date["2030-01-01"], CC.outsideCalendar).toPython() is True
    assert g.value(by_date["2027-03-01"], CC.provisionalCalendar).toPython() is True
    assert isinstance(CAL.index[date(2026, 10, 11)], Decimal) and CAL.index[date(2026, 10, 11)] % 1 == Decimal("0.5")


def test_a_version_loaded_from_another_tree_uses_that_trees_calendar(tmp_path):
    """A rulebook snapshot keeps its calendar: replaying a record must not pick up a later edit of
    data/calendar (here: 2026-10-10 made a rest day in the copy only)."""
    import shutil

    from carboncert import caseio, engine, rulebooks
    from carboncert.vocab import DATA_DIR, SHAPES_DIR

    shutil.copytree(SHAPES_DIR / "cecc-cfp" / "unnumbered", tmp_path / "shapes" / "cecc-cfp" / "unnumbered")
    (tmp_path / "data" / "calendar").mkdir(parents=True)
    text = (DATA_DIR / "calendar" / "prc-working-days.yaml").read_text(encoding="utf-8")
    edited = text.replace("2026-09-20, 2026-10-10]", "2026-09-20]")
    assert edited != text
    (tmp_path / "data" / "calendar" / "prc-working-days.yaml").write_text(edited, encoding="utf-8")
    copy = rulebooks.load_version(tmp_path / "shapes" / "cecc-cfp" / "unnumbered")
    live = rulebooks.versions("cecc-cfp")[-1]
    assert copy.calendar_file.parent == tmp_path / "data" / "calendar" and copy.digest != live.digest

    def working_on_oct_10(version) -> bool:
        case = caseio.parse_case(b'{"id": "c", "scheme": "cecc-cfp", "referenceDate": "2026-10-10"}')
        graph = engine.prepare(case, date(2026, 10, 10), version.calendar_file)
        day = next(graph.subjects(CC.calendarDate, Literal("2026-10-10", datatype=XSD.date)))
        return graph.value(day, CC.workingDay).toPython()

    assert working_on_oct_10(live) is True and working_on_oct_10(copy) is False
