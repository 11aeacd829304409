"""The README's gallery (media/gallery) shows what the scenes say today: `make gallery` stores
the digest of every scene's plan on the sample study, and this compares it with today's plans
(cheap: no render). A change of wording or figures fails here until the gallery is remade."""

from __future__ import annotations

import importlib.util

from extract.paths import PROJECT_ROOT


def _gallery_script():
    spec = importlib.util.spec_from_file_location("gallery", PROJECT_ROOT / "scripts/gallery.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_gallery_is_not_stale(monkeypatch):
    monkeypatch.delenv("LUMI_CONFIG", raising=False)
    gallery = _gallery_script()
    stored = (gallery.GALLERY / gallery.DIGEST).read_text(encoding="utf-8").strip()
    assert stored == gallery.plans_digest(), "media/gallery is stale: run `make gallery`"


def test_the_digest_changes_with_what_a_scene_says():
    gallery = _gallery_script()
    from dataclasses import dataclass

    @dataclass
    class Plan:
        title: str
        figures: tuple[float, ...]

    assert gallery._words(Plan("LUMI vs Laptop", (1.5,))) != gallery._words(
        Plan("LUMI vs laptop", (1.5,))
    )
