"""A curve is traced in pieces, one per share of the clock: a frame redraws only the piece
of the share that runs (the rest is background), so a longer history costs no more per frame;
the pieces draw the whole curve, every frame, and nothing else."""

from __future__ import annotations

import numpy as np
import pytest
from manim import tempconfig

import scenes.curves
from scenes.curves import PIECES
from scenes.kit.fader import Fader


def _staged(view):
    with tempconfig({"dry_run": True, "quality": "low_quality", "verbosity": "WARNING"}):
        scene = scenes.curves.AccuracyVsTime(view=view)
        scene.setup()
        scene.fader = Fader()
        stage = scene.set_stage()
    return scene, stage


def _drawn(pieces, first_points: list[int]) -> np.ndarray:
    """The points the pieces show, each piece's own (a piece repeats the two before its own)."""
    parts = []
    for (piece, first), own_from in zip(pieces, first_points, strict=True):
        points = piece.points[::4] if len(piece.points) else np.zeros((0, 3))  # the corners
        ends = piece.points[-1:] if len(piece.points) else np.zeros((0, 3))
        corners = np.vstack([points, ends])
        if piece.get_stroke_opacity() == 0:
            continue
        parts.append(corners[own_from:] if first else corners)
    drawn = np.vstack(parts) if parts else np.zeros((0, 3))
    # a piece of one point is drawn as that point twice
    return drawn[np.r_[True, np.any(np.diff(drawn, axis=0) != 0, axis=1)]] if len(drawn) else drawn


@pytest.mark.render  # builds the scene (a dry run)
def test_each_piece_changes_within_one_share_and_together_they_draw_the_curve(sample_view):
    scene, stage = _staged(sample_view)
    windows = {id(mob): (a, b) for a, b, mob in stage.changing}
    for trace in scene.traces:
        assert len(trace.pieces) > 1, trace.run.name
        for piece, first in trace.pieces:
            a, b = windows[id(piece)]  # each piece is in the stage, with its own window
            assert b - a <= 1 / PIECES + scenes.curves.MARK_FADE + 1e-9, trace.run.name
            # its first own point is logged inside its window
            assert stage.clock.share_at(trace.times[first]) >= a - 1e-9
        assert id(trace.line) not in windows  # the whole line is not drawn every frame
    for share in (0.2, 0.55, 1.0):
        t = stage.clock.wall_time(share)
        scene.draw(share, t)
        for trace in scene.traces:
            shown = int(np.searchsorted(trace.times, t, side="right"))
            backs = [0 if first == 0 else min(first, 2) for _, first in trace.pieces]
            drawn = _drawn(trace.pieces, backs)
            expected = np.column_stack([trace.x[:shown], trace.y[:shown]])
            if shown >= 2:
                np.testing.assert_allclose(drawn[:, :2], expected, atol=1e-12)
