"""The frame critic's rules on studies of tests/random_stores.py: 1 to 30 lanes, names up to 60
characters, times from 0.1 s to 30 days, both themes (two fixed ones; random ones on request).
Every held frame and slide stop of every scene keeps its text at or above kit.MIN_TEXT_SIZE,
inside the frame, off the data and off other text; a scene the data cannot support refuses in
one line. Derandomized: the same examples on every machine, so a busy machine changes nothing
an assertion sees."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings

from scenes.registry import SCENES
from tests.random_stores import MOST_LANES, Lane, Study, studies, write_study
from tests.scene_probe import CRITIC_FRAME_RATE, Probes

pytestmark = pytest.mark.render
_COUNTER = itertools.count()

# the most lanes, every one with a long label, long names on both sides, the light theme
CROWDED = Study(
    tuple(
        Lane(0 if i < 3 else i, 0.1 * 1.6**i, "x" * 20 + " long label number " + "y" * 20)
        for i in range(MOST_LANES)
    ),
    "light",
    "A cluster with a long name of forty chars",
    "A laptop with a long name of forty chars",
)
# a study of seconds (the race's clock, times on the axis)
SECONDS = Study(
    (Lane(0, 0.56, None), Lane(16, 0.49, None), Lane(32, 0.12, None)), "dark", "LUMI", "Laptop"
)


# random studies besides the two fixed ones: none in make test, which they would take past 4
# minutes on 2 cores (each costs seven probes); LUMI_CRITIC_RANDOM=20 make test draws 20
RANDOM_STUDIES = int(os.environ.get("LUMI_CRITIC_RANDOM", "0"))


@settings(
    max_examples=max(1, RANDOM_STUDIES),
    derandomize=True,
    deadline=None,
    # no shrinking: each example costs seven probes
    phases=[Phase.explicit, *([Phase.generate] if RANDOM_STUDIES else [])],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(study=CROWDED)
@example(study=SECONDS)
@given(study=studies())
def test_the_critic_holds_on_random_studies(study: Study, probes: Probes, tmp_path: Path):
    store, cfg = write_study(study, tmp_path / f"study-{next(_COUNTER)}")
    names = [entry.name for entry in SCENES]
    probes.start(names, store, cfg=cfg, frame_rate=CRITIC_FRAME_RATE)
    found = []
    for name in names:
        probed = probes.get(name, store, cfg=cfg, frame_rate=CRITIC_FRAME_RATE)
        if probed.refused is not None:
            assert probed.exit_code == 2 and len(probed.error_lines) == 1, probed.refused
            continue
        found += [f"{name} {frame.name}: {p}" for frame in probed.judged for p in frame.problems]
    assert found == [], f"{study}\n" + "\n".join(dict.fromkeys(found))
