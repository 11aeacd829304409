import numpy as np

from scenes.kit.downsample import per_pixel_column


def test_short_histories_are_kept_whole():
    x, y = np.arange(10.0), np.arange(10.0)
    kept_x, kept_y = per_pixel_column(x, y, columns=100)
    assert np.array_equal(kept_x, x) and np.array_equal(kept_y, y)


def test_long_history_keeps_extremes_of_every_column_in_order():
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(0, 500, 1_000_000))
    y = rng.normal(size=x.size)
    y[123_456] = 50.0  # one spike must survive
    kept_x, kept_y = per_pixel_column(x, y, columns=500)
    assert len(kept_x) <= 4 * 500
    assert np.all(np.diff(kept_x) >= 0)
    assert kept_y.max() == 50.0 and kept_y.min() == y.min()
    for column in (0, 250, 499):
        in_column = x.astype(int) == column
        kept_in_column = kept_x.astype(int) == column
        assert kept_y[kept_in_column].max() == y[in_column].max()
        assert kept_y[kept_in_column].min() == y[in_column].min()
