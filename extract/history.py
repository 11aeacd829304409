"""Operations on W&B-style histories (one row per step, one column per key)."""

from __future__ import annotations

import pandas as pd


def join_on_step(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per ``_step`` from histories that logged different keys at the same steps (keys
    scanned separately, or the ranks of a multi-process run); the first value of a cell wins."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({"_runtime": []})
    if any("_step" not in f for f in frames):
        return pd.concat(frames, ignore_index=True)
    joined = frames[0].set_index("_step")
    for frame in frames[1:]:
        joined = joined.combine_first(frame.set_index("_step"))
    return joined.reset_index().sort_values("_step", kind="stable").reset_index(drop=True)
