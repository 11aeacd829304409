"""Human units for durations, ratios and percentages, shared by reports and scenes."""

from __future__ import annotations

import math
from collections.abc import Sequence

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0


def _one_decimal_below_100(value: float) -> str:
    return f"{value:.1f}" if value < 99.95 else f"{value:,.0f}"


def duration(seconds: float) -> str:
    """'45 s', '3.3 min', '75.8 h', '4.2 days': the unit a person would say aloud."""
    if not math.isfinite(seconds):
        return "n/a"
    if 0 < seconds < 0.95:  # a sub-second run is not "0 s"
        return f"{seconds:.2g} s"
    if seconds < 9.95:  # '4.5 s', not the '4 s' whole seconds round half to even into
        return f"{seconds:.1f}".removesuffix(".0") + " s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * MINUTE:
        return f"{_one_decimal_below_100(seconds / MINUTE)} min"
    if seconds < 100 * HOUR:
        return f"{_one_decimal_below_100(seconds / HOUR)} h"
    return f"{_one_decimal_below_100(seconds / DAY)} days"


def duration_range(low: float, high: float) -> str:
    """'54-76 h' when both ends share a unit, else '20 h-4.2 days'."""
    low_text, high_text = duration(low), duration(high)
    if low_text == high_text:  # "3.0 min", not "3.0-3.0 min"
        return low_text
    low_number, low_unit = low_text.split(" ", 1)
    high_number, high_unit = high_text.split(" ", 1)
    if low_unit == high_unit:
        return f"{_short(low_number)}\u2013{_short(high_number)} {low_unit}"
    return f"{low_text}\u2013{high_text}"


def _short(number_text: str) -> str:
    """'54.1' -> '54' in ranges, where one decimal on both ends is more than anyone reads."""
    value = float(number_text.replace(",", ""))
    # below 10 keep duration()'s own digits: whole seconds ('3') must not become '3.0'
    return f"{value:,.0f}" if value >= 10 else number_text


def ratio(value: float, sign: str = "x") -> str:
    """'1,393x', '36.9x', '2.05x', '0.0079x'; a far slowdown as its inverse, '1/204,082x' (as
    the log axes' 1/2x, 1/4x), where a decimal would need an exponent."""
    if not math.isfinite(value):
        return "n/a"
    if 0 < value < 0.001:
        return f"1/{1 / value:,.0f}{sign}"
    if value >= 100:
        return f"{value:,.0f}{sign}"
    if value >= 10:
        return f"{value:.1f}{sign}"
    if value >= 0.1:
        return f"{value:.2f}{sign}"
    return f"{value:.2g}{sign}"


def percent(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def clock(seconds: float, tenths: bool = False) -> str:
    """A running clock: '0:42', '12:05', '3 h 07 min', '2 d 04 h'; with ``tenths``, '0:00.5'
    and '12:05.3' below an hour. Like a stopwatch it never rounds up."""
    seconds = max(0.0, seconds)
    if seconds < HOUR and tenths:
        # 0.56 s is 5.6 tenths, kept from float error (0.3 * 10 is 2.9999999999999996)
        minutes, rest = divmod(int(seconds * 10 + 1e-9), 600)
        return f"{minutes}:{rest // 10:02d}.{rest % 10}"
    if seconds < HOUR:
        minutes, secs = divmod(int(seconds), 60)
        return f"{minutes}:{secs:02d}"
    if seconds < DAY:
        hours, rest = divmod(int(seconds), 3600)
        return f"{hours} h {rest // 60:02d} min"
    days, rest = divmod(int(seconds), 86400)
    return f"{days} d {rest // 3600:02d} h"


def clock_tenths(events: Sequence[float]) -> bool:
    """Whether a clock needs tenths of a second: when its first event (a run finishing) comes
    before 10 s, where ``duration`` writes tenths too; in whole seconds a run finishing at
    0.56 s would finish at "0:00"."""
    finite = [t for t in events if math.isfinite(t)]
    return bool(finite) and min(finite) < 9.95


def time_span(low: float, high: float) -> str:
    """One time, or the range from ``low`` to ``high``: '75.8 h', '54\u201376 h'."""
    return duration(high) if low == high else duration_range(low, high)


def estimated_note(estimated: Sequence[bool]) -> str:
    """' (estimated)' when every time of a group is an estimate, ' (2 of 3 estimated)' when
    some are: a measured time is never called an estimate. The plans and the report both say
    it this way."""
    count = sum(estimated)
    if not count:
        return ""
    if count == len(estimated):
        return " (estimated)"
    return f" ({count} of {len(estimated)} estimated)"


_SUPERSCRIPT = str.maketrans(
    "-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)


def scientific(value: float, significant: int = 3) -> str:
    """A tiny or huge number as a person writes it: '6.06×10⁻⁹', '10⁻⁵' (a power of
    ten alone), never Python's '6.06e-09'."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    exponent = math.floor(math.log10(abs(value)))
    mantissa = f"{value / 10.0**exponent:.{significant}g}"
    if mantissa in ("10", "-10"):  # rounded up to the next power
        exponent, mantissa = exponent + 1, mantissa[:-1]
    power = "10" + str(exponent).translate(_SUPERSCRIPT)
    if mantissa in ("1", "-1"):
        return power if mantissa == "1" else f"−{power}"
    return f"{mantissa}×{power}"
