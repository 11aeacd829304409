"""Texts are kept beside Manim's text cache (scenes/kit/text.py): a render after the first loads
them instead of building them, and what it gets is what building gives."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from manim import tempconfig

from scenes.kit.manim_compat import text_cache_dir

# the module, not the function scenes.kit exports under the same name
kit_text = importlib.import_module("scenes.kit.text")


@pytest.fixture
def fresh_process(tmp_path, monkeypatch):
    """A media folder of its own and nothing kept in memory, as a new render starts."""
    monkeypatch.setattr(kit_text, "_KEPT", type(kit_text._KEPT)())
    monkeypatch.delenv(kit_text.KEPT_TEXTS_ENV, raising=False)  # the default: media/texts
    with tempconfig({"media_dir": str(tmp_path)}):
        yield text_cache_dir()


def test_a_text_built_once_is_loaded_after(fresh_process, monkeypatch):
    first = kit_text.text("75.8 h", 32, "#56B4E9", bold=True)
    kept = list(fresh_process.glob("*.text"))
    assert len(kept) == 1
    kit_text._KEPT.clear()  # a later render: only the file is left

    def no_building():
        raise AssertionError("built again")  # building takes the text cache's lock

    monkeypatch.setattr(kit_text, "text_cache_lock", no_building)
    again = kit_text.text("75.8 h", 32, "#56B4E9", bold=True)
    assert again is not first and again.original_text == "75.8 h"
    assert np.array_equal(again.get_all_points(), first.get_all_points())
    assert np.array_equal(again.get_fill_colors(), first.get_fill_colors())


def test_what_shapes_a_text_names_its_file(fresh_process):
    kit_text.text("3.3 min", 32, "#56B4E9")
    for other in (
        ("3.3 min", 28, "#56B4E9", False),
        ("3.3 min", 32, "#56B4E9", True),
        ("3.4 min", 32, "#56B4E9", False),
    ):
        content, size, color, bold = other
        kit_text.text(content, size, color, bold=bold)
    assert len(list(fresh_process.glob("*.text"))) == 4
    # another opaque colour is the same shapes, filled otherwise (the light theme, a palette)
    kit_text.text("3.3 min", 32, "#E69F00")
    assert len(list(fresh_process.glob("*.text"))) == 4


def state_of(mob) -> dict[str, object]:
    """What a mobject holds, arrays as lists; not its children (compared one by one) nor what
    only building needed (the SVG file Pango wrote: its name hashes the colour too)."""
    skipped = {"submobjects", "chars", "updaters", "path_obj", "id_to_vgroup_dict", "file_name"}
    return {
        name: value.tolist() if isinstance(value, np.ndarray) else repr(value)
        for name, value in vars(mob).items()
        if name not in skipped
    }


@pytest.mark.parametrize("color", ["#56B4E9", "#1A1A1A", "#FFFFFF", "#CC79A7"])
@pytest.mark.parametrize("bold", [False, True])
def test_a_text_in_a_colour_is_its_kept_shapes_filled_so(fresh_process, color, bold):
    from manim import Text

    from scenes.kit.manim_compat import lightened
    from scenes.kit.theme import FONT

    kit_text.text("LUMI-G 8 GPUs: 3.3 min", 30, "#E69F00", bold=bold)  # kept, in another colour
    given = kit_text.text("LUMI-G 8 GPUs: 3.3 min", 30, color, bold=bold)
    weight = "BOLD" if bold else "NORMAL"
    built = lightened(Text("LUMI-G 8 GPUs: 3.3 min", font=FONT, font_size=30, color=color,
                           weight=weight))  # fmt: skip
    assert len(given.get_family()) == len(built.get_family())
    for ours, theirs in zip(given.get_family(), built.get_family(), strict=True):
        assert state_of(ours) == state_of(theirs)


def test_a_broken_file_is_built_again_and_replaced(fresh_process):
    built = kit_text.text("1,393x", 40, "#009E73")
    (kept,) = fresh_process.glob("*.text")
    kept.write_bytes(kept.read_bytes()[:100])
    kit_text._KEPT.clear()
    again = kit_text.text("1,393x", 40, "#009E73")
    assert np.array_equal(again.get_all_points(), built.get_all_points())
    assert len(kept.read_bytes()) > 100
    assert not list(fresh_process.glob("*.partial"))


def test_a_folder_named_in_the_environment_keeps_the_texts(fresh_process, tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    monkeypatch.setenv(kit_text.KEPT_TEXTS_ENV, str(shared))
    kit_text.text("24.2x", 36, "#CC79A7")
    assert len(list(shared.glob("*.text"))) == 1
    assert not list(fresh_process.glob("*.text"))
