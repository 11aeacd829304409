"""Nothing is mid-fade on a held frame: at every wait() of every scene (the holds a video ends
on, its poster and still) and at every slide stop, each text shown is at full opacity."""

from __future__ import annotations

import pytest

from scenes.registry import SCENES

NAMES = [entry.name for entry in SCENES]

pytestmark = pytest.mark.render


@pytest.fixture(scope="module")
def sample_probes(probes):
    probes.start(NAMES, None, "sample study")
    return probes


@pytest.mark.parametrize("scene", NAMES)
def test_every_hold_and_stop_shows_every_text_at_full_opacity(sample_probes, scene):
    probed = sample_probes.get(scene, None, "sample study")
    assert probed.refused is None, probed.refused
    # a slide deck stops at every part: the probe saw them
    assert len(probed.parts) >= 2
    assert not probed.faded, probed.faded
