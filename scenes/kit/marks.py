"""What a drawn object is for, so placement and the frame critic (tests/frame_critic.py) can
tell data from decoration: a data mark (a curve, bar, point) must stay visible on every held
frame; a panel (a callout's box) must not cover one; an axis names the extent its data marks
must lie inside; a leader (the line from a curve's end to its label) must cross no other leader
and pass over no point but its own.

The roles are plain attributes on the mobjects: nothing is drawn differently because of them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from manim import Mobject

ROLE = "lumi_role"
AXIS = "lumi_axis"  # the axis a data mark is drawn against
OWN_TEXT = "lumi_own_text"  # text that belongs on the mark (a note inside a bar)
BOX = "lumi_box"  # (left, right, bottom, top) of an axis' plot area

Box = tuple[float, float, float, float]
AxisBox = tuple[float, float, float | None, float | None]  # None: that side is not bounded


class _Shared:
    """A mark's reference to other mobjects, which a copy of the marked mobject shares: Manim
    copies deeply (every animation that fades or grows a mobject copies it), and a point's
    copy holding a copy of its whole chart cost a tenth of a second per copy."""

    __slots__ = ("target",)

    def __init__(self, target: object) -> None:
        self.target = target

    def __deepcopy__(self, memo: dict[int, object]) -> _Shared:
        return self


def data(mob: Mobject, *, axis: Mobject | None = None, own: Iterable[Mobject] = ()) -> Mobject:
    """``mob`` shows data: nothing may cover it but the text in ``own``."""
    setattr(mob, ROLE, "data")
    setattr(mob, AXIS, _Shared(axis))
    setattr(mob, OWN_TEXT, _Shared(list(own)))
    return mob


def axis_of(mob: Mobject) -> Mobject | None:
    """The axis a data mark is drawn against (None: not said)."""
    shared = getattr(mob, AXIS, None)
    target = shared.target if isinstance(shared, _Shared) else None
    return target if isinstance(target, Mobject) else None


def own_text(mob: Mobject) -> list[Mobject]:
    """Text that may sit on a data mark."""
    shared = getattr(mob, OWN_TEXT, None)
    target = shared.target if isinstance(shared, _Shared) else None
    return [m for m in target if isinstance(m, Mobject)] if isinstance(target, list) else []


def panel(mob: Mobject) -> Mobject:
    """``mob`` is an opaque box that hides what is behind it."""
    setattr(mob, ROLE, "panel")
    return mob


def leader(mob: Mobject) -> Mobject:
    """``mob`` is a straight line from a mark to its label."""
    setattr(mob, ROLE, "leader")
    return mob


def axis(mob: Mobject, box: AxisBox) -> Mobject:
    """``mob`` is an axis whose data marks must lie in ``box`` (None sides are not checked)."""
    setattr(mob, ROLE, "axis")
    setattr(mob, BOX, box)
    return mob


def role(mob: Mobject) -> str | None:
    return getattr(mob, ROLE, None)


def points_of(mob: Mobject) -> np.ndarray:
    """Every drawn point of ``mob`` and its family (an empty array when it has none)."""
    arrays = [m.points for m in mob.get_family() if len(m.points)]
    return np.concatenate(arrays) if arrays else np.zeros((0, 3))


def dense_points(mob: Mobject, step: float = 0.04) -> np.ndarray:
    """``points_of(mob)`` with points added along each straight stretch, at most ``step``
    apart: a box between two far-apart points of a line still meets the line."""
    arrays = []
    for member in mob.get_family():
        points = member.points
        if len(points) < 2:
            arrays.append(points)
            continue
        gaps = np.linalg.norm(np.diff(points, axis=0), axis=1)
        counts = np.maximum(1, np.ceil(gaps / step).astype(int))
        # 0, 1/n, ..., (n-1)/n along each stretch of n steps, for every stretch at once
        firsts = np.repeat(np.cumsum(counts) - counts, counts)
        shares = (np.arange(counts.sum()) - firsts) / np.repeat(counts, counts)
        starts = np.repeat(points[:-1], counts, axis=0)
        moves = np.repeat(np.diff(points, axis=0), counts, axis=0)
        arrays.append(np.vstack([starts + moves * shares[:, None], points[-1:]]))
    arrays = [a for a in arrays if len(a)]
    return np.concatenate(arrays) if arrays else np.zeros((0, 3))


def box_points(mob: Mobject, step: float = 0.04) -> np.ndarray:
    """Points filling ``mob``'s bounding box, ``step`` apart: a solid shape (a dot, a text) as
    points that ``free_spot`` keeps clear of."""
    box = bounds(mob)
    if box is None:
        return np.zeros((0, 3))
    xs = np.linspace(box[0], box[1], max(2, int(np.ceil((box[1] - box[0]) / step)) + 1))
    ys = np.linspace(box[2], box[3], max(2, int(np.ceil((box[3] - box[2]) / step)) + 1))
    grid = np.array([(x, y, 0.0) for x in xs for y in ys])
    return grid


def bounds(mob: Mobject) -> Box | None:
    """(left, right, bottom, top) of what ``mob`` draws, None when it draws nothing."""
    points = points_of(mob)
    if not len(points):
        return None
    return (
        float(points[:, 0].min()),
        float(points[:, 0].max()),
        float(points[:, 1].min()),
        float(points[:, 1].max()),
    )


def overlaps(a: Box, b: Box, tolerance: float = 0.0) -> bool:
    return (
        min(a[1], b[1]) - max(a[0], b[0]) > tolerance
        and min(a[3], b[3]) - max(a[2], b[2]) > tolerance
    )


def free_spot(
    size: tuple[float, float],
    area: Box,
    occupied: Iterable[np.ndarray],
    *,
    prefer: tuple[float, float] = (0.0, 1.0),
    pad: float = 0.12,
    step: float = 0.1,
) -> tuple[float, float] | None:
    """The centre of a ``size`` (width, height) box inside ``area`` that holds none of the
    ``occupied`` points (each an array of points, such as a curve's), nearest to the corner
    ``prefer`` ((0, 1) is the top left of ``area``, (1, 0) the bottom right); None when no
    place is free. Points are the marks themselves, so a box fits between curves."""
    width, height = size
    left, right, bottom, top = area
    if width > right - left or height > top - bottom:
        return None
    cloud = [p[:, :2] for p in occupied if len(p)]
    points = np.concatenate(cloud) if cloud else np.zeros((0, 2))
    xs = np.arange(left + width / 2, right - width / 2 + 1e-9, step)
    ys = np.arange(bottom + height / 2, top - height / 2 + 1e-9, step)
    goal = np.array([left + prefer[0] * (right - left), bottom + prefer[1] * (top - bottom)])
    best: tuple[float, float] | None = None
    best_distance = np.inf
    for x in xs:
        near = points[np.abs(points[:, 0] - x) <= width / 2 + pad] if len(points) else points
        for y in ys:
            if len(near) and np.any(np.abs(near[:, 1] - y) <= height / 2 + pad):
                continue
            distance = float(np.hypot(x - goal[0], y - goal[1]))
            if distance < best_distance:
                best, best_distance = (float(x), float(y)), distance
    return best
