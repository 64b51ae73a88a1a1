"""Phone photos: the page found on the desk and squared up, its light made even. (Its resolution is
measured from its text: ``ocr.preprocess``.)

A photo of a page is a quadrilateral of paper on a darker desk, lit unevenly, with a shadow across
it; its EXIF says 72 DPI whatever the phone's sensor. Tesseract wants an upright rectangle of evenly
lit paper at a known scale. Each step here runs only when the image needs it, decided on a small copy
(long side ANALYSIS_PX), so flatbed scans pass through at the cost of one reduction.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterator
from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image

ANALYSIS_PX = 1000
# A page is what covers this much of the frame and leaves a desk round it (else the scan is the page).
PAGE_MIN_AREA, PAGE_MAX_AREA = 0.2, 0.93
# Paper's brightness varying by more than this (grey levels, after text is closed over) is shadow
# or falling light: the page is flattened.
UNEVEN_LIGHT = 28


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """The 8-connected components of a mask (non-zero is ink): their count, a label image and their
    stats (OpenCV's). 16-bit labels where the page has fewer than 65535 marks: OpenCV's statistics
    pass is three times cheaper on them (0.1 s of a page's 1.5), same labels and stats; a page of
    more marks (noise) takes 32-bit labels."""
    mask = mask if mask.dtype == np.uint8 else mask.astype(np.uint8)
    try:
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8, ltype=cv2.CV_16U)
    except cv2.error:  # more labels than 16 bits hold
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8, ltype=cv2.CV_32S)
    return count, labels, stats


_LAST_SMALL: list = [None, None]  # weak reference to the last page asked for, and its small copy


def _small(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """The page at ANALYSIS_PX on its long side. The page, its card and its light are looked for on
    the same array one after another: it is reduced once (kept while that array lives)."""
    if _LAST_SMALL[0] is not None and _LAST_SMALL[0]() is gray:
        return _LAST_SMALL[1]
    scale = ANALYSIS_PX / max(gray.shape)
    small = (gray, 1.0) if scale >= 1 else (
        cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale
    )  # fmt: skip
    _LAST_SMALL[:] = [weakref.ref(gray), small]
    return small


def _order(points: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    s, d = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.float32(
        [points[np.argmin(s)], points[np.argmin(d)], points[np.argmax(s)], points[np.argmax(d)]]
    )


def find_page(gray: np.ndarray) -> np.ndarray | None:
    """The four corners of a sheet of paper lying on a darker background, or None when the image
    is the page itself (a scan) or no clear quadrilateral is there."""
    small, scale = _small(gray)
    h, w = small.shape
    blurred = cv2.GaussianBlur(small, (5, 5), 0)
    # The desk shows all round the frame: an image with a side as bright as paper is a scan (a
    # photocopy's lid leaves black along one or two sides only).
    threshold, _ = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    sides = (blurred[:4], blurred[-4:], blurred[:, :4], blurred[:, -4:])
    if any(np.median(side) >= threshold for side in sides):
        return None
    # The sheet's outline is the strongest edge in the photo; a shadow's edge is soft and a threshold
    # would cut the page along it. Text edges lie inside the outline and are not looked at.
    edges = cv2.dilate(cv2.Canny(blurred, 40, 120), np.ones((3, 3), np.uint8), iterations=2)
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    sheet = max(contours, key=lambda c: cv2.contourArea(cv2.convexHull(c)))
    area = cv2.contourArea(cv2.convexHull(sheet)) / (w * h)
    if not PAGE_MIN_AREA <= area <= PAGE_MAX_AREA:
        return None
    hull = cv2.convexHull(sheet)
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    if len(quad) != 4:
        # A corner out of the frame, or a curled page: the hull's minimum-area rectangle instead.
        quad = cv2.boxPoints(cv2.minAreaRect(hull))
    quad = _order(np.asarray(quad, np.float32).reshape(4, 2))
    if cv2.contourArea(quad) < 0.8 * cv2.contourArea(hull):
        return None
    return quad / scale


def square_up(image: Image.Image, quad: np.ndarray) -> Image.Image:
    """The page inside ``quad``, as a rectangle of the size its sides measure."""
    tl, tr, br, bl = quad
    width = round(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = round(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    matrix = cv2.getPerspectiveTransform(np.float32(quad), target)
    pixels = np.asarray(image)
    out = cv2.warpPerspective(
        pixels, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return Image.fromarray(out, image.mode)


class Light(NamedTuple):
    background: np.ndarray  # the paper's brightness at full size
    fold: bool  # a fold's crease is in it


def light_background(
    gray: Image.Image, pixels: np.ndarray | None = None, creases: bool = True
) -> Light | None:
    """The paper's brightness across the page (shadows, falling light, a fold's crease), or None when
    the light is already even. ``pixels``: the page's array when the caller has it already;
    ``creases``: look for a fold's crease too (a page's; a card is never folded)."""
    pixels = np.asarray(gray) if pixels is None else pixels
    small, _ = _small(pixels)
    # Paper brightness: text closed over with a window wider than any stroke, then smoothed.
    window = max(9, round(0.025 * max(small.shape)) | 1)
    background = cv2.morphologyEx(
        small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (window, window))
    )
    background = cv2.GaussianBlur(cv2.medianBlur(background, 5), (0, 0), window / 2)
    inner = background[
        small.shape[0] // 20 : -small.shape[0] // 20 or None,
        small.shape[1] // 20 : -small.shape[1] // 20 or None,
    ]
    low, high = np.percentile(inner, (2, 98))
    even = high - low < UNEVEN_LIGHT
    fold = _creases(small, background) if creases else None
    if fold is not None:
        # Under even light only the fold is flattened: the page's closed-over dense blocks (a seal and
        # its signature) stay as they are.
        background = fold if even else np.minimum(background, fold)
    elif even:
        return None
    full = cv2.resize(background, (pixels.shape[1], pixels.shape[0]), interpolation=cv2.INTER_LINEAR)
    return Light(full, fold is not None)


# A fold's crease darker than the paper round it by this much (grey levels, as measured here) is
# flattened out: tesseract takes a dark band down a page for a column gap and cuts every line at it
# (drawn over real pages: measured 73 and more cut lines; 48, paper still far above ink, did not, and
# is left as it is). Real pages without a fold measure 0-2.
CREASE_DEPTH = 60
# A crease runs straight across the page: closed over along lines this share of the page long (no
# letter, seal or photo is as tall or as wide), then widened by this share so that a table's rule or
# a frame's line, thinner, is not taken for one.
CREASE_LENGTH = 0.25
CREASE_WIDTH = 0.004


def _creases(small: np.ndarray, paper: np.ndarray) -> np.ndarray | None:
    """The paper's brightness along the page's folds, down it and across it, or None without one."""
    height, width = small.shape
    found = None
    for along, across in (
        ((1, round(CREASE_LENGTH * height)), (round(CREASE_WIDTH * width) | 1, 1)),  # down the page
        ((round(CREASE_LENGTH * width), 1), (1, round(CREASE_WIDTH * height) | 1)),  # across it
    ):
        band = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, along))
        band = cv2.dilate(band, cv2.getStructuringElement(cv2.MORPH_RECT, across))
        band = cv2.GaussianBlur(band, (0, 0), 1)
        if np.percentile(paper.astype(np.int16) - band, 99.5) >= CREASE_DEPTH:
            found = band if found is None else np.minimum(found, band)
    return found


FLAT_PAPER = 235.0  # the paper's grey once the light is divided out


def flattened(gray: Image.Image, background: np.ndarray) -> Image.Image:
    """The page with its paper made evenly white: its light (``light_background``) divided out."""
    flat = np.asarray(gray).astype(np.float32) * (FLAT_PAPER / np.maximum(background.astype(np.float32), 1.0))
    return Image.fromarray(np.clip(flat, 0, 255).astype(np.uint8), "L")


# A reflection (a lamp on a card's laminate, a flash) is light added to the page, not shadow taken
# away: where the paper is this much brighter (grey levels) than the plane the rest of its light lies
# in (even, or falling from one side), its ink was washed out as much as its paper was, and is
# darkened back by the same factor, up to MAX_LIFT.
GLARE_MIN = 20
GLARE_AREA = 0.03  # of the page: a spot smaller is a card's own white box, not a lamp
MAX_LIFT = 4.0


def glare_lift(background: np.ndarray) -> np.ndarray | None:
    """How much darker the ink under a reflection must be made (a factor at each pixel, 1 elsewhere),
    or None without one. ``background``: the page's light with its colour ink kept (a red emblem
    dropped to paper is no reflection). Dividing by the light restores the paper, not the ink: the
    letters under a reflection stay a fifth as dark, and tesseract's one threshold for the page lost
    them. Added light scales darkness (255 minus grey) by one factor, paper's and ink's alike: the
    paper's against the plane of the rest of the light gives it."""
    # The light is smooth: measured on a copy of some 200 px and the factor enlarged to the page (a
    # phone photo's full-size planes would cost hundreds of megabytes).
    step = max(1, max(background.shape) // 200)
    light = background[::step, ::step].astype(np.float32)
    fit = _lit_fit(light)
    rows, columns = np.mgrid[0 : light.shape[0], 0 : light.shape[1]].astype(np.float32)
    plane = _plane_at(fit, rows, columns)
    if (light > plane + GLARE_MIN).mean() < GLARE_AREA:
        return None  # the light falls evenly or from one side (a plane): no spot brighter than it
    lift = np.clip((255.0 - plane) / np.maximum(255.0 - light, 1.0), 1.0, MAX_LIFT)
    # Only in the spot, eased in: paper a little brighter than the plane round a line of text (a
    # phone's sharpening, JPEG's ringing) is no reflection.
    share = np.clip((light - plane - GLARE_MIN / 2) / (GLARE_MIN / 2), 0.0, 1.0)
    lift = (1.0 + (lift - 1.0) * share).astype(np.float32)
    return cv2.resize(lift, (background.shape[1], background.shape[0]), interpolation=cv2.INTER_LINEAR)


def darkened(gray: Image.Image, lift: np.ndarray) -> Image.Image:
    """The flattened page with its ink darker by ``lift`` (see ``glare_lift``), its paper as it is."""
    darkness = 255.0 - np.asarray(gray, np.float32)
    paper = 255.0 - FLAT_PAPER
    lifted = np.where(darkness > paper, paper + (darkness - paper) * lift, darkness)
    return Image.fromarray(np.clip(255.0 - lifted, 0, 255).astype(np.uint8), "L")


def _lit_fit(sample: np.ndarray) -> np.ndarray:
    """A plane fitted to the paper's light (least squares), dark blocks (a photo, an emblem) and bright
    spots left out: refitted on the points within a few grey levels of it."""
    rows, columns = np.mgrid[0 : sample.shape[0], 0 : sample.shape[1]]
    design = np.column_stack([rows.ravel(), columns.ravel(), np.ones(rows.size)]).astype(np.float32)
    values = sample.ravel().astype(np.float32)
    keep = np.ones(values.size, bool)
    for _ in range(3):
        coefficients = np.linalg.lstsq(design[keep], values[keep], rcond=None)[0]
        residual = values - design @ coefficients
        keep = np.abs(residual) < max(3.0, float(np.percentile(np.abs(residual[keep]), 60)))
    return coefficients


def _plane_at(coefficients: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    return coefficients[0] * rows + coefficients[1] * columns + coefficients[2]


# An ID-1 card (CCCD, Căn cước, CMND, bank cards): 85.6 x 53.98 mm. Its size is known, so once found
# its resolution is measured by its width: the card is squared to CARD_WIDTH_PX, where a 6 pt label
# has an x-height of ~20 px, what tesseract reads best.
CARD_MM = (85.6, 53.98)
CARD_ASPECT = (1.5, 1.85)  # 1.59, stretched in perspective; A4 is 1.41 (legal 1.65: told by its lines)
# A card's outline as found can be squatter: its rounded corners cut, a slight tilt about its short
# axis with little convergence to undo (drawn cards 1.45-1.50: 5 in 60 held near upright were missed).
# Such an outline is the card only where none of a card's proportions is found: a reflection's glow
# joined to the card makes one too (larger, so it won over the card's own outline when it counted).
# An A4 page seen this long (tilted 13 degrees or more) is told apart by its lines (ocr.preprocess).
CARD_SEEN_MIN = 1.45
CARD_MIN_AREA = 0.03  # of the frame: a card further away than this is too small to read
# A card photographed close reaches within this share of the frame's edge where no desk shows; cut
# off by the frame on both sides, it looks as squat as this (a tenth of it cut off), still longer
# than an A4 page (1.414), which a scan with dark bands above and below shows whole.
CARD_REACH = 0.02
CUT_CARD_ASPECT = 1.43
# A card on a light desk (a white table, a sheet of paper) shows no darker border, and its edge is too
# faint for the strong edges: its outline is looked for among fainter ones, and kept only where what
# lies round it is not what lies inside - a scanned page's table or box has the same paper on both
# sides (0 apart on the real scans), drawn desks are 6-40 apart from the card, in lightness or tint -
# where nothing is printed round it, and where it is large enough that a card photocopied onto a page
# (two to an A4 sheet, ~7 % of it each) is not taken for it: such a page is read as a page.
LIGHT_DESK_EDGES = (10, 30)
LIGHT_DESK_MIN_AREA = 0.12
# In OpenCV's 8-bit Lab (L* x 2.55; a*, b* offset by 128):
LIGHT_DESK_APART = 5.0  # the distance in Lab between the desk's colour and the card's paper
LIGHT_DESK_PLAIN = 16.0  # the desk's lightness spread round the card, at most (its light falls off)
CARD_WIDTH_PX = 1800
CARD_DPI = round(CARD_WIDTH_PX / (CARD_MM[0] / 25.4))
# A card's text lines are 3-7 % of its height; a legal-size page's, squared the same way, 1.5 %.
CARD_LINE_SHARE = 0.025
# ... and at most this (drawn cards' median lines 3-8.5 %): a portrait page photographed so that it
# has a card's proportions, squared as a card, lies on its side; its "lines" run down the card.
CARD_LINE_MAX_SHARE = 0.15
CARD_MARGIN = 1.015


def _clockwise(points: np.ndarray) -> np.ndarray:
    """Corners in clockwise order from the one nearest the frame's top-left: unlike sums and
    differences of coordinates (``_order``), this holds for a card lying at 45 degrees."""
    centre = points.mean(axis=0)
    ordered = points[np.argsort(np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0]))]
    return np.float32(np.roll(ordered, -int(np.argmin(ordered.sum(axis=1))), axis=0))


def _long_side_on_top(quad: np.ndarray) -> np.ndarray:
    tl, tr, br, bl = quad
    if np.linalg.norm(tr - tl) + np.linalg.norm(br - bl) < np.linalg.norm(bl - tl) + np.linalg.norm(br - tr):
        return np.float32([tr, br, bl, tl])  # a card standing on its short side: turned a quarter
    return quad


def _seen_aspect(quad: np.ndarray) -> float:
    """The quadrilateral's long-to-short side ratio as seen."""
    tl, tr, br, bl = quad
    across = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    down = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    return max(across, down) / max(1.0, min(across, down))


def card_shaped(quad: np.ndarray, frame: tuple[int, int] | None = None) -> bool:
    """A card's proportions as seen, or - a card photographed at a slant, its far side shortened -
    as they are once the perspective is undone (``frame``: the photo's size, its centre the lens's)."""
    ratio = _seen_aspect(quad)
    if CARD_ASPECT[0] <= ratio <= CARD_ASPECT[1]:
        return True
    true = true_aspect(quad, frame) if frame is not None and ratio >= FORESHORTENED_FROM else None
    return true is not None and true[0] <= CARD_TRUE_ASPECT[1] and true[1] >= CARD_TRUE_ASPECT[0]


# Seen at a slant a card looks squatter than it is (down to this), or, slanted across its short
# side, longer; undone, its proportions are an ID-1 card's 1.586 within the estimate's error, apart
# from A4's 1.414.
FORESHORTENED_FROM = 1.2
CARD_TRUE_ASPECT = (1.5, 1.7)
# A phone's lens, as a share of the frame's long side: a main camera's 24-28 mm (35 mm equivalent) is
# ~0.7, a 2x lens ~1.4.
PHONE_FOCAL = (0.6, 1.6)
FOCAL_ERROR = 1.3


def true_aspect(quad: np.ndarray, frame: tuple[int, int]) -> tuple[float, float] | None:
    """The long-to-short side ratio of the rectangle the quadrilateral ``quad`` (clockwise from top
    left) is a perspective view of, the principal point at the frame's centre (Zhang & He,
    "Whiteboard scanning and image enhancement", 2007): the least and the most it can be. The focal
    length is estimated from the quad itself; where that estimate is no phone's (a card slanted about
    one axis only leaves one vanishing point, and the estimate runs wild: 2.8 times the frame for a
    card seen at 30 degrees, which made it square), the ratio is taken over every focal length a
    phone's lens has. None when three corners are in a line."""
    centre = np.array([frame[0] / 2, frame[1] / 2])
    tl, tr, br, bl = (np.append(np.asarray(p, float) - centre, 1.0) for p in quad)
    below, right = np.dot(np.cross(tr, br), bl), np.dot(np.cross(bl, br), tr)
    if abs(below) < 1e-9 or abs(right) < 1e-9:
        return None  # three corners in a line: no quadrilateral to undo
    k2 = np.dot(np.cross(tl, br), bl) / below
    k3 = np.dot(np.cross(tl, br), tr) / right
    n2, n3 = k2 * tr - tl, k3 * bl - tl
    lens = (PHONE_FOCAL[0] * max(frame), PHONE_FOCAL[1] * max(frame))
    focal = lens
    if abs(n2[2] * n3[2]) >= 1e-9:
        f2 = -(n2[0] * n3[0] + n2[1] * n3[1]) / (n2[2] * n3[2])
        if f2 > 0 and lens[0] <= np.sqrt(f2) <= lens[1]:
            # A corner a few pixels off moves the estimate by a fifth (953 px for a true 1200: a card
            # taken for 1.46, A4's side of the line): the ratio over the estimate's error.
            f = float(np.sqrt(f2))
            focal = (max(lens[0], f / FOCAL_ERROR), min(lens[1], f * FOCAL_ERROR))
    ratios = []
    for f in focal:
        across = (n2[0] ** 2 + n2[1] ** 2) / f**2 + n2[2] ** 2
        down = (n3[0] ** 2 + n3[1] ** 2) / f**2 + n3[2] ** 2
        if across <= 0 or down <= 0:
            return None
        ratio = float(np.sqrt(across / down))
        ratios.append(max(ratio, 1 / ratio))
    return min(ratios), max(ratios)


def card_frame(width: int, height: int) -> bool:
    """A frame with a card's proportions, its long side across: a photo cropped to the card."""
    return CARD_ASPECT[0] <= width / max(1, height) <= CARD_ASPECT[1]


def find_card(gray: np.ndarray, colour: Image.Image | None = None) -> np.ndarray | None:
    """The four corners of a card-shaped quadrilateral lying on a darker desk (showing all round, or
    on two opposite sides of a card photographed close, its ends perhaps cut off by the frame), at any
    rotation and as small as CARD_MIN_AREA of the frame, or on a light desk (``colour``: the photo, to
    tell the desk's tint from the card's); None when there is none (or the image is the card)."""
    small, scale = _small(gray)
    h, w = small.shape
    blurred = cv2.GaussianBlur(small, (5, 5), 0)
    # Two views of the outline: the strongest edges (a card as light as the desk still has an edge),
    # and the card as the bright region (an edge broken by glare or a finger still leaves the region).
    edges = cv2.dilate(cv2.Canny(blurred, 40, 120), np.ones((3, 3), np.uint8), iterations=2)
    threshold, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # A card lies on a desk that shows all round the frame, or - photographed close, the card filling
    # the frame's width (or height) - above and below it (or either side) with the card spanning the
    # frame between. A scan (paper-bright all round) is not searched, so a card-shaped box or table on
    # a scanned page is never taken for a card.
    desk = [
        np.median(side) < threshold for side in (blurred[:4], blurred[-4:], blurred[:, :4], blurred[:, -4:])
    ]
    spans = None if all(desk) else 0 if desk[0] and desk[1] else 1 if desk[2] and desk[3] else -1
    if spans == -1:
        return _on_light_desk(small, blurred, colour, scale) if colour is not None else None
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    best, best_area = None, 0.0
    squat, squat_area = None, 0.0
    for mask in (edges, bright):
        for quad, area in _rectangles(mask, CARD_MIN_AREA):
            if area <= best_area:
                continue  # (a squat outline counts only while no card-shaped one is found)
            cut = False
            if spans is not None:
                # Desk on two sides only: the card reaches the frame's edge wherever no desk shows
                # there; running off both (cut by the frame), it looks squatter than a card.
                size, reach = (w, h)[spans], CARD_REACH * (w, h)[spans]
                low, high = quad[:, spans].min() <= reach, quad[:, spans].max() >= size - 1 - reach
                if (not desk[2 - 2 * spans] and not low) or (not desk[3 - 2 * spans] and not high):
                    continue
                if np.ptp(quad[:, spans]) < np.ptp(quad[:, 1 - spans]):
                    continue  # a card fills the frame along its long side; a page upright in it, not
                cut = low and high
            if card_shaped(quad, (w, h)) or (cut and CUT_CARD_ASPECT <= _seen_aspect(quad) <= CARD_ASPECT[1]):
                best, best_area = quad, area
            elif CARD_SEEN_MIN <= _seen_aspect(quad) < CARD_ASPECT[0] and area > squat_area:
                squat, squat_area = quad, area
    best = best if best is not None else squat
    if best is None and colour is not None:
        # Light sides darker than the print's threshold by chance (uneven light): a light desk too.
        return _on_light_desk(small, blurred, colour, scale)
    return None if best is None else _long_side_on_top(best / scale)


def _rectangles(mask: np.ndarray, min_area: float) -> Iterator[tuple[np.ndarray, float]]:
    """The outlines in ``mask`` that are quadrilaterals (corners clockwise from top left) covering
    ``min_area`` to 0.93 of the frame, with their areas."""
    h, w = mask.shape
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    for contour in contours:
        hull = cv2.convexHull(contour)
        area = cv2.contourArea(hull)
        if not min_area * w * h <= area <= 0.93 * w * h:
            continue
        rect = cv2.minAreaRect(hull)
        if area < 0.85 * rect[1][0] * rect[1][1]:  # not a rectangle: a hand, a bag, a shadow
            continue
        quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(quad) != 4:
            quad = cv2.boxPoints(rect)
        yield _clockwise(np.asarray(quad, np.float32).reshape(4, 2)), area


def _on_light_desk(
    small: np.ndarray, blurred: np.ndarray, colour: Image.Image, scale: float
) -> np.ndarray | None:
    """A whole card lying on a desk about as light as it is (see LIGHT_DESK_EDGES), or None."""
    h, w = small.shape
    edges = cv2.dilate(cv2.Canny(blurred, *LIGHT_DESK_EDGES), np.ones((3, 3), np.uint8), iterations=2)
    lab = None
    best, best_area = None, 0.0
    for quad, area in _rectangles(edges, LIGHT_DESK_MIN_AREA):
        if area <= best_area or not card_shaped(quad, (w, h)):
            continue
        if lab is None:  # only for a candidate: most scans have none
            rgb = np.asarray(colour.convert("RGB").resize((w, h), Image.BILINEAR, reducing_gap=2.0))
            lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
        desk, card = lab[_ring(small.shape, quad, 1.08, 1.01)], lab[_ring(small.shape, quad, 0.99, 0.92)]
        if len(desk) == 0 or len(card) == 0:
            continue
        desk, card = desk.astype(np.float32), card.astype(np.float32)
        # The paper's colour (its lightness over its light pixels: the card's print left out).
        apart = np.linalg.norm(
            [np.percentile(desk[:, 0], 80) - np.percentile(card[:, 0], 80)]
            + [np.median(desk[:, k]) - np.median(card[:, k]) for k in (1, 2)]
        )
        if desk[:, 0].std() <= LIGHT_DESK_PLAIN and apart >= LIGHT_DESK_APART:
            best, best_area = quad, area
    return None if best is None else _long_side_on_top(best / scale)


def _ring(shape: tuple[int, ...], quad: np.ndarray, outer: float, inner: float) -> np.ndarray:
    """The band between ``quad`` scaled about its centre by ``outer`` and by ``inner`` (a mask)."""
    centre = quad.mean(axis=0)
    masks = []
    for factor in (outer, inner):
        mask = np.zeros(shape[:2], np.uint8)
        cv2.fillConvexPoly(mask, np.int32(centre + (quad - centre) * factor), 1)
        masks.append(mask > 0)
    return masks[0] & ~masks[1]


def square_card(image: Image.Image, quad: np.ndarray) -> Image.Image:
    """The card inside ``quad`` as an upright-or-upside-down rectangle CARD_WIDTH_PX wide (its long
    side across; which way up is for the orientation step to say)."""
    quad = _long_side_on_top(np.float32(quad))
    # A little of the desk round it: an outline found a pixel inside the card's edge would cut the
    # last letters of a line printed to the edge.
    centre = quad.mean(axis=0)
    quad = np.float32(centre + (quad - centre) * CARD_MARGIN)
    width, height = CARD_WIDTH_PX, round(CARD_WIDTH_PX * CARD_MM[1] / CARD_MM[0])
    target = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    matrix = cv2.getPerspectiveTransform(np.float32(quad), target)
    out = cv2.warpPerspective(
        np.asarray(image), matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return Image.fromarray(out, image.mode)


# A round seal (con dấu) is 30-45 mm across; with a measured resolution a few percent off, radii of
# 12-26 mm are seals' and no letter's.
SEAL_RADIUS_MM = (12.0, 26.0)


def seals(gray: np.ndarray, dpi: int) -> list[tuple[int, int, int]]:
    """Round seals in a grey crop (centre x, centre y, radius in px): circles of a seal's size found
    by the gradient Hough transform, which needs no closed ring (a seal's ring is broken by the
    signature and the title stamped over). The ring must be near perfect (param2 of the ALT method)."""
    mm = dpi / 25.4
    low, high = round(SEAL_RADIUS_MM[0] * mm), round(SEAL_RADIUS_MM[1] * mm)
    if min(gray.shape) < 2 * low:
        return []
    circles = cv2.HoughCircles(
        cv2.GaussianBlur(gray, (0, 0), 2), cv2.HOUGH_GRADIENT_ALT, 1.5, 2 * low,
        param1=300, param2=0.6, minRadius=low, maxRadius=high,
    )  # fmt: skip
    if circles is None:
        return []
    found: list[tuple[int, int, int]] = []
    for x, y, r in sorted(circles[0].tolist(), key=lambda c: -c[2]):
        # A seal's inner ring is a circle too: the outer one, drawn first, is the seal.
        if not any(math.hypot(x - fx, y - fy) < 0.3 * fr for fx, fy, fr in found):
            found.append((round(x), round(y), round(r)))
    return found


def merged_boxes(boxes: list[tuple[int, int, int, int]], gap: float) -> list[tuple[int, int, int, int]]:
    """Boxes (left, top, right, bottom) less than ``gap`` apart joined into their bounding boxes: a
    layout cuts one seal into two picture blocks (the title's rows, the signature's)."""

    def touching(merged: list[tuple[int, int, int, int]]) -> tuple[int, int] | None:
        for i, a in enumerate(merged):
            for j in range(i + 1, len(merged)):
                b = merged[j]
                if a[0] - gap <= b[2] and b[0] - gap <= a[2] and a[1] - gap <= b[3] and b[1] - gap <= a[3]:
                    return i, j
        return None

    merged = list(boxes)
    while (pair := touching(merged)) is not None:
        b, a = merged.pop(pair[1]), merged[pair[0]]
        merged[pair[0]] = (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
    return merged


# In a grey scan a seal's ink is lighter than the print stamped with it: inside the disc, only ink
# lighter than the page's print goes when the disc's ink is this many grey levels lighter (real grey
# scans: 35-55); otherwise (a 1-bit scan, a seal as dark as the print) the whole disc.
SEAL_PRINT_CONTRAST = 30
INK_BELOW = 200  # grey levels under this are ink (the recognition image's paper is near white)


def print_level(pixels: np.ndarray) -> int:
    """The median grey level of a page's ink: its print's, text being most of the ink on a page."""
    ink = pixels[pixels < INK_BELOW]
    return int(np.median(ink)) if ink.size else 0


def erase_seal(pixels: np.ndarray, centre: tuple[int, int], radius: int, printed: int) -> None:
    """The seal's disc painted paper in ``pixels`` (grey, in place); where the seal's ink is lighter
    than the page's print (``printed``, ``print_level``), what is as dark as the print stays: the
    title and the signer's name stamped over. (In a 1-bit scan nothing tells them apart: the title's
    letters inside the disc go with it. Tried: only the ring band and the marks wholly inside - the
    letters joined to the ring lose as much, and the ring's stubs read as marks.)"""
    # The square round the disc only (a view: painted in place), not a mask of the whole page.
    x0, y0 = max(0, centre[0] - radius), max(0, centre[1] - radius)
    square = pixels[y0 : centre[1] + radius + 1, x0 : centre[0] + radius + 1]
    disc = np.zeros(square.shape, np.uint8)
    cv2.circle(disc, (centre[0] - x0, centre[1] - y0), radius, 1, -1)
    inside = disc.astype(bool)
    ink = square[inside & (square < INK_BELOW)]
    # The median: most of a disc's ink is the seal's (its rings and letters); a 1-bit scan enlarged
    # has grey rims round every stroke, the seal's as the print's, and the same median.
    if ink.size and float(np.median(ink)) >= printed + SEAL_PRINT_CONTRAST:
        inside &= square > printed
    square[inside] = 255
