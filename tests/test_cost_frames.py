"""CostOfSpeed's held frame on the stores a newcomer tried, measured on the drawn objects with
the frame critic (tests/frame_critic.py): a long billing unit, runs of a few seconds per epoch
with their power recorded, the ideal line among the points. Each runs the scene (a dry run):
marked ``render``, out of `make check`."""

from __future__ import annotations

import pytest

from extract.model import Evidence, Run
from extract.sample import sample_runs
from extract.studyfile import load_study
from scenes.cost import CHART_BOX, COLUMN_GAP, CostOfSpeed
from scenes.kit.timeaxis import FINE_TICKS, time_range_ticks
from study.view import StudyView, view_of
from tests.frame_critic import HELD, Frame, critic_frames, problems
from tests.layout_check import ShownText
from tests.test_cost import with_power

TICK_LABELS = {label for _, label in FINE_TICKS}


def frames_of(view: StudyView) -> list[Frame]:
    class Given(CostOfSpeed):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, view=view, **kwargs)

    return critic_frames(Given)


def seconds_run(gpus: int, time_s: float) -> Run:
    """A cluster run of 2 epochs in a few seconds, its GPUs' power recorded (as the real SDK's
    runs in tests/test_cost_offline.py: about 0.0004 kWh an epoch)."""
    run = Run(
        run_id=f"g{gpus}",
        name=f"{gpus} GPU power run",
        platform="cluster",
        state="finished",
        gpus=gpus,
        nodes=1,
        epochs=2,
        epochs_done=2,
        time_s=time_s,
        evidence={"gpus": Evidence("config", "total_gpus", str(gpus))},
    )
    return with_power(run, 300.0)


@pytest.fixture(scope="module")
def seconds_frames() -> list[Frame]:
    runs = [seconds_run(1, 9.0), seconds_run(2, 4.3), seconds_run(4, 2.1)]
    return frames_of(view_of(runs, store_name="power.h5"))


def rows_of(texts: list[ShownText]) -> list[list[ShownText]]:
    """The table's texts (right of the chart), grouped in rows by their middles."""
    table = sorted(
        (t for t in texts if t.left > CHART_BOX[1] + 0.05), key=lambda t: -(t.top + t.bottom)
    )
    rows: list[list[ShownText]] = []
    for text in table:
        middle = (text.top + text.bottom) / 2
        if rows and abs((rows[-1][0].top + rows[-1][0].bottom) / 2 - middle) < 0.05:
            rows[-1].append(text)
        else:
            rows.append([text])
    return [sorted(row, key=lambda t: t.left) for row in rows]


@pytest.mark.render
def test_energy_table_columns_keep_a_gap(seconds_frames):
    """kWh per epoch of a few-second run has many digits ('0.00038'): the time column and the
    kWh column touched (found by a newcomer's try)."""
    held = seconds_frames[-1]
    rows = [row for row in rows_of([t for _, t in held.texts]) if len(row) == 4]
    assert len(rows) == 4, [[t.content for t in row] for row in rows]  # the header and 3 runs
    assert rows[0][2].content == "kWh"
    for row in rows:
        gaps = [b.left - a.right for a, b in zip(row, row[1:], strict=False)]
        assert min(gaps) >= COLUMN_GAP - 0.01, [t.content for t in row]


@pytest.mark.render
def test_seconds_per_epoch_get_time_ticks(seconds_frames):
    """1 to 4.5 s per epoch: the axis says its times ('1 s', '2 s', '5 s'), found without
    any tick by a newcomer."""
    held = seconds_frames[-1]
    texts = [t for _, t in held.texts]
    ticks = [t.content for t in texts if t.content in TICK_LABELS and t.right < CHART_BOX[1]]
    assert len(ticks) >= 2, ticks
    assert all(t.endswith(" s") for t in ticks), ticks


@pytest.mark.render
def test_a_few_second_energy_store_is_talk_ready(seconds_frames):
    held = seconds_frames[-1]
    found = [p for frame in seconds_frames for p in problems(frame)]
    assert found == [], "\n".join(found)
    # no laptop run: the title names the cluster alone
    assert not any("Laptop" in t.content for _, t in held.texts)


@pytest.mark.render
def test_a_long_billing_unit_keeps_to_its_column(tmp_path):
    """cost_unit = "billing units" ran into the "GPU-h" header (found by a newcomer)."""
    path = tmp_path / "study.toml"
    path.write_text('[cost]\nrate = 2\nper = "node_hour"\nunit = "billing units"\n')
    sample = sample_runs()
    frames = frames_of(view_of(sample, study=load_study(path)))
    held = frames[-1]
    assert any("billing" in t.content for _, t in held.texts)
    found = [p for frame in frames for p in problems(frame)]
    assert found == [], "\n".join(found)
    header = next(row for row in rows_of([t for _, t in held.texts]) if row[0].content == "GPUs")
    gaps = [b.left - a.right for a, b in zip(header, header[1:], strict=False)]
    assert min(gaps) >= COLUMN_GAP - 0.01, [t.content for t in header]


@pytest.mark.render
def test_no_gpu_count_sits_on_the_ideal_line(probes):
    """On the sample, '32' was drawn on the dashed ideal line, reading as its label. Read on the
    sample study's probe of the scene, which tests/test_layout.py reads too."""
    probed = probes.get("CostOfSpeed", None, "sample study")
    assert probed.judged[-1].name == HELD
    on_line = [p for frame in probed.judged for p in frame.problems if "DashedLine" in p]
    assert on_line == []
    assert any(t.content == "ideal: 100% efficient" for t in probed.frames[-1])


@pytest.mark.parametrize(
    ("low", "high"), [(0.05, 0.07), (0.88, 5.4), (3.0, 3.5), (25.0, 870.0), (20.0, 2.7e5)]
)
def test_a_time_axis_always_has_two_human_ticks(low, high):
    start, end, ticks = time_range_ticks(low, high)
    assert start <= low and end >= high
    assert len(ticks) >= 2 and all(start <= s <= end for s, _ in ticks)
    assert [s for s, _ in ticks] == sorted(s for s, _ in ticks)


@pytest.mark.render
def test_every_gpu_count_is_named_beside_a_laptop_name():
    """A newcomer's study (per epoch: 1 GPU 4 s, 2 GPUs 2.6 s, 4 GPUs 1.9 s, 8 GPUs 1.5 s,
    16 GPUs 1.6 s; a laptop 12 s): the laptop's name sat where the 2-GPU point's count goes, and
    the point went unlabelled. The name goes a row higher; every point keeps its count."""
    per_epoch = {1: 4.0, 2: 2.6, 4: 1.9, 8: 1.5, 16: 1.6}
    runs = []
    for gpus, seconds in per_epoch.items():
        runs.append(
            Run(
                run_id=f"g{gpus}",
                name=f"resnet50-ddp-{gpus}gpu",
                platform="cluster",
                state="finished",
                gpus=gpus,
                nodes=2 if gpus == 16 else 1,
                epochs=2,
                epochs_done=2,
                time_s=seconds * 2,
                evidence={"gpus": Evidence("config", "world_size", str(gpus))},
            )
        )
    for index, seconds in enumerate((24.0, 24.4)):  # two runs: "(best of 2)" in its name
        runs.append(
            Run(
                run_id=f"lap{index}",
                name="resnet50-cpu",
                platform="laptop",
                state="finished",
                gpus=None,
                nodes=None,
                epochs=2,
                epochs_done=2,
                time_s=seconds,
                cores=8,
                cores_word="threads",
            )
        )
    held = frames_of(view_of(runs, store_name="runs.h5"))[-1]
    in_chart = {t.content for _, t in held.texts if t.right < CHART_BOX[1] + 0.05}
    assert {"1", "2", "4", "8", "16"} <= in_chart, sorted(in_chart)
