"""What a scene's render is made from, as one digest, so that a slide deck can take the slides a
video render already made instead of drawing the same frames again.

A video render (`python -m scenes`) draws each scene through its slide class: the same frames
(tests/test_made_from.py compares them), plus the presentation manim-slides keeps. Beside each
presentation a stamp records the digest of everything the frames depend on; the deck reuses a
presentation only when its stamp equals the digest now. Anything that may change a frame is in
the digest: the quality, which store, settings and study file the render reads (as files: where
they are and what they hold), the code and sample data of the project, and the versions of
Manim, manim-slides and Pango. When in doubt the deck draws again: a stale slide would show old
figures as today's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from importlib.metadata import version
from pathlib import Path

from extract.paths import PROJECT_ROOT, manim_cfg
from extract.sample import chosen_store
from extract.studyfile import study_path

# the project's files a frame may depend on: its code and the sample study
PROJECT_PARTS = ("scenes", "study", "extract", "data/sample")
PACKAGES = ("manim", "manim-slides", "manimpango")
# where a render keeps its presentation (scenes/deck/slides.py reads it)
PRESENTATIONS_ENV = "LUMI_SLIDES_DIR"
STAMP_SUFFIX = ".made-from"


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _project_files() -> list[Path]:
    found = []
    for part in PROJECT_PARTS:
        for path in sorted((PROJECT_ROOT / part).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found.append(path)
    return found


def render_digest(quality: str) -> str:
    """The digest of everything a render at ``quality`` in this environment draws from, as the
    renders find it: they run in the project's folder (scenes/render.py), where relative paths
    and ./manim.cfg are read."""
    inputs: dict[str, object] = {
        "quality": quality,
        "packages": {name: version(name) for name in PACKAGES},
    }
    with contextlib.chdir(PROJECT_ROOT):
        # the files chosen, not the variables that chose them: `make demo` names the sample
        # ($LUMI_SAMPLE=1) where a deck finds it by default, and both draw the same runs
        chosen = {"store": chosen_store(), "settings": manim_cfg(), "study": study_path()}
        chosen = {role: path and path.resolve() for role, path in chosen.items()}
    files: dict[str, tuple[str, str | None]] = {}
    for role, path in chosen.items():
        if path is not None and path.is_file():
            files[role] = (str(path), _file_digest(path))
        else:
            files[role] = (str(path), None)  # the store: None is the sample (data/sample)
    inputs["files"] = files
    inputs["project"] = {
        str(path.relative_to(PROJECT_ROOT)): _file_digest(path) for path in _project_files()
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def stamp_of(presentations: Path, slide: str) -> Path:
    return presentations / f"{slide}{STAMP_SUFFIX}"


def forget(presentations: Path, slide: str) -> None:
    """Before a render: whatever it leaves, the old stamp no longer vouches for it."""
    stamp_of(presentations, slide).unlink(missing_ok=True)


def remember(presentations: Path, slide: str, digest: str) -> None:
    """After a render that succeeded: its presentation was made from ``digest``."""
    stamp = stamp_of(presentations, slide)
    if (presentations / f"{slide}.json").exists():
        partial = stamp.with_name(stamp.name + ".partial")
        partial.write_text(digest + "\n")
        os.replace(partial, stamp)


def reusable(presentations: Path, slide: str, digest: str) -> bool:
    """Whether ``slide``'s presentation was made from ``digest`` and every video it lists is
    there."""
    try:
        if stamp_of(presentations, slide).read_text().strip() != digest:
            return False
        listed = json.loads((presentations / f"{slide}.json").read_text())["slides"]
        return bool(listed) and all(Path(entry["file"]).is_file() for entry in listed)
    except (OSError, ValueError, KeyError, TypeError):
        return False
