"""Every command the README shows, run as a newcomer runs it, on a fresh copy of the project.

The commands are read from the README itself (tests/readme_run.py): every line of its ``bash``
code blocks and every inline code span that starts like a command. Each must have an entry,
either a STEP that runs it (at the lowest quality, where it renders) and checks what the README
says it makes, or a SKIPPED reason. The run happens once per test session (tests/conftest.py
`readme`); the videos and the deck it leaves are also what tests/test_render_scenes.py,
test_deck.py and test_deck_browser.py check.
"""

from __future__ import annotations

import pytest

from tests.readme_run import README, STEPS, covered, readme_commands


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
