"""Real paper nobody here drew (../shared/realdocs): the page's resolution measured from its text,
its orientation from its letters, and sohoa's reading never worse than plain tesseract's per family."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from benchmarks import realdocs as bench
from ocr.pages import claimed_dpi, image_dpi
from ocr.preprocess import prepare

REALDOCS = bench.REALDOCS


def _page(page_id: str) -> Image.Image:
    assert (REALDOCS / "manifest.json").exists(), f"../shared/realdocs is missing: {REALDOCS}"
    item = next(i for i in bench.manifest() if i["id"] == page_id)
    image = Image.open(REALDOCS / item["image"])
    image.load()
    return image


def _prepared(image: Image.Image):
    return prepare(image, image_dpi(image), dpi_known=claimed_dpi(image) is not None)


@pytest.mark.parametrize(
    ("page_id", "low", "high"),
    [
        ("ail_scan2_p2", 250, 420),  # legal-size 300 dpi scan, no DPI in the file: was "1200 dpi"
        ("ail_letter_4_1", 50, 160),  # a ~100 dpi share 576x960: was "277 dpi"
        ("epu_dkhp_p2", 230, 380),  # 300 dpi 1-bit scan whose PNG says 72
    ],
)
def test_resolution_is_measured_from_the_text_not_the_page_shape(page_id: str, low: int, high: int) -> None:
    prepared = _prepared(_page(page_id))
    resolution = prepared.facts["resolution"]
    assert resolution["from"] == "text"
    assert low <= resolution["dpi"] <= high, resolution


def test_an_upright_table_page_is_not_turned_by_its_ink() -> None:
    # The ink profile voted "upside down" on this schedule table; the letters say upright.
    assert _prepared(_page("epu_nhaphoc_p6")).analysis.rotation == 0


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_turned_real_page_is_put_upright(turn: int) -> None:
    page = _page("ail_scan1_p1").rotate(turn, expand=True)
    prepared = _prepared(page)
    assert (turn + prepared.analysis.rotation) % 360 == 0, prepared.steps


def test_sohoa_reads_no_family_worse_than_plain_tesseract() -> None:
    """The floor, on every real page: per family, page CER, line CER and empty pages no worse than
    `tesseract -l vie` on the same image (benchmarks/realdocs.py, scored by the folder's score.py)."""
    items = bench.manifest()
    with tempfile.TemporaryDirectory(prefix="sohoa-realdocs-") as tmp:
        result = bench.run(items, REALDOCS, Path(tmp), verbose=False)
    bench.report(result)
    assert not bench.worse_families(result), json.dumps(result["families"], indent=1)
