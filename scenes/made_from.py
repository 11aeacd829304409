"""What a scene's render is made from, as one digest, so that a slide deck can take the slides a
video render already made instead of drawing the same frames again.

A video render (`python -m scenes`) draws each scene through its slide class: the same frames
(tests/test_made_from.py compares them), plus the presentation manim-slides keeps. Beside each
presentation a stamp records the digest of everything the frames depend on; the deck reuses a
presentation only when its stamp equals the digest now. Anything that may change a frame is in
the digest: the quality, which store, settings and study file the render reads (as files: where
they are and what they hold; the settings with what $LUMI_METRIC and $LUMI_METRIC_X change),
the code and sample data of the project, and the versions of Manim, manim-slides and Pango.
When in doubt the deck draws again: a stale slide would show old figures as today's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; one render or deck at a time there
    fcntl = None  # type: ignore[assignment]

from extract.paths import PROJECT_ROOT, manim_cfg
from extract.sample import chosen_store
from extract.studyfile import study_path
from study.settings import METRIC_ENV, METRIC_X_ENV

# the project's files a frame may depend on: its code and the sample study
PROJECT_PARTS = ("scenes", "study", "extract", "data/sample")
PACKAGES = ("manim", "manim-slides", "manimpango")
# where a render keeps its presentation (scenes/deck/slides.py reads it)
PRESENTATIONS_ENV = "LUMI_SLIDES_DIR"
STAMP_SUFFIX = ".made-from"
READ_SUFFIX = ".read-from"  # what the scene found when it read its inputs (note_read)
# the variables that change a setting of manim.cfg (study/settings.py load_settings)
SETTINGS_ENV = (METRIC_ENV, METRIC_X_ENV)


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


def render_inputs(quality: str) -> dict[str, str]:
    """What a render at ``quality`` in this environment draws from, a digest per part, as the
    renders find it: they run in the project's folder (scenes/render.py), where relative paths
    and ./manim.cfg are read."""
    return {"quality": quality, **read_inputs()}


def read_inputs() -> dict[str, str]:
    """The files a render reads (store, settings, study file) and the code it runs, a digest
    each: what the scene itself notes when it has read them (``note_read``)."""
    with contextlib.chdir(PROJECT_ROOT):
        # the files chosen, not the variables that chose them: `make demo` names the sample
        # ($LUMI_SAMPLE=1) where a deck finds it by default, and both draw the same runs
        chosen = {"store": chosen_store(), "settings": manim_cfg(), "study file": study_path()}
        chosen = {role: path and path.resolve() for role, path in chosen.items()}
    parts = {}
    for role, path in chosen.items():
        # a store of None is the sample study, whose files are the project's (data/sample)
        content = _file_digest(path) if path is not None and path.is_file() else None
        parts[role] = _digest([str(path), content])
    # settings the environment gives over manim.cfg's: MetricVsTime of another key or x axis
    # is another scene
    overridden = {name: os.environ.get(name) for name in SETTINGS_ENV}
    parts["settings"] = _digest([parts["settings"], overridden])
    code = {str(path.relative_to(PROJECT_ROOT)): _file_digest(path) for path in _project_files()}
    parts["code"] = _digest([code, {name: version(name) for name in PACKAGES}])
    return parts


def render_digest(quality: str) -> str:
    """One digest of everything a render at ``quality`` draws from."""
    return _digest(render_inputs(quality))


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def stamp_of(presentations: Path, slide: str) -> Path:
    return presentations / f"{slide}{STAMP_SUFFIX}"


def _listed(presentations: Path, slide: str) -> dict[str, list[int]]:
    """The presentation as it is on disk: its slide list and every video it names, each with
    its size and time of change (a later render rewrites them)."""
    listing = presentations / f"{slide}.json"
    files = [listing] + [Path(entry["file"]) for entry in json.loads(listing.read_text())["slides"]]
    if len(files) < 2:
        raise ValueError("a presentation without slides")
    return {str(path): [path.stat().st_size, path.stat().st_mtime_ns] for path in files}


def _read_note(presentations: Path, slide: str) -> Path:
    return presentations / f"{slide}{READ_SUFFIX}"


def note_read(presentations: Path, slide: str) -> None:
    """Said by the scene once it has read its store, settings and study file: what they held
    then (a file changed and changed back while a render ran is caught here)."""
    note = _read_note(presentations, slide)
    note.parent.mkdir(parents=True, exist_ok=True)
    partial = note.with_name(f"{note.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(read_inputs()))
    os.replace(partial, note)


def forget(presentations: Path, slide: str) -> None:
    """Before a render: whatever it leaves, the old stamp no longer vouches for it."""
    stamp_of(presentations, slide).unlink(missing_ok=True)
    _read_note(presentations, slide).unlink(missing_ok=True)


def remember(
    presentations: Path, slide: str, before: dict[str, str], after: dict[str, str]
) -> None:
    """After a render that succeeded: its presentation, as it is now, was made from ``before``
    when the inputs were the same before the render, when the scene read them, and after it;
    otherwise the stamp says that they changed while it was drawn."""
    stamp = stamp_of(presentations, slide)
    try:
        listed = _listed(presentations, slide)
    except (OSError, ValueError, KeyError, TypeError):
        return  # no presentation: nothing to vouch for
    try:
        read = json.loads(_read_note(presentations, slide).read_text())
    except (OSError, ValueError):
        read = None
    held = {part: digest for part, digest in before.items() if part != "quality"}
    if before == after and read == held:
        record: dict[str, object] = {"inputs": before, "presentation": listed}
    else:
        record = {"changed_while_drawn": True}
    partial = stamp.with_name(stamp.name + ".partial")
    partial.write_text(json.dumps(record, indent=1))
    os.replace(partial, stamp)


# slides that a render outside `python -m scenes` and the deck left: nothing says what they show
UNRECORDED = (
    "its slides have no record of what they were made from (rendered outside make render and "
    "make slides)"
)


def why_drawn_again(presentations: Path, slide: str, inputs: dict[str, str]) -> str | None:
    """None when ``slide``'s presentation was made from ``inputs`` and is on disk as that
    render left it; else why it must be drawn again, in a few words."""
    try:
        stamp = json.loads(stamp_of(presentations, slide).read_text())
    except (OSError, ValueError):
        if (presentations / f"{slide}.json").exists():  # `manim render scenes/deck/slides.py`
            return UNRECORDED
        return "no render of it to take"
    if not isinstance(stamp, dict) or stamp.get("changed_while_drawn"):
        return "a file it reads changed while its render drew it"
    made_from = stamp.get("inputs", {})
    changed = [part for part in inputs if made_from.get(part) != inputs[part]]
    if "quality" in changed:
        return f"its render was at another quality ({made_from.get('quality')})"
    if changed:
        return f"the {' and the '.join(changed)} changed since its render"
    try:
        if _listed(presentations, slide) != stamp.get("presentation"):
            return "its slides were rewritten since (another render)"
    except (OSError, ValueError, KeyError, TypeError):
        return "its slides are incomplete"
    return None


@contextlib.contextmanager
def slides_lock(presentations: Path) -> Iterator[None]:
    """One render or deck at a time draws into a presentations folder (they share manim's
    partial movies of each slide class too); the next waits, then finds what the first made."""
    presentations.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    with open(presentations / ".lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("waiting for another render of these slides to finish", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
