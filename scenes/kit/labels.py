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
