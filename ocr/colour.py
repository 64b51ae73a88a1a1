"""Colour dropout: red seals and blue signatures taken off the text before it is read.

A Vietnamese result carries a red round seal over the signer's block and often over the last lines
of the body, and a signature in blue ink across them. Converted to grey, red ink is as dark as text
(luma 0.30 R): tesseract binarizes the seal's ring and letters together with the words under them,
and whole lines come out as garbage or not at all. Read in the brightest channel, red and blue ink
are nearly paper while black ink stays black; where black text lies under the seal, every channel
is dark, so the text survives. Red is dropped only inside the seals found (a red title printed on a
form is text); blue pen is dropped wherever it is (Decree 30/2020 has documents printed in black).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from ocr import geometry

ANALYSIS_DPI = 75
# OpenCV hue is 0-179. Ink counts as coloured when clearly saturated and not dark: black over red
# is dark in every channel, so it stays text.
MIN_SATURATION = 100
MIN_VALUE = 100  # dark navy print (53, 59, 73) is text, not pen
RED_HUES = ((0, 12), (165, 179))
BLUE_HUES = ((95, 135),)
SEAL_MM = (18.0, 60.0)  # round seals are 30-42 mm across, square title stamps 20-60 mm
MIN_COLOURED = 0.0005  # of the page: fewer coloured pixels than this are left alone (a logo dot)


@dataclass
class ColourInk:
    seals: list[tuple[int, int, int, int]] = field(default_factory=list)  # boxes at full resolution
    blue_ink: bool = False
    dropped: bool = False

    @property
    def facts(self) -> dict:
        found = {}
        if self.seals:
            found["seal"] = len(self.seals)
        if self.blue_ink:
            found["blue_ink"] = True
        return found


def _hues(hue: np.ndarray, ranges) -> np.ndarray:
    mask = np.zeros(hue.shape, bool)
    for low, high in ranges:
        mask |= (hue >= low) & (hue <= high)
    return mask


def _coloured(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    chroma = (hsv[..., 1] >= MIN_SATURATION) & (hsv[..., 2] >= MIN_VALUE)
    return chroma & _hues(hsv[..., 0], RED_HUES), chroma & _hues(hsv[..., 0], BLUE_HUES)


PEN_MM = 1.2  # wider than any pen stroke: blue wider than this is print (a card's pattern), not pen


def _strokes(mask: np.ndarray, dpi: float) -> np.ndarray:
    """The thin parts of a mask: what an opening wider than a pen stroke takes away."""
    size = max(3, round(PEN_MM / 25.4 * dpi) | 1)
    opened = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((size, size), np.uint8))
    return mask & (opened == 0)


def find_seals(red: np.ndarray, dpi: float) -> list[tuple[int, int, int, int]]:
    """Boxes (left, top, right, bottom) of seal-sized, roughly square patches of red ink."""
    px_per_mm = dpi / 25.4
    joined = cv2.morphologyEx(
        red.astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    )
    joined = cv2.dilate(joined, np.ones((5, 5), np.uint8))
    count, _labels, stats = geometry.components(joined)
    small, large = (SEAL_MM[0] * px_per_mm, SEAL_MM[1] * px_per_mm)
    seals = []
    for i in range(1, count):
        x, y, w, h, _area = stats[i]
        inked = int(red[y : y + h, x : x + w].sum())
        if small <= w <= large and small <= h <= large and 0.7 <= w / h <= 1.4 and inked >= 0.04 * w * h:
            seals.append((int(x), int(y), int(x + w), int(y + h)))
    return seals


def drop_colour_ink(
    image: Image.Image, dpi: float, gray: Image.Image | None = None
) -> tuple[Image.Image, ColourInk]:
    """The page in grey for reading, with seals' red and pen blue made paper; and what was found.
    ``gray``: the page in grey, when the caller has it already."""
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    factor = max(1, round(dpi / ANALYSIS_DPI))
    small = rgb[::factor, ::factor]
    red, blue = _coloured(small)
    blue = _strokes(blue, dpi / factor)
    found = ColourInk()
    gray = image.convert("L") if gray is None else gray
    if red.sum() + blue.sum() < MIN_COLOURED * red.size:
        return gray, found
    found.seals = [tuple(v * factor for v in box) for box in find_seals(red, dpi / factor)]
    found.blue_ink = bool(blue.sum() >= MIN_COLOURED * blue.size)
    if not found.seals and not found.blue_ink:
        return gray, found
    # Full resolution from here: the brightest channel, and coloured ink itself set to paper.
    # Without pen ink, only the seals' boxes are looked at (a tenth of the page, a tenth of the cost).
    drop = np.zeros(rgb.shape[:2], bool)
    if found.blue_ink:
        drop |= _strokes(_coloured(rgb)[1], dpi)
    for left, top, right, bottom in found.seals:
        margin = 2 * factor
        box = (slice(max(0, top - margin), bottom + margin), slice(max(0, left - margin), right + margin))
        drop[box] |= _coloured(np.ascontiguousarray(rgb[box]))[0]
    # Their soft edges too: one pixel round the ink, in the brightest channel only.
    near = cv2.dilate(drop.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    pixels = np.asarray(gray).copy()
    pixels[near] = rgb[near].max(axis=1)
    paper = int(np.median(rgb[::8, ::8].max(axis=2)))
    pixels[drop] = paper
    found.dropped = True
    return Image.fromarray(pixels, "L"), found
