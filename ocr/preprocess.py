"""Page preprocessing: orientation, deskew, contrast, speckle, resolution and border cleanup.

All decisions are made on a small (~100 DPI) ink mask, with numpy on ink-pixel coordinates, so they
cost tens of milliseconds; only the corrections themselves touch the full-resolution image. Two images
come out: the *display* image (the scan as it was, turned upright and straightened) that the
searchable PDF shows, and the *recognition* image (cleaned, normalized) that tesseract reads. Both
share one geometry, so the invisible text layer lands on the words it was read from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from PIL import Image

from ocr import geometry
from ocr.colour import drop_colour_ink
from ocr.engine import OSD_RELIABLE, line_height, line_measure, orientation

ANALYSIS_DPI = 150
# At ANALYSIS_DPI: a 30 pt capital is ~60 px high; letters that touch at low resolution make
# word-sized marks, never wider than a long word.
GLYPH_MAX_HEIGHT = 60
GLYPH_MAX_WIDTH = 450
MIN_INK_PIXELS = 150  # below this the page is (nearly) blank: nothing to orient or straighten
MAX_SKEW = 6.0  # degrees searched either way
# Tesseract reads slightly skewed lines well, and resampling costs it more than the skew does:
# only straighten what it would misread (measured on the OCR benchmark's scanned/heavy pages).
DESKEW_MIN = 2.0
# Resolution normalization goes by the size of the letters in pixels, not by the scan's DPI: a page
# whose x-height is below MIN_X_HEIGHT is upsampled to X_HEIGHT. 13 pt Times is ~26 px at 300 DPI,
# ~17 at 200. Measured on heavy 13 pt pages at 200 DPI (OCR benchmark CER, 12 pages; extraction
# benchmark fields, seeds 11-13): unscaled 0.12-0.15% and 1.4 s a page, but tesseract merged the
# two header columns and misread tone marks on names and issuers (issuer precision 0.86-0.91);
# x1.5 0.13-0.21% and 1.8 s, fields as at x1.8; x1.8 0.21% and 2.1 s. 13 pt at 150 DPI (13 px): 0.68%
# at x1.33, 0.57-0.63% at x1.65, 0.60% at x2.4.
MIN_X_HEIGHT = 20
# A letter line's x-height band is 0.4-0.8 of its whole height (tone marks, ascenders, descenders).
CORE_MIN_SHARE = 0.35
X_HEIGHT = 26
RECOGNITION_DPI = 300  # a page whose lines cannot be measured is upsampled to this when below it
# Noise removal only pays on noisy pages: binarizing a clean page costs tesseract accuracy.
SPECK_GATE = 600  # isolated specks on a page before it is cleaned (a phone photo has ~400 marks)
SPECK_ALWAYS = 12  # px at 300 DPI: smaller than any mark of 13 pt text, wherever it is
# px at 300 DPI: removed when no letter is within reach (a dot below is close). A sentence's final
# period after a round or slanted letter (ký., giấy.) can sit out of reach: 13 pt, it is ~32 px, and
# at 45 px heavy pages lost most of them (CER 0.27% -> 0.15% at 30, sparse pages 0.23% -> 0.03%).
SPECK_ISOLATED = 30
SPECK_REACH = 8  # px at 300 DPI
# A page's resolution, when its file does not state one, is measured from its text: a line of 13-14 pt
# body text with its accents and descenders is ~0.21 in high (64 px at 300 DPI on the real scans of
# ../shared/realdocs, 42-45 px at 200 DPI, 33 at 150). What matters downstream is the letters' size in
# pixels, which this measures whatever the file says.
TEXT_LINE_INCHES = 0.213
MEASURED_DPI = (50, 1200)
# Ink above and below the letters (``_upright_evidence``) is trusted alone only this sure: a card's
# printed background, a seal or a table votes too. Below it, and for every turn it proposes,
# tesseract's OSD is asked.
INK_ORIENTATION_SURE = 0.6
# No upsampling beyond this factor, and none that takes a page past MAX_UPSAMPLED_DPI: a page of small
# print measured as tiny letters is not blown up to 900 DPI (slow, and tesseract reads its noise).
MAX_UPSAMPLE = 2.5
MAX_UPSAMPLED_DPI = 450


Box = tuple[int, int, int, int]  # left, top, right, bottom


@dataclass
class Analysis:
    rotation: int = 0  # degrees counter-clockwise that make the text upright (0/90/180/270)
    orientation_confidence: float = 0.0  # |log| of the evidence ratio; 0 means undecided
    skew: float = 0.0  # degrees counter-clockwise that make the lines horizontal (after rotation)
    x_height: float | None = None  # px at full resolution: the height of lowercase letters
    ink_pixels: int = 0
    paper: int = 255  # the page's median grey level
    dark_border: dict[str, int] = field(default_factory=dict)  # side -> px at full resolution


@dataclass
class Prepared:
    display: Image.Image
    recognition: Image.Image
    display_dpi: int
    recognition_dpi: int
    analysis: Analysis
    steps: list[str]
    facts: dict = field(default_factory=dict)  # what the original bears (a seal, pen ink)
    # The recognition image without a step that can cost letters (colour ink dropped), same size and
    # DPI: read too, and kept when it reads better (ocr.document.ocr_page). On real pages a seal's
    # dropout helped as often as it cost letters; despeckling, gated by the specks counted, did not.
    alternatives: list[tuple[str, Image.Image]] = field(default_factory=list)
    # Where the recognition image's dot leaders run (left, top, right, bottom): their lines are read
    # again without them (ocr.document).
    leaders: list[Box] = field(default_factory=list)


def _histogram(pixels: np.ndarray) -> np.ndarray:
    """Counts of each grey level (OpenCV's: several times faster than np.bincount on a page)."""
    return cv2.calcHist([np.ascontiguousarray(pixels, np.uint8)], [0], None, [256], [0, 256]).ravel()


CONTRAST_CUTOFF = 0.5  # percent of the darkest and of the lightest pixels clipped by the stretch


def _stretched(gray: Image.Image, cutoff: float) -> Image.Image:
    """Pillow's ``ImageOps.autocontrast(gray, cutoff)``, the same table, on OpenCV's histogram and
    lookup (Pillow's histogram of a page cost 10 ms)."""
    pixels = np.asarray(gray)
    hist = [int(v) for v in _histogram(pixels)]
    n = sum(hist)
    for levels in (range(256), range(255, -1, -1)):  # the darkest cutoff %, then the lightest
        cut = int(n * cutoff // 100)
        for level in levels:
            if cut > hist[level]:
                cut -= hist[level]
                hist[level] = 0
            else:
                hist[level] -= cut
                cut = 0
            if cut <= 0:
                break
    lo = next((v for v in range(256) if hist[v]), 255)
    hi = next((v for v in range(255, -1, -1) if hist[v]), 0)
    if hi <= lo:
        return gray
    scale = 255.0 / (hi - lo)
    table = np.array([min(255, max(0, int(v * scale - lo * scale))) for v in range(256)], np.uint8)
    return Image.fromarray(cv2.LUT(pixels, table))


def _otsu(values: np.ndarray) -> int:
    hist = _histogram(values).astype(np.float64)
    levels = np.arange(256, dtype=np.float64)
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    s0 = np.cumsum(levels * hist)
    m0 = s0 / np.maximum(w0, 1)
    m1 = (s0[-1] - s0) / np.maximum(w1, 1)
    return int(np.argmax(w0 * w1 * (m0 - m1) ** 2))


def _median(pixels: np.ndarray) -> int:
    """Median grey level from the histogram: a fraction of np.median's cost on a whole page."""
    counts = np.cumsum(_histogram(pixels).astype(np.int64))
    return int(np.searchsorted(counts, (counts[-1] + 1) // 2))


def _sharpness(coords: np.ndarray) -> float:
    """How line-like a projection is: squared jumps of its histogram, per ink pixel."""
    if coords.size == 0:
        return 0.0
    profile = np.bincount((coords - coords.min()).astype(np.int64))
    return float(np.sum(np.diff(profile.astype(np.float64)) ** 2) / coords.size)


def _best_angle(xs: np.ndarray, ys: np.ndarray, angles: np.ndarray) -> tuple[float, float]:
    best = (0.0, -1.0)
    for angle in angles:
        theta = math.radians(angle)
        projected = np.round(ys * math.cos(theta) - xs * math.sin(theta))
        score = _sharpness(projected)
        if score > best[1]:
            best = (float(angle), score)
    return best


def _line_bands(profile: np.ndarray) -> list[tuple[int, int]]:
    """Runs of rows holding ink: text lines (with their accents and descenders)."""
    floor = max(1.0, 0.03 * float(profile.max()))
    bands, start = [], None
    for y, value in enumerate(profile):
        if value > floor and start is None:
            start = y
        elif value <= floor and start is not None:
            bands.append((start, y))
            start = None
    if start is not None:
        bands.append((start, len(profile)))
    return [(a, b) for a, b in bands if b - a >= 6]


def _upright_evidence(ys: np.ndarray) -> tuple[float, list[int]]:
    """log(ink above the x-height band / ink below it) over all lines, > 0 for upright Latin text;
    and the height of each line's x-height band.

    Capitals, ascenders and Vietnamese tone marks sit above the x-height; only descenders and the
    dot below sit under it, so upright lines are top-heavy and upside-down ones bottom-heavy.
    """
    profile = np.bincount(ys - ys.min()).astype(np.float64)
    bands = _line_bands(profile)
    if not bands:
        return 0.0, []
    heights = np.array([b - a for a, b in bands])
    typical = float(np.median(heights))
    above = below = 0.0
    cores = []
    for a, b in bands:
        if not 0.5 * typical <= b - a <= 2.2 * typical:  # a rule or a speck; merged lines
            continue
        row = profile[a:b]
        core = np.nonzero(row >= 0.5 * row.max())[0]
        above += row[: core[0]].sum()
        below += row[core[-1] + 1 :].sum()
        height = int(core[-1] - core[0] + 1)
        if height >= CORE_MIN_SHARE * (b - a):
            # A line of dot leaders ("Họ và tên: .......") has its densest rows at the dots: its
            # "core" is a dot's height, no letter's. It still votes on which way is up.
            cores.append(height)
    if above + below < 20:
        return 0.0, cores
    return math.log((above + 1) / (below + 1)), cores


def analyse(gray: Image.Image, dpi: int) -> Analysis:
    factor = max(1, round(dpi / ANALYSIS_DPI))
    small = gray.reduce(factor) if factor > 1 else gray
    pixels = np.asarray(small)
    paper = _median(pixels)
    # Scanner borders are dark against the whole page; text is dark against its own surroundings
    # (a card on a desk, uneven light), by a clear margin so paper noise is never taken for text.
    result = Analysis(paper=paper, dark_border=_dark_border(pixels < min(_otsu(pixels), paper - 40), factor))
    block = 2 * round(0.15 * ANALYSIS_DPI) + 1
    ink = cv2.adaptiveThreshold(pixels, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 20) > 0
    result.ink_pixels = int(ink.sum())
    if result.ink_pixels == 0:
        return result
    ink = _glyphs(ink)
    ys, xs = np.nonzero(ink)
    if ys.size < MIN_INK_PIXELS:
        return result
    ys, xs = ys.astype(np.float64), xs.astype(np.float64)
    # Line profiles are sharp only within ~0.3 degrees of the true angle: a finer grid never misses it.
    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.25)
    if ys.size > 60_000:  # a sample keeps the search cheap on dense pages
        pick = np.random.default_rng(0).choice(ys.size, 60_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    horizontal = _best_angle(xs, ys, coarse)
    vertical = _best_angle(-ys, xs, coarse)  # the page turned a quarter: columns become rows
    rotation = 0
    if vertical[1] > 1.25 * horizontal[1]:
        rotation = 90
        xs, ys = ys, (small.width - 1) - xs  # coordinates after turning the page 90 deg CCW
        horizontal = vertical
    fine = np.arange(horizontal[0] - 0.25, horizontal[0] + 0.26, 0.05)
    skew, _ = _best_angle(xs, ys, fine)
    theta = math.radians(skew)
    straight_y = np.round(ys * math.cos(theta) - xs * math.sin(theta)).astype(np.int64)
    evidence, cores = _upright_evidence(straight_y)
    if evidence < 0:
        rotation = (rotation + 180) % 360
    result.rotation = rotation
    result.orientation_confidence = abs(evidence)
    result.skew = round(skew, 2)
    if cores:
        # The lower quartile: a line in capitals has a core as high as its capitals. Line heights
        # would not do: a line without capitals, descenders or stacked tone marks is a third lower.
        result.x_height = float(np.percentile(cores, 25)) * factor
    return result


def _glyphs(ink: np.ndarray) -> np.ndarray:
    """Keep letter- and word-sized marks only: specks, rules, photo backgrounds, card edges and
    scanner borders would otherwise pull the line profiles their own way."""
    count, labels, stats = geometry.components(ink)
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    keep = (stats[:, cv2.CC_STAT_AREA] >= 2) & (h <= GLYPH_MAX_HEIGHT) & (w <= GLYPH_MAX_WIDTH)
    keep[0] = False
    return keep[labels]


def _dark_border(ink: np.ndarray, factor: int) -> dict[str, int]:
    """Black scanner-lid edges: rows/columns at a side that are mostly ink."""
    border = {}
    h, w = ink.shape
    for side, lines in (
        ("top", ink.mean(axis=1)),
        ("bottom", ink.mean(axis=1)[::-1]),
        ("left", ink.mean(axis=0)),
        ("right", ink.mean(axis=0)[::-1]),
    ):
        limit = (h if side in ("top", "bottom") else w) // 8
        count = 0
        while count < limit and lines[count] > 0.5:
            count += 1
        if count:
            border[side] = (count + 1) * factor
    return border


def prepare(image: Image.Image, dpi: int, dpi_known: bool = True) -> Prepared:
    """Upright, straight, clean, legible-size page images for display and for recognition.

    ``dpi_known`` is False when the file's resolution is not to be believed (a JPEG's 72 DPI from a
    phone, or none at all): it is then measured from the height of the page's text lines.
    """
    steps: list[str] = []
    facts: dict = {}
    colour = image.mode == "RGB"  # phone photos keep their colours on display
    display = image.convert("RGB") if image.mode not in ("L", "RGB") else image
    gray = original = image if image.mode == "L" else image.convert("L")
    pixels = np.asarray(gray)
    card = _card(image, geometry.find_card(pixels, display))
    quad = geometry.find_page(pixels) if card is None else None
    if card is not None:
        # An ID card: its size is known, so its resolution is measured by its width.
        display, dpi, dpi_known = card, geometry.CARD_DPI, True
        gray = display if display.mode == "L" else display.convert("L")
        steps.append("ID card found, squared up")
        facts["card"] = True
    elif quad is not None:
        display = geometry.square_up(display, quad)
        gray = display if display.mode == "L" else display.convert("L")
        steps.append("page found, squared up")
    if card is not None:
        facts["resolution"] = {"dpi": dpi, "from": "card"}
    elif dpi_known:
        facts["resolution"] = {"dpi": dpi, "from": "file"}
    else:
        dpi = _resolution_from_text(gray, dpi, steps, facts)
    ink = None
    if colour:
        gray, ink = drop_colour_ink(display, dpi, gray)
        facts |= ink.facts
        if ink.dropped:
            steps.append("colour ink dropped" + (f" ({len(ink.seals)} seal)" if ink.seals else ""))
    # The array the page and the card were looked for on, while it is still the page's.
    light = geometry.light_background(gray, pixels if gray is original else None, creases=card is None)
    kept: Image.Image | None = None  # the page with its colour ink, as lit as the one read
    if light is not None:
        gray = geometry.flattened(gray, light.background)
        coloured = display.convert("L") if ink is not None and ink.dropped else None
        if coloured is not None:
            # The floor (colour ink kept) must differ from the page read by the colour ink only: left
            # unflattened it differed all over, and a photo was read twice whole for nothing.
            kept = geometry.flattened(coloured, light.background)
        steps.append("light flattened" + (" (a fold's crease)" if light.fold else ""))
        # A reflection is told on the page's light with its colour ink kept: a red emblem dropped to
        # paper is as bright as one, and is none.
        seen = light if coloured is None else geometry.light_background(coloured, creases=False)
        lift = geometry.glare_lift(seen.background) if seen is not None else None
        if lift is not None:
            gray = geometry.darkened(gray, lift)
            kept = geometry.darkened(kept, lift) if kept is not None else None
            steps.append("text under a reflection darkened")
            facts["glare"] = True
        if light.fold:
            facts["fold"] = True
    analysis = analyse(gray, dpi)
    if card is not None:
        analysis.dark_border = {}  # the card's own edge is no scanner lid: its text runs to the edge
    _confirm_orientation(gray, analysis, dpi, steps, facts)
    if analysis.rotation:
        gray = gray.rotate(analysis.rotation, expand=True)
        if colour:
            display = display.rotate(analysis.rotation, expand=True)
        if kept is not None:
            kept = kept.rotate(analysis.rotation, expand=True)
        steps.append(f"rotate {analysis.rotation}")
    paper = analysis.paper
    if abs(analysis.skew) >= DESKEW_MIN:
        # A bicubic rotation of the full page is the costliest step: grey pages get it once.
        gray = gray.rotate(analysis.skew, resample=Image.BICUBIC, fillcolor=paper)
        if colour:
            display = display.rotate(analysis.skew, resample=Image.BICUBIC, fillcolor=(255, 255, 255))
        if kept is not None:
            kept = kept.rotate(analysis.skew, resample=Image.BICUBIC, fillcolor=paper)
        steps.append(f"deskew {analysis.skew:+.1f}")
    if not colour:
        display = gray
    recognition, recognition_dpi, leaders = _for_recognition(gray, analysis, dpi, steps)
    alternatives: list[tuple[str, Image.Image]] = []
    if ink is not None and ink.dropped:
        # Dropping colour helps where a seal covers words and can cost letters elsewhere (a seal's
        # edge across a signer's name): the page read with its colour ink kept is the floor.
        kept_page = kept if kept is not None else display.convert("L")
        alternatives.append(("colour ink kept", _for_recognition(kept_page, analysis, dpi, [])[0]))
    return Prepared(display, recognition, dpi, recognition_dpi, analysis, steps, facts, alternatives, leaders)


def _for_recognition(
    gray: Image.Image, analysis: Analysis, dpi: int, steps: list[str]
) -> tuple[Image.Image, int, list[Box]]:
    """The upright grey page made legible for tesseract: borders whitened, contrast stretched,
    small letters upsampled, specks removed on a noisy page (counted first: a clean page is left
    alone). Returns the image, its DPI and where its dot leaders run."""
    paper = analysis.paper
    recognition = gray
    if analysis.dark_border:
        recognition = _whiten_border(recognition, analysis.dark_border, analysis.rotation, paper)
        steps.append("border cleanup")
    recognition = _stretched(recognition, CONTRAST_CUTOFF)
    scale = _legible_scale(analysis, dpi)
    recognition_dpi = dpi
    if scale > 1.05:
        size = (round(recognition.width * scale), round(recognition.height * scale))
        # Pillow's Lanczos: OpenCV's bicubic (8x faster) or Lanczos4 moved low-resolution shares'
        # CER by 0.3-2.3 points either way on real pages; this is what the tuning was done with.
        recognition = recognition.resize(size, Image.LANCZOS)
        recognition_dpi = round(dpi * scale)
        steps.append(f"upsample x{scale:.2f}")
    cleaned, specks, leaders = clean_page(
        recognition, recognition_dpi, at_least=SPECK_GATE, x_height=_x_height(analysis, dpi, recognition_dpi)
    )
    if specks:
        steps.append(f"despeckle ({specks})")
    return cleaned, recognition_dpi, leaders


def _x_height(analysis: Analysis, dpi: int, recognition_dpi: int) -> float:
    """The x-height in pixels of the page enlarged for recognition."""
    return (analysis.x_height or X_HEIGHT * dpi / RECOGNITION_DPI) * recognition_dpi / dpi


def _legible_scale(analysis: Analysis, dpi: int) -> float:
    """How much the page is enlarged for its letters to be read (1.0: as it is)."""
    scale = 1.0
    if analysis.x_height:
        if analysis.x_height < MIN_X_HEIGHT:
            scale = X_HEIGHT / analysis.x_height
    elif dpi < RECOGNITION_DPI:
        scale = RECOGNITION_DPI / dpi
    return min(scale, MAX_UPSAMPLE, max(1.0, MAX_UPSAMPLED_DPI / dpi))


def _card(image: Image.Image, quad: np.ndarray | None) -> Image.Image | None:
    """The photo's ID card squared up, when ``quad`` outlines one: card-shaped, its text running along
    its long side (a portrait page in perspective can have a card's proportions, not that), and with
    text lines of a card's size (a landscape legal-size page has neither its large print). Which way
    up it is, is left to its reading (see ``_confirm_orientation``)."""
    if quad is None:  # find_card judged its shape: a card's, or one the frame cuts off
        return None
    display = image.convert("RGB") if image.mode not in ("L", "RGB") else image
    card = geometry.square_card(display, quad)
    measured = line_measure(card)
    if measured is None or measured[1]:
        return None  # no lines, or lines across the short side: a portrait page in perspective
    height = measured[0] / card.height
    if not geometry.CARD_LINE_SHARE <= height <= geometry.CARD_LINE_MAX_SHARE:
        return None
    # Tesseract's lines can run along a page on its side, squashed to a card's shape; the direction of
    # the ink's lines cannot: a card's run along its long side, never across.
    if analyse(card.convert("L"), geometry.CARD_DPI).rotation in (90, 270):
        return None
    return card


def _resolution_from_text(gray: Image.Image, fallback: int, steps: list[str], facts: dict) -> int:
    """The resolution the page's text says it has: its median line height, measured by tesseract's
    layout analysis, taken as body text. Never from the page's shape: a legal-size scan, a crop or a
    card share proportions that say nothing of the letters."""
    height = line_height(gray)
    if height is None:
        steps.append(f"resolution unknown: {fallback} DPI assumed")
        facts["resolution"] = {"dpi": fallback, "from": "assumed"}
        return fallback
    dpi = int(min(max(height / TEXT_LINE_INCHES, MEASURED_DPI[0]), MEASURED_DPI[1]))
    steps.append(f"resolution {dpi} DPI from the text (lines {height:.0f} px high)")
    facts["resolution"] = {"dpi": dpi, "from": "text", "line_px": round(height)}
    return dpi


def _confirm_orientation(
    gray: Image.Image, analysis: Analysis, dpi: int, steps: list[str], facts: dict
) -> None:
    """Turn the page only on evidence from its letters. The ink profile decides alone when it is sure
    the page is upright; any turn it proposes, and any doubt, goes to tesseract's OSD, which reads the
    letters' shapes (a card's background pattern or a table's rules fool an ink profile, not OSD).
    Without a reliable OSD answer the page is turned only a quarter (line direction is clear from the
    ink) or, upside down, only when the ink is sure.

    A squared card is read as it lies, its long side across: its reading says whether it is upside
    down (its template's labels read, or the card read again turned), which costs an upright card
    nothing where OSD cost a third of its reading."""
    if facts.get("card"):
        if analysis.rotation % 180:
            analysis.skew = 0.0  # measured across the lines: a squared card's run along its long side
        analysis.rotation = 0  # a card's printed background votes in the ink profile
        analysis.orientation_confidence = 0.0
        facts["orientation"] = {"rotation": 0, "from": "reading"}
        return
    if analysis.rotation == 0 and analysis.orientation_confidence >= INK_ORIENTATION_SURE:
        facts["orientation"] = {"rotation": 0, "from": "ink"}
        return
    # A page is asked at the scale its letters are read at.
    found = orientation(gray, _legible_scale(analysis, dpi))
    if found is not None and found[1] >= OSD_RELIABLE:
        if found[0] != analysis.rotation:
            steps.append(f"orientation {found[0]} by OSD (ink said {analysis.rotation})")
            if (found[0] - analysis.rotation) % 180:
                analysis.skew = 0.0  # measured along the other axis
        analysis.rotation = found[0]
        analysis.orientation_confidence = max(analysis.orientation_confidence, found[1])
        facts["orientation"] = {"rotation": found[0], "from": "osd", "confidence": round(found[1], 1)}
        return
    if analysis.rotation in (180, 270) and analysis.orientation_confidence < INK_ORIENTATION_SURE:
        analysis.rotation -= 180  # the ink's up/down vote is too thin to act on
        analysis.orientation_confidence = 0.0
    facts["orientation"] = {"rotation": analysis.rotation, "from": "ink"}


def _whiten_border(gray: Image.Image, border: dict[str, int], rotation: int, paper: int) -> Image.Image:
    # Border sides were measured before rotation; map them to the rotated page.
    turn = {0: {}, 90: {"top": "left", "left": "bottom", "bottom": "right", "right": "top"},
            180: {"top": "bottom", "bottom": "top", "left": "right", "right": "left"},
            270: {"top": "right", "right": "bottom", "bottom": "left", "left": "top"}}[rotation]  # fmt: skip
    pixels = np.asarray(gray).copy()
    for side, px in border.items():
        side = turn.get(side, side)
        if side == "top":
            pixels[:px] = paper
        elif side == "bottom":
            pixels[-px:] = paper
        elif side == "left":
            pixels[:, :px] = paper
        else:
            pixels[:, -px:] = paper
    return Image.fromarray(pixels, "L")


def remove_specks(gray: Image.Image, dpi: int, at_least: int = 0) -> tuple[Image.Image, int]:
    """The page without dust, toner specks and paper noise, and how many specks it had (see
    ``clean_page``; dot leaders stay)."""
    cleaned, specks, _ = clean_page(gray, dpi, at_least=at_least, x_height=None)
    return cleaned, specks


def clean_page(
    gray: Image.Image, dpi: int, *, at_least: int, x_height: float | None
) -> tuple[Image.Image, int, list[Box]]:
    """The page without dust, toner specks and paper noise, how many specks it had, and where its
    dot leaders run (``x_height`` given). One pass over the page's marks serves both.

    Tiny components go; small ones go only when no letter is within reach, so tone marks, dots
    below and periods stay. A page that cannot have ``at_least`` specks (fewer small marks than that
    in all) comes back as it is, with a count of 0: on clean pages this skips most of the work.
    Dot leaders ("Họ và tên: ..........") stay on the page: erasing them changes how tesseract lays
    out the whole page (a table's columns read differently); their lines are read again without them
    (ocr.document), as tesseract reads a run of dots as "cQQQnQQnn" and takes the line down with it.
    """
    scale = dpi / 300
    ink = _ink(gray)
    count, labels, stats = geometry.components(ink)
    areas = stats[:, cv2.CC_STAT_AREA]
    tiny = areas <= SPECK_ALWAYS * scale**2
    small = areas <= SPECK_ISOLATED * scale**2
    tiny[0] = small[0] = False  # label 0 is the background
    leaders = _leaders(ink, stats, x_height) if x_height else []
    if int(small.sum()) < at_least:
        return gray, 0, leaders
    letters = ((~small)[labels] & (ink > 0)).astype(np.uint8)
    reach = max(1, round(SPECK_REACH * scale))
    near = cv2.dilate(letters, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2))
    touching = np.zeros(count, bool)
    touching[np.unique(labels[(near > 0) & small[labels]])] = True
    speck = tiny | (small & ~touching)
    if int(speck.sum()) < at_least:
        return gray, 0, leaders
    ink[speck[labels]] = 0
    # Ink and a 1-px rim keep their grey levels; paper, its noise and the specks turn white.
    # Tesseract binarizes better than one global threshold here: the anti-aliased edges of tone
    # marks and punctuation survive (heavy pages: CER 0.29% at 360 DPI; binarized at 400, 0.40%).
    rim = cv2.dilate(ink, np.ones((3, 3), np.uint8)) > 0
    page = np.where(rim, np.asarray(gray), 255).astype(np.uint8)
    return Image.fromarray(page), int(speck.sum()), leaders


def _ink(gray: Image.Image) -> np.ndarray:
    """The page's ink (255) on paper (0), as its specks and dot leaders are told on."""
    pixels = cv2.GaussianBlur(np.asarray(gray), (3, 3), 0)
    _, ink = cv2.threshold(pixels, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    if np.count_nonzero(ink) > 0.2 * ink.size:
        # Text never covers a fifth of a page: Otsu split the paper's own noise (a nearly empty
        # page). Ink is then what lies well below the paper, halfway to the darkest marks.
        paper, darkest = np.percentile(pixels, (50, 0.05))
        ink = np.where(pixels < (paper + darkest) / 2, 255, 0).astype(np.uint8)
    return ink


def turned_over(prepared: Prepared) -> Prepared:
    """The prepared page the other way up (a squared card its reading found upside down): its images
    turned, its dot leaders found again (a leader's dot is told by the clear space above it)."""
    analysis = replace(prepared.analysis, rotation=(prepared.analysis.rotation + 180) % 360)
    recognition = prepared.recognition.rotate(180)
    ink = _ink(recognition)
    leaders = _leaders(
        ink, geometry.components(ink)[2], _x_height(analysis, prepared.display_dpi, prepared.recognition_dpi)
    )
    return replace(
        prepared,
        display=prepared.display.rotate(180),
        recognition=recognition,
        analysis=analysis,
        steps=[*prepared.steps, "rotate 180: the card reads upside down"],
        alternatives=[(label, image.rotate(180)) for label, image in prepared.alternatives],
        leaders=leaders,
    )


# A dot leader's dot: at most this share of the x-height each way, about as wide as high; a run of
# at least LEADER_DOTS of them along one baseline, evenly spaced (each step within LEADER_PITCH of
# the run's median), with no ink above them (a row of dots below letters, "ạ ộ ụ", has letters).
LEADER_DOT = 0.45
LEADER_DOTS = 6
LEADER_PITCH = (0.5, 1.8)
LEADER_GAP = 1.2  # x-heights between two dots of one run, at most
LEADER_CLEAR = 0.7  # x-heights above a dot that hold no ink


def _leaders(ink: np.ndarray, stats: np.ndarray, x_height: float) -> list[Box]:
    """Where the page's dot leaders (a form's fill lines) run: one box per run of dots."""
    found: list[Box] = []
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    limit = max(2.0, LEADER_DOT * x_height)
    dots = (
        (width <= limit) & (height <= limit)
        & (np.maximum(width, height) <= 2.5 * np.minimum(width, height))
        & (stats[:, cv2.CC_STAT_AREA] >= 0.3 * width * height)
    )  # fmt: skip
    dots[0] = False
    reach = max(2, round(LEADER_CLEAR * x_height))
    index = np.nonzero(dots)[0]
    if index.size < LEADER_DOTS:
        return found
    centre_y = top[index] + height[index] / 2
    tolerance = max(2.0, 0.2 * x_height)
    index = index[np.argsort(centre_y, kind="stable")]
    centre_y = np.sort(centre_y, kind="stable")
    # Rows of dots: a new row where the centre jumps; then runs along each row, broken at gaps.
    breaks = np.nonzero(np.diff(centre_y) > tolerance)[0] + 1
    for row in np.split(index, breaks):
        if row.size < LEADER_DOTS:
            continue
        row = row[np.argsort(left[row], kind="stable")]
        gaps = left[row][1:] - (left[row] + width[row])[:-1]
        for run in np.split(row, np.nonzero(gaps > LEADER_GAP * x_height)[0] + 1):
            if run.size < LEADER_DOTS:
                continue
            pitch = np.diff(left[run])
            typical = float(np.median(pitch))
            # Evenly spaced: the run is cut where a step is not (an i's dot or a tone mark before it).
            uneven = (pitch < LEADER_PITCH[0] * typical) | (pitch > LEADER_PITCH[1] * typical)
            for even in np.split(run, np.nonzero(uneven)[0] + 1):
                if even.size < LEADER_DOTS:
                    continue
                # Nothing above a leader's dot within LEADER_CLEAR x-heights: the run is cut at any
                # dot with ink over it (a dot below a letter). Looked at for the dots of runs only
                # (an integral image of the whole page cost more than finding the runs).
                covered = [
                    ink[max(0, top[i] - reach) : max(0, top[i] - 1), left[i] : left[i] + width[i]].any()
                    for i in even
                ]
                for k, piece in enumerate(np.split(even, np.nonzero(covered)[0])):
                    clear = piece[1:] if k else piece  # each piece after the first starts at a covered dot
                    if clear.size >= LEADER_DOTS:
                        found.append(_box_of(stats[clear]))
    return found


def _box_of(stats: np.ndarray) -> Box:
    """The box round these components (rows of connectedComponentsWithStats)."""
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    right, bottom = left + stats[:, cv2.CC_STAT_WIDTH], top + stats[:, cv2.CC_STAT_HEIGHT]
    return int(left.min()), int(top.min()), int(right.max()), int(bottom.max())
