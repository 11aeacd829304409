"""The frame critic's rules on studies of tests/random_stores.py: 1 to 30 lanes, names up to 60
characters, times from 0.1 s to 30 days, both themes (two fixed ones; random ones on request).
Every held frame and slide stop of every scene keeps its text at or above kit.MIN_TEXT_SIZE,
inside the frame, off the data and off other text; a scene the data cannot support refuses in
one line. Derandomized: the same examples on every machine, so a busy machine changes nothing
an assertion sees."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings

from scenes.registry import SCENES
from tests.random_stores import CROWDED, SECONDS, Study, WrittenStudies, studies
from tests.scene_probe import CRITIC_FRAME_RATE, Probes

pytestmark = pytest.mark.render

# random studies besides the two fixed ones: none in make test, which they would take past 4
# minutes on 2 cores (each costs seven probes); LUMI_CRITIC_RANDOM=20 make test draws 20
RANDOM_STUDIES = int(os.environ.get("LUMI_CRITIC_RANDOM", "0"))


@settings(
    max_examples=max(1, RANDOM_STUDIES),
    derandomize=True,
    deadline=None,
    # no shrinking: each example costs seven probes
    phases=[Phase.explicit, *([Phase.generate] if RANDOM_STUDIES else [])],
    suppress_health_check=[HealthCheck.too_slow],
)
@example(study=CROWDED)
@example(study=SECONDS)
@given(study=studies())
def test_the_critic_holds_on_random_studies(
    study: Study, probes: Probes, critic_studies: WrittenStudies
):
    store, cfg = critic_studies.written(study)
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
