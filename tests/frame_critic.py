"""The frame critic: what would embarrass a speaker on a held frame or a slide stop, measured on
the drawn objects (bounding boxes and points, not pixels), so it runs without rendering video.

A scene marks its objects with scenes/kit/marks.py: data marks (curves, bars, points), panels
(callout boxes) and axes. On a captured frame the critic asks:

- no data mark is covered by text (other than its own note) or by a panel;
- no panel covers text that is not its own;
- every text is inside the title-safe area and at least kit.MIN_TEXT_SIZE;
- texts do not overlap each other (tests/layout_check.py);
- every data mark lies inside its axis' plot area, and the axis ends within AXIS_SLACK of the
  data drawn against it (no time axis running far past the last curve);
- no leader (a line from a curve's end to its label) crosses another, passes over a point
  other than the one it starts at (a reader follows it to the wrong run), or runs through a
  panel (a line struck through the ranking's words).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from manim import Scene, Text, tempconfig

from scenes.kit import marks
from scenes.kit.manim_compat import family
from scenes.kit.text import GlyphText
from scenes.kit.theme import MIN_TEXT_SIZE
from tests.layout_check import ShownText, layout_problems, text_box

TOLERANCE = 0.01  # scene units (1.4 px at 1080p): boxes may touch, not overlap
AXIS_SLACK = 0.12  # share of an axis' length allowed past the last data drawn against it
OUTSIDE = 0.1  # scene units a mark may reach past its plot area (a point's radius)
HELD = "held frame"


@dataclass
class Mark:
    what: str
    box: marks.Box
    points: np.ndarray | None  # a line's points (None: a filled shape, its box counts)
    own: list[int] = field(default_factory=list)  # ids of the texts allowed over it
    axis: object | None = None


@dataclass
class Frame:
    """What one held frame or slide stop shows."""

    name: str
    texts: list[tuple[int, ShownText]]
    marks: list[Mark]
    panels: list[tuple[str, marks.Box]]
    axes: list[tuple[object, marks.Box]]
    leaders: list[np.ndarray] = field(default_factory=list)  # each one's corners, in order


def _opacity(mob) -> float:
    members = [m for m in mob.get_family() if m.has_points()]
    if not members:
        return 0.0
    return max(max(m.get_fill_opacity(), m.get_stroke_opacity()) for m in members)


def capture(scene: Scene, name: str) -> Frame:
    texts, found, panels, axes, leaders = [], [], [], [], []
    shown = family(scene.mobjects)
    for mob in shown:
        role = marks.role(mob)
        is_text = isinstance(mob, Text | GlyphText) and len(mob.get_family()) > 1
        if is_text and _opacity(mob) > 0.01:
            left, right, bottom, top = text_box(mob)
            shown_text = ShownText(mob.original_text, left, right, bottom, top, mob.font_size)
            texts.append((id(mob), shown_text))
        if role is None or _opacity(mob) <= 0.01:
            continue
        box = marks.bounds(mob)
        if box is None:
            continue
        if role == "data":
            filled = any(m.get_fill_opacity() > 0.01 for m in mob.get_family() if m.has_points())
            points = None if filled else marks.dense_points(mob)
            own = [id(t) for o in marks.own_text(mob) for t in o.get_family()]
            found.append(Mark(type(mob).__name__, box, points, own, marks.axis_of(mob)))
        elif role == "panel":
            panels.append((type(mob).__name__, box))
        elif role == "axis":
            axes.append((mob, getattr(mob, marks.BOX)))
        elif role == "leader":
            ends = mob.get_end_anchors()[-1:]
            leaders.append(np.vstack([mob.get_start_anchors(), ends])[:, :2])
    return Frame(name, texts, found, panels, axes, leaders)


def _covers(box: marks.Box, mark: Mark) -> bool:
    if mark.points is None:
        return marks.overlaps(box, mark.box, TOLERANCE)
    left, right, bottom, top = box
    p = mark.points
    inside = (
        (p[:, 0] > left + TOLERANCE)
        & (p[:, 0] < right - TOLERANCE)
        & (p[:, 1] > bottom + TOLERANCE)
        & (p[:, 1] < top - TOLERANCE)
    )
    return bool(inside.any())


def _box_of(text: ShownText) -> marks.Box:
    return (text.left, text.right, text.bottom, text.top)


def _inside(inner: marks.Box, outer: marks.Box) -> bool:
    return (
        inner[0] >= outer[0] - TOLERANCE
        and inner[1] <= outer[1] + TOLERANCE
        and inner[2] >= outer[2] - TOLERANCE
        and inner[3] <= outer[3] + TOLERANCE
    )


def _cross(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> bool:
    """Whether segments ab and cd cross at a point inside both (touching ends do not)."""

    def side(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> float:
        return float((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]))

    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def _distance(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """From ``point`` to the segment ab."""
    along = b - a
    share = float(np.clip(np.dot(point - a, along) / max(float(np.dot(along, along)), 1e-12), 0, 1))
    return float(np.linalg.norm(point - (a + share * along)))


def leader_problems(frame: Frame) -> list[str]:
    """Leaders that cross each other, or pass over another run's point: a dot within its radius
    of the line. The dot a leader starts beside is its own (as is any dot touching it: two runs
    ending at one place share their leaders' start)."""
    found = []
    leaders = frame.leaders
    for index, one in enumerate(leaders):
        for other in leaders[index + 1 :]:
            if any(
                _cross(a, b, c, d)
                for a, b in zip(one, one[1:], strict=False)
                for c, d in zip(other, other[1:], strict=False)
            ):
                found.append(f"the leaders from {_at(one[0])} and {_at(other[0])} cross")
    dots = [m for m in frame.marks if m.what == "Dot" and m.points is None]
    for corners in leaders:
        for dot in dots:
            left, right, bottom, top = dot.box
            centre = np.array([(left + right) / 2, (bottom + top) / 2])
            radius = max(right - left, top - bottom) / 2
            if float(np.linalg.norm(centre - corners[0])) <= 3 * radius:  # its own dot
                continue
            if any(
                _distance(centre, a, b) < radius + TOLERANCE
                for a, b in zip(corners, corners[1:], strict=False)
            ):
                found.append(
                    f"the leader from {_at(corners[0])} passes over the point at {_at(centre)}"
                )
    for corners in leaders:
        for what, box in frame.panels:
            if any(_through(box, a, b) for a, b in zip(corners, corners[1:], strict=False)):
                found.append(f"the leader from {_at(corners[0])} runs through a {what}")
    return found


def _through(box: marks.Box, a: np.ndarray, b: np.ndarray) -> bool:
    """Whether the segment from ``a`` to ``b`` meets the inside of ``box`` (sampled finely
    enough for a stroke: a hundredth of a scene unit)."""
    left, right, bottom, top = box
    steps = max(2, int(np.linalg.norm(b - a) / 0.01))
    points = a + np.linspace(0.0, 1.0, steps)[:, None] * (b - a)
    inside = (
        (points[:, 0] > left + TOLERANCE)
        & (points[:, 0] < right - TOLERANCE)
        & (points[:, 1] > bottom + TOLERANCE)
        & (points[:, 1] < top - TOLERANCE)
    )
    return bool(inside.any())


def _at(point: np.ndarray) -> str:
    return f"({point[0]:.2f}, {point[1]:.2f})"


def problems(frame: Frame) -> list[str]:
    """One line per problem on ``frame``; empty when it can go on a slide as it is."""
    found = [
        p
        for p in layout_problems([t for _, t in frame.texts], MIN_TEXT_SIZE)
        if not p.startswith("too small")
    ]
    for _, text in frame.texts:
        if text.font_size < MIN_TEXT_SIZE - 0.05:
            found.append(f"text below {MIN_TEXT_SIZE} ({text.font_size:.1f}): {text.content!r}")
    for mark in frame.marks:
        for text_id, text in frame.texts:
            if text_id not in mark.own and _covers(_box_of(text), mark):
                found.append(f"text {text.content!r} covers a {mark.what}")
        for what, box in frame.panels:
            if _covers(box, mark):
                found.append(f"a {what} covers a {mark.what}")
    for what, box in frame.panels:
        for _, text in frame.texts:
            if not _inside(_box_of(text), box) and marks.overlaps(box, _box_of(text), TOLERANCE):
                found.append(f"a {what} covers text {text.content!r}")
    for axis, (left, right, bottom, top) in frame.axes:
        on_axis = [m for m in frame.marks if m.axis is axis]
        for mark in on_axis:
            m_left, m_right, m_bottom, m_top = mark.box
            if (
                m_left < left - OUTSIDE
                or m_right > right + OUTSIDE
                or (bottom is not None and m_bottom < bottom - OUTSIDE)
                or (top is not None and m_top > top + OUTSIDE)
            ):
                found.append(f"a {mark.what} is drawn outside its plot area")
        # mid-scene, the clock's axis is ahead of the data; a lone point (one run) cannot set
        # an axis' range, which is then centred on it
        lone_point = (
            max((m.box[1] for m in on_axis), default=0.0)
            - min((m.box[0] for m in on_axis), default=0.0)
            < 2 * OUTSIDE
        )
        if on_axis and frame.name == HELD and not lone_point:
            reach = max(m.box[1] for m in on_axis)
            if reach < right - AXIS_SLACK * (right - left):
                found.append(f"the axis runs {(right - reach) / (right - left):.0%} past its data")
    found += leader_problems(frame)
    return [f"{frame.name}: {p}" for p in found]


def critic_frames(scene_class: type[Scene]) -> list[Frame]:
    """Run ``scene_class`` without rendering video (a dry run at 2 frames a second, enough to
    reach every end state) and capture every slide stop and the held final frame."""
    frames: list[Frame] = []

    class Probe(scene_class):  # type: ignore[misc, valid-type]
        stops_at_parts = True  # the deck's stops, where a presenter holds

        def begin_part(self, notes: str) -> None:
            super().begin_part(notes)
            frames.append(capture(self, f"stop {len(frames) + 1}"))

    settings = {
        "dry_run": True,
        "quality": "low_quality",
        "frame_rate": 2,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "ERROR",
    }
    with tempconfig(settings):
        scene = Probe()
        # what is judged is where each object is and how opaque (``capture``): Manim's dry run
        # would still draw every frame with Cairo, for nothing (as tests/scene_probe.py's probe)
        scene.renderer.update_frame = lambda *args, **kwargs: None
        scene.render()
        frames.append(capture(scene, HELD))
    return frames
