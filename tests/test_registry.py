"""The scene registry (scenes/registry.py) names every scene the files draw, and what the command
line, the deck and the plans read from it is really there."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

from scenes.deck.__main__ import slide_scene_names
from scenes.deck.slides import SLIDE_SCENES
from scenes.registry import BY_NAME, SCENES, SCENES_DIR, entry
from scenes.render import all_scenes

# Manim's CLI loads a scene file as a module named after its path (scenes.curves), replacing the
# one imported here: so the files are read as the CLI reads them, in a process of their own
FIND_AS_THE_CLI_DOES = """
import json, sys
from pathlib import Path
from manim.utils.module_ops import scene_classes_from_file
found = {}
for path in sorted(Path("scenes").glob("*.py")):
    found[path.stem] = [cls.__name__ for cls in scene_classes_from_file(path, full_list=True)]
print(json.dumps(found))
"""


def drawn_scene_classes() -> set[str]:
    """Every scene the scenes/*.py files define, as Manim's CLI finds them (see
    ``scenes_by_file``)."""
    return {name for names in scenes_by_file().values() for name in names}


def scenes_by_file() -> dict[str, list[str]]:
    """Each scenes/*.py file's scenes, as Manim's CLI finds them (`manim render FILE -a` renders
    each; a shared base class found there would stop that run on its own
    NotImplementedError), not from the registry."""
    found = subprocess.run(
        [sys.executable, "-c", FIND_AS_THE_CLI_DOES],
        cwd=SCENES_DIR.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(found.stdout.splitlines()[-1])


def test_the_registry_names_every_scene_the_files_draw():
    by_file: dict[str, list[str]] = {}
    for item in SCENES:
        by_file.setdefault(item.file, []).append(item.name)
    found = {file: sorted(names) for file, names in scenes_by_file().items() if names}
    assert found == {file: sorted(names) for file, names in by_file.items()}
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
