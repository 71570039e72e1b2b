"""SLA clock: expected instants are hand-checked against a printed calendar.

WITA is UTC+8, so 10:00 WITA is 02:00Z. Holidays as listed by holidays 0.108 for ID:
2026: Nyepi Thu 19 Mar, Idul Fitri Sat 21 + Sun 22 Mar (cuti bersama 18, 20, 23, 24),
17 Agustus Mon, Christmas Fri 25 Dec; 2027: New Year Fri 1 Jan, Isra Mi'raj Tue 5 Jan,
Nyepi Mon 8 Mar, Idul Fitri Wed 10 + Thu 11 Mar (estimated), 17 Agustus Tue.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rumah_kemasan.service_requests.sla import (
    WorkingCalendar,
    due_at,
    due_at_with_pauses,
    format_local,
    format_local_date,
    is_overdue,
    paused_working_seconds,
    working_days_left,
)

WITA = ZoneInfo("Asia/Makassar")


def wita(*args):
    """An aware WITA datetime."""
    return datetime(*args, tzinfo=WITA)


def utc(*args):
    """An aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(scope="module")
def cal():
    return WorkingCalendar()


# --- working days -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 27), True),  # Friday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 3, 19), False),  # Nyepi 2026
        (date(2026, 3, 20), True),  # Friday, cuti bersama only: not a public holiday
        (date(2026, 3, 23), True),  # Monday, cuti bersama only
        (date(2027, 3, 8), False),  # Nyepi 2027
        (date(2027, 3, 9), True),
        (date(2027, 3, 10), False),  # Idul Fitri 2027
        (date(2027, 3, 11), False),  # Idul Fitri 2027, second day
        (date(2026, 8, 17), False),  # Independence Day, Monday
        (date(2027, 8, 17), False),  # Independence Day, Tuesday
        (date(2026, 12, 25), False),
        (date(2027, 1, 1), False),
    ],
)
def test_is_working_day(cal, day, working):
    assert cal.is_working_day(day) is working


def test_joint_holidays_are_opt_in():
    closed = WorkingCalendar(joint_holidays=True)
    assert not closed.is_working_day(date(2026, 3, 20))
    assert not closed.is_working_day(date(2026, 3, 23))
    assert closed.is_working_day(date(2026, 3, 25))


def test_extra_holidays_close_the_unit():
    local = WorkingCalendar(extra_holidays=[date(2026, 11, 25)])
    assert not local.is_working_day(date(2026, 11, 25))
    assert WorkingCalendar().is_working_day(date(2026, 11, 25))


def test_next_working_day(cal):
    assert cal.next_working_day(date(2026, 3, 18)) == date(2026, 3, 20)
    assert cal.next_working_day(date(2027, 3, 5)) == date(2027, 3, 9)


# --- due dates ----------------------------------------------------------------------


def test_due_across_a_weekend():
    # Thu 26 Nov 10:00 + 3: Fri 27, Mon 30, Tue 1 Dec.
    assert due_at(wita(2026, 11, 26, 10, 0), 3) == utc(2026, 12, 1, 2, 0)


def test_due_of_five_days_is_one_calendar_week():
    assert due_at(wita(2026, 11, 23, 9, 0), 5) == utc(2026, 11, 30, 1, 0)


def test_due_across_nyepi_2026_and_idul_fitri_weekend():
    # Tue 17 Mar 09:00 + 3: Wed 18, (Nyepi Thu 19), Fri 20, (Idul Fitri Sat-Sun), Mon 23
    assert due_at(wita(2026, 3, 17, 9, 0), 3) == utc(2026, 3, 23, 1, 0)


def test_due_across_cuti_bersama_when_enabled():
    # 18, 19, 20, 23, 24 Mar closed: Wed 25, Thu 26, Fri 27.
    closed = WorkingCalendar(joint_holidays=True)
    assert due_at(wita(2026, 3, 17, 9, 0), 3, cal=closed) == utc(2026, 3, 27, 1, 0)


def test_due_across_nyepi_and_idul_fitri_2027():
    # Fri 5 Mar 14:00 + 3: (Nyepi Mon 8), Tue 9, (Idul Fitri Wed-Thu), Fri 12, Mon 15.
    assert due_at(wita(2027, 3, 5, 14, 0), 3) == utc(2027, 3, 15, 6, 0)


def test_due_across_independence_day_2026_monday():
    assert due_at(wita(2026, 8, 14, 10, 0), 1) == utc(2026, 8, 18, 2, 0)


def test_due_across_independence_day_2027_tuesday():
    assert due_at(wita(2027, 8, 16, 10, 0), 1) == utc(2027, 8, 18, 2, 0)
    # Fri 13 Aug + 2: Mon 16, (Tue 17), Wed 18.
    assert due_at(wita(2027, 8, 13, 10, 0), 2) == utc(2027, 8, 18, 2, 0)


def test_due_across_the_year_end():
    # Thu 24 Dec + 5: (Fri 25), Mon 28, Tue 29, Wed 30, Thu 31, (Fri 1 Jan), Mon 4 Jan.
    assert due_at(wita(2026, 12, 24, 10, 0), 5) == utc(2027, 1, 4, 2, 0)


def test_accepted_on_saturday_starts_next_working_day_at_eight():
    # Sat 28 Nov 14:00 counts as Mon 30 Nov 08:00; + 1 = Tue 1 Dec 08:00 WITA.
    assert due_at(wita(2026, 11, 28, 14, 0), 1) == utc(2026, 12, 1, 0, 0)
    assert due_at(wita(2026, 11, 28, 14, 0), 0) == utc(2026, 11, 30, 0, 0)


def test_accepted_on_a_holiday_starts_next_working_day_at_eight():
    # Nyepi Thu 19 Mar counts as Fri 20 Mar 08:00; + 1 = Mon 23 Mar 08:00 WITA.
    assert due_at(wita(2026, 3, 19, 10, 0), 1) == utc(2026, 3, 23, 0, 0)


def test_late_evening_wita_same_utc_day_counts_from_local_friday():
    # 2026-11-27T15:30Z is Fri 23:30 WITA: + 1 = Mon 30 Nov 23:30 WITA.
    assert due_at(utc(2026, 11, 27, 15, 30), 1) == utc(2026, 11, 30, 15, 30)


def test_after_local_midnight_same_utc_day_counts_from_local_saturday():
    # 2026-11-27T16:30Z is still Friday in UTC but Sat 00:30 WITA: starts Mon 08:00.
    assert due_at(utc(2026, 11, 27, 16, 30), 1) == utc(2026, 12, 1, 0, 0)


def test_naive_input_is_utc():
    assert due_at(datetime(2026, 11, 27, 16, 30), 1) == utc(2026, 12, 1, 0, 0)


def test_result_is_utc_aware():
    result = due_at(wita(2026, 11, 26, 10, 0), 3)
    assert result.tzinfo is UTC


def test_negative_days_are_refused(cal):
    with pytest.raises(ValueError):
        due_at(wita(2026, 11, 26, 10, 0), -1)
    with pytest.raises(ValueError):
        cal.add_working_days(wita(2026, 11, 26, 10, 0), -1)


def test_add_working_days_matches_due_at(cal):
    assert cal.add_working_days(wita(2026, 3, 17, 9, 0), 3) == utc(2026, 3, 23, 1, 0)


# --- pauses -------------------------------------------------------------------------

ACCEPTED = wita(2026, 11, 2, 10, 0)  # Monday; + 5 working days = Mon 9 Nov 10:00 WITA
DUE = utc(2026, 11, 9, 2, 0)


def test_due_without_pause():
    assert due_at_with_pauses(ACCEPTED, 5, []) == DUE


def test_pause_of_two_working_days_pushes_two_days():
    pauses = [(wita(2026, 11, 3, 10, 0), wita(2026, 11, 5, 10, 0))]
    assert due_at_with_pauses(ACCEPTED, 5, pauses) == utc(2026, 11, 11, 2, 0)


def test_pause_over_a_weekend_pushes_one_day():
    assert paused_working_seconds(wita(2026, 11, 6, 10, 0), wita(2026, 11, 9, 10, 0)) == 86400
    pauses = [(wita(2026, 11, 6, 10, 0), wita(2026, 11, 9, 10, 0))]
    assert due_at_with_pauses(ACCEPTED, 5, pauses) == utc(2026, 11, 10, 2, 0)


def test_pause_inside_a_weekend_pushes_nothing():
    pauses = [(wita(2026, 11, 7, 9, 0), wita(2026, 11, 8, 18, 0))]
    assert due_at_with_pauses(ACCEPTED, 5, pauses) == DUE


def test_short_pause_pushes_by_its_hours():
    pauses = [(wita(2026, 11, 3, 9, 0), wita(2026, 11, 3, 15, 0))]
    assert due_at_with_pauses(ACCEPTED, 5, pauses) == utc(2026, 11, 9, 8, 0)


def test_partial_pause_rolls_over_the_weekend():
    # Mon 2 Nov 20:00 + 4 = Fri 6 Nov 20:00; + 6 h: 4 h on Friday, 2 h on Monday.
    accepted = wita(2026, 11, 2, 20, 0)
    assert due_at(accepted, 4) == utc(2026, 11, 6, 12, 0)
    assert due_at(accepted, 4, paused_seconds=6 * 3600) == utc(2026, 11, 8, 18, 0)


def test_pause_across_nyepi_counts_working_time_only():
    # Wed 18 Mar 10:00 -> Fri 20 Mar 10:00: 14 h + (Nyepi) + 10 h = one working day.
    assert paused_working_seconds(wita(2026, 3, 18, 10, 0), wita(2026, 3, 20, 10, 0)) == 86400


def test_paused_seconds_and_pause_list_agree():
    assert due_at(ACCEPTED, 5, paused_seconds=2 * 86400) == utc(2026, 11, 11, 2, 0)


def test_overlapping_pauses_count_once():
    pauses = [
        (wita(2026, 11, 3, 10, 0), wita(2026, 11, 5, 10, 0)),
        (wita(2026, 11, 4, 10, 0), wita(2026, 11, 5, 10, 0)),
        (wita(2026, 11, 7, 9, 0), wita(2026, 11, 8, 18, 0)),
    ]
    assert due_at_with_pauses(ACCEPTED, 5, pauses) == utc(2026, 11, 11, 2, 0)


def test_open_pause_runs_until_now():
    pauses = [(wita(2026, 11, 3, 10, 0), None)]
    now = wita(2026, 11, 4, 10, 0)
    assert due_at_with_pauses(ACCEPTED, 5, pauses, now=now) == utc(2026, 11, 10, 2, 0)


def test_pause_before_acceptance_is_ignored():
    pauses = [(wita(2026, 10, 30, 10, 0), wita(2026, 11, 2, 10, 0))]
    assert due_at_with_pauses(ACCEPTED, 5, pauses) == DUE


# --- elapsed and remaining ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (wita(2026, 11, 2, 10, 0), wita(2026, 11, 4, 10, 0), 2),  # Mon -> Wed
        (wita(2026, 11, 2, 10, 0), wita(2026, 11, 4, 9, 59), 1),
        (wita(2026, 11, 6, 10, 0), wita(2026, 11, 9, 10, 0), 1),  # Fri -> Mon
        (wita(2026, 11, 7, 0, 0), wita(2026, 11, 8, 23, 0), 0),  # inside a weekend
        (
            wita(2026, 3, 18, 10, 0),
            wita(2026, 3, 23, 10, 0),
            2,
        ),  # Nyepi, Idul Fitri weekend
        (wita(2026, 11, 4, 10, 0), wita(2026, 11, 2, 10, 0), -2),  # reversed
    ],
)
def test_working_days_between(cal, start, end, days):
    assert cal.working_days_between(start, end) == days


def test_between_undoes_due(cal):
    for accepted in (
        wita(2026, 3, 17, 9, 0),
        wita(2026, 11, 28, 14, 0),
        wita(2027, 3, 5, 14, 0),
    ):
        for n in (1, 3, 7):
            assert cal.working_days_between(accepted, due_at(accepted, n, cal=cal)) == n


FRIDAY_DUE = wita(2026, 11, 27, 10, 0)


@pytest.mark.parametrize(
    ("now", "left"),
    [
        (wita(2026, 11, 25, 9, 0), 2),  # Wed: Thu, Fri
        (wita(2026, 11, 26, 18, 0), 1),
        (wita(2026, 11, 27, 9, 0), 0),  # due later today
        (wita(2026, 11, 27, 11, 0), -1),  # an hour late is already overdue
        (wita(2026, 11, 28, 11, 0), -1),  # Saturday
        (wita(2026, 11, 30, 9, 0), -1),  # Monday
        (wita(2026, 12, 1, 9, 0), -2),  # Tuesday
    ],
)
def test_working_days_left(now, left):
    assert working_days_left(FRIDAY_DUE, now) == left


def test_working_days_left_skips_holidays():
    # Due Mon 23 Mar 2026; on Tue 17 Mar the days left are Wed 18, Fri 20, Mon 23.
    assert working_days_left(wita(2026, 3, 23, 9, 0), wita(2026, 3, 17, 9, 0)) == 3


def test_is_overdue():
    due = utc(2026, 11, 27, 2, 0)
    assert not is_overdue(None, utc(2030, 1, 1))
    assert not is_overdue(due, due)
    assert is_overdue(due, utc(2026, 11, 27, 2, 1))
    assert not is_overdue(due, utc(2026, 11, 27, 2, 1), paused=True)
    assert is_overdue(datetime(2026, 11, 27, 2, 0), utc(2026, 11, 27, 2, 1))


# --- formatting ---------------------------------------------------------------------


def test_format_local_indonesian():
    assert format_local(utc(2026, 11, 28, 2, 30)) == "28 November 2026 pukul 10.30 WITA"


def test_format_local_english():
    assert format_local(utc(2026, 11, 28, 2, 30), "en") == "28 November 2026, 10:30 WITA"


def test_format_local_crosses_local_midnight():
    assert format_local(utc(2026, 12, 31, 16, 5)) == "1 Januari 2027 pukul 00.05 WITA"


def test_format_local_naive_is_utc():
    assert format_local(datetime(2026, 11, 28, 2, 30)) == "28 November 2026 pukul 10.30 WITA"


def test_format_other_indonesian_zone():
    assert format_local(utc(2026, 11, 28, 2, 30), tz="Asia/Jakarta") == (
        "28 November 2026 pukul 09.30 WIB"
    )


@pytest.mark.parametrize(
    ("month", "name_id", "name_en"),
    [
        (1, "Januari", "January"),
        (2, "Februari", "February"),
        (3, "Maret", "March"),
        (4, "April", "April"),
        (5, "Mei", "May"),
        (6, "Juni", "June"),
        (7, "Juli", "July"),
        (8, "Agustus", "August"),
        (9, "September", "September"),
        (10, "Oktober", "October"),
        (11, "November", "November"),
        (12, "Desember", "December"),
    ],
)
def test_month_names(month, name_id, name_en):
    assert format_local_date(date(2026, month, 5)) == f"5 {name_id} 2026"
    assert format_local_date(date(2026, month, 5), "en") == f"5 {name_en} 2026"


def test_format_local_date_uses_local_date():
    assert format_local_date(utc(2026, 11, 28, 2, 30)) == "28 November 2026"
    assert format_local_date(utc(2026, 3, 1, 16, 0)) == "2 Maret 2026"


def test_missing_pause_total_counts_as_none():
    assert due_at(ACCEPTED, 5, paused_seconds=None) == DUE


def test_working_day_count_agrees_with_walking_the_calendar(cal):
    """The arithmetic count equals a day-by-day walk, across weekends, holidays and years."""
    import random

    rng = random.Random(2026)
    for _ in range(500):
        a = date(2025, 6, 1) + timedelta(days=rng.randint(0, 900))
        b = a + timedelta(days=rng.randint(-120, 400))
        lo, hi = min(a, b), max(a, b)
        walked = sum(
            cal.is_working_day(lo + timedelta(days=i)) for i in range(1, (hi - lo).days + 1)
        )
        assert cal.working_dates_after(a, b) == (walked if b >= a else -walked), (a, b)


def test_format_eastern_zone():
    assert format_local(utc(2026, 11, 28, 2, 30), "en", tz="Asia/Jayapura") == (
        "28 November 2026, 11:30 WIT"
    )


# --- a unit's own days ------------------------------------------------------------------


def test_extra_working_day_cancels_a_national_holiday_only():
    # 17 Agustus 2026 is a Monday holiday; a unit that works it counts it, a weekend stays shut.
    works = WorkingCalendar(extra_working_days=[date(2026, 8, 17), date(2026, 8, 16)])
    assert not WorkingCalendar().is_working_day(date(2026, 8, 17))
    assert works.is_working_day(date(2026, 8, 17))
    assert not works.is_working_day(date(2026, 8, 16))  # a Sunday
    # Fri 14 Aug 10:00 + 1 working day: Mon 17 Aug for that unit, Tue 18 Aug nationally.
    assert works.add_working_days(wita(2026, 8, 14, 10), 1) == wita(2026, 8, 17, 10)
    assert WorkingCalendar().add_working_days(wita(2026, 8, 14, 10), 1) == wita(2026, 8, 18, 10)


def test_calendar_counts_in_its_own_zone():
    # The same instant is a working Friday evening in WIB and a closed Saturday in WIT: in WIT
    # the clock starts Monday 08:00, so one working day later is Tuesday 08:00 WIT.
    wib = WorkingCalendar("Asia/Jakarta")
    wit = WorkingCalendar("Asia/Jayapura")
    start = utc(2026, 11, 27, 16, 30)  # Fri 23:30 WIB, Sat 01:30 WIT
    assert wib.add_working_days(start, 1) == datetime(2026, 11, 30, 23, 30, tzinfo=wib.tz)
    assert wit.add_working_days(start, 1) == datetime(2026, 12, 1, 8, 0, tzinfo=wit.tz)
    assert (wib.label, wit.label, WorkingCalendar().label) == ("WIB", "WIT", "WITA")
