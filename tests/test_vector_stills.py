"""Vector stills (`make stills FORMAT=svg|pdf`): the held frame drawn again through Cairo's SVG and
PDF surfaces on Manim's camera (scenes/kit/manim_compat.py vector_frame). Each file is read as
what it claims to be (the SVG by an XML parser, the PDF by a PDF library), is made of paths only
(no embedded picture of the frame), and, rasterised at the PNG's size, is that PNG within a
small tolerance (anti-aliasing of another rasteriser)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import cairosvg
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from manim import tempconfig
from PIL import Image

from extract.sample import sample_runs
from scenes.curves import MetricVsTime
from scenes.kit.manim_compat import vector_frame
from scenes.kit.run import STILL_FORMAT_ENV
from scenes.render import STILL_FORMAT_ENV as STILL_FORMAT_ENV_CLI
from study.settings import Settings
from study.view import view_of
from tests.scene_probe import SETTINGS

pytestmark = pytest.mark.render
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def still(tmp_path_factory) -> tuple[Path, Path, Path]:
    """MetricVsTime's held frame on the sample at 480p, as `manim render -s` draws it with
    $LUMI_STILL_FORMAT=svg (the PNG and the SVG beside it), and the same frame as PDF."""
    media = tmp_path_factory.mktemp("vector")
    settings = {**SETTINGS, "dry_run": False, "save_last_frame": True, "write_to_movie": False}
    view = view_of(sample_runs(), Settings(metric="batch_loss"), store_name="sample study")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(STILL_FORMAT_ENV, "svg")
        with tempconfig({**settings, "media_dir": str(media), "output_file": "MetricVsTime"}):
            scene = MetricVsTime(view=view)
            scene.render()
            png = Path(scene.renderer.file_writer.image_file_path)
            pdf = vector_frame(scene, media / "MetricVsTime.pdf")
    return png, png.with_suffix(".svg"), pdf


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=float)


def assert_same_picture(drawn: np.ndarray, png: np.ndarray) -> None:
    assert drawn.shape == png.shape
    difference = np.abs(drawn - png).max(axis=2)
    # the same shapes and colours everywhere; edges anti-aliased a little otherwise
    assert difference.mean() < 1.0, difference.mean()
    assert (difference > 48).mean() < 0.002, (difference > 48).mean()


def test_the_svg_is_vectors_and_the_png_s_picture(still):
    png, svg, _ = still
    root = ElementTree.parse(svg).getroot()
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height")) == ("854pt", "480pt")
    paths = root.findall(f".//{SVG}path")
    assert len(paths) > 100  # every curve, text, tick and dot a path
    assert root.findall(f".//{SVG}image") == []  # no picture of the frame inside
    with Image.open(png) as image:
        expected = pixels(image)
        size = image.size
    drawn = cairosvg.svg2png(url=str(svg), output_width=size[0], output_height=size[1])
    with Image.open(io.BytesIO(drawn)) as image:
        assert_same_picture(pixels(image), expected)


def test_the_pdf_is_vectors_and_the_png_s_picture(still):
    png, _, pdf = still
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    page = document[0]
    assert page.get_size() == (854, 480)
    kinds = [obj.type for obj in page.get_objects()]
    assert kinds.count(pdfium_c.FPDF_PAGEOBJ_PATH) > 100
    assert pdfium_c.FPDF_PAGEOBJ_IMAGE not in kinds
    with Image.open(png) as image:
        assert_same_picture(pixels(page.render(scale=1).to_pil()), pixels(image))


def test_the_command_line_and_the_scene_agree_on_the_setting():
    assert STILL_FORMAT_ENV == STILL_FORMAT_ENV_CLI


def test_a_vector_still_is_svg_or_pdf(still, tmp_path):
    with pytest.raises(ValueError, match="svg or .pdf"):
        vector_frame(None, tmp_path / "frame.eps")  # type: ignore[arg-type]
