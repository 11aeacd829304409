"""Labels at line ends that never overlap: spread along one axis, as near their lines as fits."""

from __future__ import annotations


def spread(wanted: list[float], gap: float, low: float, high: float) -> list[float]:
    """Positions as near ``wanted`` as possible, at least ``gap`` apart, within [low, high].

    Returned in the order given. If they cannot all fit, they are packed evenly from ``low``.
    """
    if not wanted:
        return []
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    span = gap * (len(wanted) - 1)
    if span > high - low:
        gap = (high - low) / max(1, len(wanted) - 1)
    placed = [min(max(wanted[i], low), high) for i in order]
    for k in range(1, len(placed)):  # push up what sits too close to the one below
        placed[k] = max(placed[k], placed[k - 1] + gap)
    overflow = placed[-1] - high
    if overflow > 0:  # then pull the stack back down under the ceiling
        placed[-1] = high
        for k in range(len(placed) - 2, -1, -1):
            placed[k] = min(placed[k], placed[k + 1] - gap)
    result = [0.0] * len(wanted)
    for k, i in enumerate(order):
        result[i] = max(placed[k], low)
    return result


Point = tuple[float, float]


def uncrossed(starts: list[Point], slots: list[float], x: float) -> list[float]:
    """``slots`` (label heights at ``x``, one per start point) given to the start points so
    that no two straight leaders from a start to its slot cross: leaders from points at
    different distances from the labels (curves that end early) cross when labels keep the
    order of the points' heights. Two crossing leaders swap slots until none cross; each swap
    shortens the leaders' total length, so it ends. Returned in the order of ``starts``."""
    given = list(slots)
    for _ in range(len(given) ** 3 + 1):
        pair = _crossing(starts, given, x)
        if pair is None:
            break
        i, j = pair
        given[i], given[j] = given[j], given[i]
    return given


def _crossing(starts: list[Point], slots: list[float], x: float) -> tuple[int, int] | None:
    for i in range(len(starts)):
        for j in range(i + 1, len(starts)):
            if _cross(starts[i], (x, slots[i]), starts[j], (x, slots[j])):
                return i, j
    return None


def _cross(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Whether segments ab and cd cross at a point inside both (touching ends do not)."""

    def side(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0
