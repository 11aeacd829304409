"""Reduce a history to what the screen can show, once, before animating.

Per pixel column the first, lowest, highest and last point are kept, in time order: the drawn
line looks the same as with every point (spikes included), and its size no longer grows with the
length of the history.
"""

from __future__ import annotations

import numpy as np


def per_pixel_column(x: np.ndarray, y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """``x`` ascending in screen units scaled to [0, columns); returns the kept points."""
    keep = per_pixel_column_index(x, y, columns)
    return x[keep], y[keep]


def per_pixel_column_index(x: np.ndarray, y: np.ndarray, columns: int) -> np.ndarray:
    """Which points ``per_pixel_column`` keeps, by index, ascending."""
    if len(x) <= 4 * columns:
        return np.arange(len(x))
    bins = np.clip(x.astype(int), 0, columns - 1)
    starts = np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]])
    ends = np.r_[starts[1:], len(x)]
    keep = []
    for start, end in zip(starts, ends, strict=True):
        window = y[start:end]
        keep.extend(
            sorted({start, end - 1, start + int(np.argmin(window)), start + int(np.argmax(window))})
        )
    return np.asarray(keep, dtype=np.intp)
