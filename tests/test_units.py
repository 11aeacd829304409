import pytest

from study import units


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (42, "42 s"),
        (4.5, "4.5 s"),  # not "4 s" (Python rounds half to even)
        (2.0, "2 s"),
        (9.96, "10 s"),
        (0.37, "0.37 s"),
        (196, "3.3 min"),
        (963, "16.1 min"),
        (7224, "2.0 h"),
        (75.831 * 3600, "75.8 h"),
        (120 * 3600, "5.0 days"),
    ],
)
def test_duration_picks_the_unit_a_person_says(seconds, text):
    assert units.duration(seconds) == text


def test_duration_range_shares_the_unit():
    assert units.duration_range(54.094 * 3600, 75.831 * 3600) == "54\u201376 h"
    assert units.duration_range(196, 7224) == "3.3 min\u20132.0 h"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1392.81, "1,393x"),
        (36.86, "36.9x"),
        (1.95, "1.95x"),
        (0.0079, "0.0079x"),
        (4.9e-06, "1/204,082x"),
        (0.0, "0x"),
    ],
)
def test_ratio(value, text):
    assert units.ratio(value) == text


def test_clock_changes_units_with_the_time():
    assert units.clock(65) == "1:05"
    assert units.clock(3 * 3600 + 7 * 60) == "3 h 07 min"
    assert units.clock(2 * 86400 + 4 * 3600) == "2 d 04 h"


def test_a_clock_in_tenths_never_reads_a_finish_as_zero():
    assert units.clock(0.56, tenths=True) == "0:00.5"  # a stopwatch never rounds up
    assert units.clock(0.3, tenths=True) == "0:00.3"
    assert units.clock(61.25, tenths=True) == "1:01.2"
    assert units.clock(3600 - 0.05, tenths=True) == "59:59.9"
    assert units.clock(2 * 3600, tenths=True) == "2 h 00 min"  # past an hour, tenths are noise
    assert units.clock_tenths([0.56, 780.0]) and units.clock_tenths([9.9, 1e5])
    assert not units.clock_tenths([196.0, 272991.7]) and not units.clock_tenths([])


def test_a_tiny_or_huge_number_is_written_as_a_person_writes_it():
    """A learning rate's end (6.06e-09 in Python) and a log axis' 1e-05 are no labels for a talk."""
    assert units.scientific(6.06e-9) == "6.06\u00d710\u207b\u2079"
    assert units.scientific(1e-5) == "10\u207b\u2075"
    assert units.scientific(9.9996e-6) == "10\u207b\u2075"  # rounded up to the next power
    assert units.scientific(2.5e7) == "2.5\u00d710\u2077"
