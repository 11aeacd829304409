"""The HTML deck in a real headless Chromium (Debian's `chromium`, driven by Playwright): every
slide's video plays, the speaker view opens with the notes, and nothing is logged as an error.

Skipped, saying why, where no Chromium is installed (`make test` installs Debian's where it can:
scripts/bootstrap.sh --test-browser) or Playwright is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.readme_run import SLIDES_PER_SCENE

pytestmark = pytest.mark.render

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# a browser that starts quickly and quietly in a container: no sandbox (root, no user
# namespaces), no GPU, and nothing fetched from the network on its own
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # a deck's videos start with the slide, before any click: what a presenter's browser allows
    "--autoplay-policy=no-user-gesture-required",
]
# a bound on waiting for the browser, for a test that would otherwise hang: minutes, so that a
# busy machine never reaches it (a video that does not play stays at 0 however long one waits)
PATIENCE_MS = 300_000


def browser() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        pytest.skip(
            "no Chromium here (Debian: apt-get install chromium; `make test` does it "
            "through scripts/bootstrap.sh --test-browser)"
        )
    return found


@pytest.fixture(scope="module")
def deck(readme) -> Path:
    """The whole deck of `make slides QUALITY=l`, as the session's README run built it."""
    browser()  # skip before asking for renders when it cannot be opened
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    repo, results = readme
    built = results["make slides QUALITY=l"]
    assert built.returncode == 0, built.output()
    return repo / "media" / "slides" / "deck.html"


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=browser(), args=ARGS)
        try:
            yield instance
        finally:
            instance.close()


def current_video_time(page) -> float:
    return page.evaluate(
        """() => {
            const video = document.querySelector('.slide-background.present video');
            return video ? video.currentTime : -1;
        }"""
    )


def test_every_slide_plays_and_nothing_is_logged_as_an_error(deck, chromium):
    page = chromium.new_page(viewport={"width": 1280, "height": 720})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(deck.as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=PATIENCE_MS)
    slides = page.evaluate("() => Reveal.getTotalSlides()")
    assert slides == sum(SLIDES_PER_SCENE.values())
    for index in range(slides):
        page.evaluate(f"() => Reveal.slide({index})")
        # playing: the slide's own video advances (a stalled or refused video stays at 0)
        page.wait_for_function(
            """() => {
                const video = document.querySelector('.slide-background.present video');
                return video && video.currentTime > 0.3;
            }""",
            timeout=PATIENCE_MS,
        )
        assert current_video_time(page) > 0.3, f"slide {index + 1}"
    assert not errors, errors
    page.close()


def test_speaker_view_opens_with_the_notes(deck, chromium):
    page = chromium.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(deck.as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=PATIENCE_MS)
    notes = page.evaluate("() => Reveal.getSlideNotes()")
    assert notes and "wall clock" in notes  # the first slide: the race's opening
    with page.expect_popup(timeout=PATIENCE_MS) as opened:
        page.keyboard.press("s")
    speaker = opened.value
    speaker.on("pageerror", lambda error: errors.append(str(error)))
    # the speaker view shows the current slide's notes (sent over postMessage once it loads)
    speaker.wait_for_function(
        "() => { const n = document.querySelector('.speaker-controls-notes');"
        " return n && n.textContent.includes('wall clock'); }",
        timeout=PATIENCE_MS,
    )
    assert not errors, errors
    speaker.close()
    page.close()
