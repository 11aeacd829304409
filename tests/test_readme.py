"""Every command the README shows, run as a newcomer runs it, on a fresh copy of the project.

The commands are read from the README itself (tests/readme_run.py): every line of its ``bash``
code blocks and every inline code span that starts like a command. Each must have an entry,
either a STEP that runs it (at the lowest quality, where it renders) and checks what the README
says it makes, or a SKIPPED reason. The run happens once per test session (tests/conftest.py
`readme`); the videos and the deck it leaves are also what tests/test_render_scenes.py,
test_deck.py and test_deck_browser.py check.
"""

from __future__ import annotations

import re
import shlex

import pytest

from extract.paths import PROJECT_ROOT
from tests.readme_run import README, SHELL_BLOCKS, STEPS, covered, normalized, readme_commands


def test_every_readme_command_has_an_entry():
    missing = [c for c in readme_commands(README.read_text()) if c not in covered()]
    assert not missing, (
        "README commands with no entry in tests/readme_run.py (add each to STEPS, or to "
        "SKIPPED with the reason):\n  " + "\n  ".join(missing)
    )


def test_commands_are_read_from_code_blocks_and_inline_spans():
    text = (
        "Run `make stills` or `media/x.png`.\n\n```bash\nmake demo   # comment\n"
        "python -m extract wandb a/b --state finished \\\n    --keys epoch   # more\n"
        "# only a comment\n```\n\n```python\nimport extract\n```\n"
    )
    assert readme_commands(text) == [
        "make stills",
        "make demo",
        "python -m extract wandb a/b --state finished --keys epoch",
    ]


def shell_blocks(text: str) -> list[list[str]]:
    """The commands of each shell code block, in order."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("```"):
            opening = current is None
            current = [] if opening and line[3:].strip().lower() in SHELL_BLOCKS else None
            if current is not None:
                blocks.append(current)
            elif not opening:
                current = None
            continue
        if current is not None and (command := normalized(line.rstrip("\\"))):
            current.append(command)
    return blocks


def make_qualities() -> dict[str, str]:
    """The quality `make render` and `make slides` draw at without QUALITY, as the Makefile
    says: a deck takes a render's slides only at the render's quality."""
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    default = re.search(r"^QUALITY \?= (\w)", makefile, re.M)
    slides = re.search(r"^slides:.*\n.*quality_or,(\w)", makefile, re.M)
    assert default and slides, "the Makefile's quality defaults moved"
    return {"render": default.group(1), "slides": slides.group(1)}


def redrawn_decks(blocks: list[list[str]], qualities: dict[str, str]) -> list[str]:
    """Each `make slides` that follows a `make render` of its block at another quality only:
    it draws every scene again (a newcomer's quick look at 480p15, then a deck at 1080p60)."""
    found = []
    for block in blocks:
        rendered: set[str] = set()
        for command in block:
            words = shlex.split(command)
            if words[:1] != ["make"] or len(words) < 2 or words[1] not in qualities:
                continue
            given = [w.split("=", 1)[1] for w in words if w.startswith("QUALITY=")]
            quality = given[-1] if given else qualities[words[1]]
            if words[1] == "render":
                rendered.add(quality)
            elif rendered and quality not in rendered:
                found.append(f"{command} after make render at {', '.join(sorted(rendered))}")
    return found


def test_no_readme_workflow_draws_a_scene_twice():
    assert redrawn_decks(shell_blocks(README.read_text()), make_qualities()) == []
    # what the checker catches: the workflow the README had
    qualities = {"render": "l", "slides": "h"}
    before = [["make render QUALITY=l", "make slides"]]
    assert redrawn_decks(before, qualities) == ["make slides after make render at l"]
    assert redrawn_decks([["make render QUALITY=h", "make slides"]], qualities) == []


@pytest.mark.render
@pytest.mark.parametrize("step", STEPS, ids=[step.name for step in STEPS])
def test_readme_command(readme, step):
    repo, results = readme
    if step.name not in results:
        pytest.skip(f"the README shows none of: {', '.join(step.covers)}")
    result = results[step.name]
    assert result.returncode == 0, result.output()
    if step.check:
        step.check(repo, result)
