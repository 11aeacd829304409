"""reveal.js for an offline deck, from the npm registry when the CDN manim-slides uses is out of
reach (clusters' login nodes and this project's CI reach package registries, not CDNs)."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import urllib.request
from pathlib import Path

from extract.errors import InputError
from extract.paths import PROJECT_ROOT

# the reveal.js release manim-slides 5.7.0 builds its decks on, and its published tarball
VERSION = "6.0.1"
TARBALL = f"https://registry.npmjs.org/reveal.js/-/reveal.js-{VERSION}.tgz"
SHA512 = (
    "f5e69c02b34882a3b61c658e2bef77809367fa0bdd18355b4aafa2daedc96bd9"
    "23887a6cd1734ba606136536232911fdd6e5f2ddc9468a67868b0e2e9871bfb6"
)
# where manim-slides looks for cached assets once XDG_CACHE_HOME points here
CACHE_HOME = PROJECT_ROOT / ".tools" / "cache"
ASSETS = CACHE_HOME / "manim-slides" / f"revealjs{VERSION}"
# the deck's template links these by file name
WANTED = ("dist/reveal.css", "dist/reveal.js", "dist/plugin/", "dist/theme/")


def ensure_assets() -> dict[str, str]:
    """Make the reveal.js assets available to manim-slides; return the environment for it."""
    environment = {**os.environ, "XDG_CACHE_HOME": str(CACHE_HOME)}
    if (ASSETS / "reveal.js").exists():
        return environment
    try:
        with urllib.request.urlopen(TARBALL, timeout=60) as response:
            data = response.read()
    except OSError as error:
        raise InputError(
            f"cannot download reveal.js {VERSION} ({error})",
            path=TARBALL,
            hint="an offline deck needs it once; the PPTX and the videos do not",
        ) from None
    if hashlib.sha512(data).hexdigest() != SHA512:
        raise InputError("reveal.js tarball does not match its checksum", path=TARBALL)
    ASSETS.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix("package/")
            if member.isfile() and name.startswith(WANTED) and name.endswith((".css", ".js")):
                source = archive.extractfile(member)
                assert source is not None
                (ASSETS / Path(name).name).write_bytes(source.read())
    return environment
