"""The scene registry (scenes/registry.py) names every scene the files draw, and what the command
line, the deck and the plans read from it is really there."""

from __future__ import annotations

import importlib
import inspect

from scenes.deck.__main__ import slide_scene_names
from scenes.deck.slides import SLIDE_SCENES
from scenes.kit.base import StudyScene
from scenes.registry import BY_NAME, SCENES, SCENES_DIR, entry
from scenes.render import all_scenes


def drawn_scene_classes() -> set[str]:
    """Every scene a scenes/*.py file defines, found by reading the files (not the registry):
    StudyScene subclasses that no other class there extends (those are shared bases)."""
    found = set()
    for path in SCENES_DIR.glob("*.py"):
        module = importlib.import_module(f"scenes.{path.stem}")
        own = [
            cls
            for cls in vars(module).values()
            if inspect.isclass(cls)
            and issubclass(cls, StudyScene)
            and cls.__module__ == module.__name__
        ]
        found |= {c.__name__ for c in own if not any(o is not c and issubclass(o, c) for o in own)}
    return found


def test_the_registry_names_every_scene_the_files_draw():
    assert {e.name for e in SCENES} == drawn_scene_classes()
    assert len(BY_NAME) == len(SCENES)


def test_each_entry_is_its_file_class_and_slides():
    for item in SCENES:
        scene = item.scene_class()
        assert scene.__name__ == item.name
        assert inspect.getsourcefile(scene) == str(item.path)
        slide = item.slide_class()
        assert issubclass(slide, scene) and entry(item.slide) is item
    assert [cls.__name__ for cls in SLIDE_SCENES] == [e.slide for e in SCENES]


def test_the_command_line_and_the_deck_read_the_registry():
    assert all_scenes() == [(e.path, e.name) for e in SCENES]
    assert slide_scene_names() == [e.slide for e in SCENES]
