"""What records staff really scan, made from a clean page: a red seal and a blue signature over the
text, a phone photo, a 1-bit photocopy, a typewritten record, a low-resolution JPEG.

For the benchmarks and tests only: each function takes a clean page (``render.render_page``) and a
``random.Random``, so a seed gives the same page every time, and leaves the text where it was so the
page's ground truth stays the rendered text.
"""

from __future__ import annotations

import io
import math

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ocr.render import A4_MM, Line, _add_noise, _font, layout, speckle

SEAL_RED = (200, 32, 42)
SIGNATURE_BLUE = (30, 50, 170)


def _multiply(page: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """Ink laid over what is printed: each channel darkens by the ink's own filter (subtractive)."""
    ink = np.asarray(colour, np.float32) / 255.0
    alpha = mask.astype(np.float32)[..., None]
    return page * (1 - alpha + alpha * ink)


def seal_stamp(dpi: int, rng, text: str = "ỦY BAN NHÂN DÂN * PHƯỜNG NGỌC LÂM *") -> np.ndarray:
    """The coverage (0-1) of a round red agency seal about 36 mm across: two rings, the agency's
    name around, a star in the middle, ink uneven as a rubber stamp leaves it."""
    size = round(rng.uniform(34, 40) / 25.4 * dpi)
    canvas = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(canvas)
    ring = max(2, size // 45)
    draw.ellipse((ring, ring, size - ring, size - ring), outline=255, width=2 * ring)
    inner = size // 5
    draw.ellipse((inner, inner, size - inner, size - inner), outline=255, width=ring)
    font = _font("bold", max(10, size // 11), "sans")
    letters = list(text)
    radius = size / 2 - ring * 2 - size // 14
    for i, ch in enumerate(letters):
        angle = -math.pi / 2 + 2 * math.pi * i / len(letters)
        glyph = Image.new("L", (size // 8, size // 8), 0)
        ImageDraw.Draw(glyph).text((size // 32, 0), ch, fill=255, font=font)
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.BICUBIC)
        x = size / 2 + radius * math.cos(angle) - glyph.width / 2
        y = size / 2 + radius * math.sin(angle) - glyph.height / 2
        canvas.paste(255, (round(x), round(y)), glyph)
    c, r = size / 2, size / 9
    star = [
        (c + (r if k % 2 == 0 else r / 2.5) * math.cos(-math.pi / 2 + k * math.pi / 5),
         c + (r if k % 2 == 0 else r / 2.5) * math.sin(-math.pi / 2 + k * math.pi / 5))
        for k in range(10)
    ]  # fmt: skip
    draw.polygon(star, fill=255)
    coverage = np.asarray(canvas, np.float32) / 255.0
    generator = np.random.default_rng(rng.randrange(2**32))
    # A rubber stamp inks unevenly: patchy strength, lighter on one side.
    patches = cv2.GaussianBlur(
        generator.uniform(0.75, 1.0, (size, size)).astype(np.float32), (0, 0), size / 25
    )
    tilt = np.linspace(rng.uniform(0.7, 1.0), 1.0, size, dtype=np.float32)[None, :]
    return np.clip(coverage * patches * tilt * rng.uniform(0.85, 1.0), 0, 1)


def signature(width: int, height: int, rng) -> np.ndarray:
    """A pen signature's coverage: a few looping strokes across ``width`` x ``height`` pixels."""
    canvas = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    stroke = max(2, height // 28)
    for _ in range(rng.randint(2, 3)):
        points = []
        x, phase = rng.uniform(0, width * 0.2), rng.uniform(0, math.pi)
        amplitude, frequency = rng.uniform(0.2, 0.4) * height, rng.uniform(2.5, 5) / width * 2 * math.pi
        y0 = rng.uniform(0.35, 0.65) * height
        while x < width * rng.uniform(0.75, 1.0):
            points.append(
                (
                    x + amplitude * 0.4 * math.cos(x * frequency * 1.7),
                    y0 + amplitude * math.sin(x * frequency + phase),
                )
            )
            x += width / 160
        draw.line(points, fill=255, width=stroke, joint="curve")
    return np.asarray(canvas.filter(ImageFilter.GaussianBlur(0.8)), np.float32) / 255.0


def sealed(page: Image.Image, rng, lines_covered: bool = True) -> Image.Image:
    """A colour scan of a result the agency signed and sealed: the red seal sits over the signer's
    lines and part of the body, a blue signature runs across text, as they do on real results."""
    dpi = page.info.get("dpi", (300, 300))[0]
    rgb = np.asarray(page.convert("RGB"), np.float32)
    h, w = rgb.shape[:2]
    seal = seal_stamp(dpi, rng)
    s = seal.shape[0]
    # Over the body's lower lines, left of centre to right (where the signer's block is).
    top = round(rng.uniform(0.35, 0.65) * (h - s)) if lines_covered else round(0.8 * (h - s))
    left = round(rng.uniform(0.35, 0.65) * (w - s))
    mask = np.zeros((h, w), np.float32)
    mask[top : top + s, left : left + s] = seal
    rgb = _multiply(rgb, mask, SEAL_RED)
    sw, sh = round(w * rng.uniform(0.25, 0.4)), round(h * rng.uniform(0.05, 0.08))
    sx, sy = round(rng.uniform(0.1, 0.55) * w), min(h - sh, top + s // 2 + round(rng.uniform(-0.2, 0.2) * s))
    mask = np.zeros((h, w), np.float32)
    mask[sy : sy + sh, sx : sx + sw] = signature(sw, sh, rng) * rng.uniform(0.75, 0.95)
    rgb = _multiply(rgb, mask, SIGNATURE_BLUE)
    generator = np.random.default_rng(rng.randrange(2**32))
    rgb = rgb * np.asarray((0.97, 0.96, 0.93), np.float32) + generator.normal(0, 6, rgb.shape)  # paper tone
    out = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB").filter(ImageFilter.GaussianBlur(0.5))
    out.info["dpi"] = (dpi, dpi)
    return out


def phone_photo(page: Image.Image, rng, megapixels: float = 8.0) -> Image.Image:
    """A page photographed on a desk with a phone: perspective, uneven light, a shadow across the
    page, colour cast, JPEG, and the 72 DPI phones write into EXIF."""
    rgb = np.asarray(page.convert("RGB"), np.float32)
    h, w = rgb.shape[:2]
    out_h = round(math.sqrt(megapixels * 1e6 * 4 / 3))
    out_w = round(out_h * 3 / 4)
    # The page fills 75-90% of the frame's height, its corners pulled about by the tilt of the phone.
    scale = rng.uniform(0.75, 0.9) * out_h / h
    pw, ph = w * scale, h * scale
    x0, y0 = (out_w - pw) / 2, (out_h - ph) / 2
    jitter = 0.05 * pw

    def j() -> float:
        return rng.uniform(-jitter, jitter)

    target = np.float32(
        [
            [x0 + j(), y0 + j()],
            [x0 + pw + j(), y0 + j()],
            [x0 + pw + j(), y0 + ph + j()],
            [x0 + j(), y0 + ph + j()],
        ]
    )
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(source, target)
    desk = np.asarray((rng.uniform(60, 110), rng.uniform(50, 90), rng.uniform(40, 70)), np.float32)
    warped = cv2.warpPerspective(rgb, matrix, (out_w, out_h), flags=cv2.INTER_AREA, borderValue=desk.tolist())
    yy, xx = np.mgrid[0:out_h, 0:out_w].astype(np.float32)
    # Light falls off across the frame, and a hand's or the phone's shadow crosses the page.
    light = 1.0 - rng.uniform(0.1, 0.25) * (xx / out_w * rng.choice((1, -1)) % 1.0)
    angle = rng.uniform(0, math.pi)
    distance = (xx - out_w / 2) * math.cos(angle) + (yy - out_h / 2) * math.sin(angle)
    edge = rng.uniform(-0.25, 0.25) * out_w
    shadow = 1.0 - rng.uniform(0.3, 0.45) / (1.0 + np.exp(-(distance - edge) / (0.02 * out_w)))
    tint = np.asarray((1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 0.95)), np.float32)
    lit = warped * (light * shadow)[..., None] * tint
    generator = np.random.default_rng(rng.randrange(2**32))
    lit = cv2.GaussianBlur(lit, (0, 0), rng.uniform(0.6, 1.1)) + generator.normal(0, 4, lit.shape)
    photo = Image.fromarray(np.clip(lit, 0, 255).astype(np.uint8), "RGB")
    data = io.BytesIO()
    photo.save(data, "JPEG", quality=rng.randint(70, 85), dpi=(72, 72))
    data.seek(0)
    return Image.open(data)


def photocopy(page: Image.Image, rng) -> Image.Image:
    """A photocopy scanned 1-bit (TIFF G4): strokes thickened by toner, the lid's black borders,
    toner dust and streaks."""
    dpi = page.info.get("dpi", (300, 300))[0]
    gray = page.convert("L").rotate(rng.uniform(-1.5, 1.5), resample=Image.BICUBIC, fillcolor=255)
    gray = gray.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.0)))
    pixels = np.asarray(gray, np.float32)
    h, w = pixels.shape
    generator = np.random.default_rng(rng.randrange(2**32))
    # Toner density varies across the sheet: one threshold on a wavy page thickens and thins strokes.
    wave = cv2.GaussianBlur(generator.normal(0, 1, (h // 50 + 1, w // 50 + 1)).astype(np.float32), (0, 0), 2)
    threshold = rng.uniform(150, 190) + 25 * cv2.resize(wave / (np.abs(wave).max() + 1e-6), (w, h))
    ink = pixels < threshold
    # The lid's black borders, uneven: a band along one or two sides.
    for side in rng.sample(("top", "bottom", "left", "right"), rng.randint(1, 2)):
        depth = round(rng.uniform(4, 12) / 25.4 * dpi)
        ragged = (depth + np.cumsum(generator.integers(-2, 3, max(h, w)))).clip(depth // 2, depth * 2)
        for i in range(w if side in ("top", "bottom") else h):
            r = ragged[i]
            if side == "top":
                ink[:r, i] = True
            elif side == "bottom":
                ink[h - r :, i] = True
            elif side == "left":
                ink[i, :r] = True
            else:
                ink[i, w - r :] = True
    dusty = np.asarray(speckle(Image.fromarray(np.where(ink, 0, 255).astype(np.uint8)), rng, 0.0015)) < 128
    out = Image.fromarray(np.where(dusty, 0, 255).astype(np.uint8)).convert("1", dither=Image.NONE)
    data = io.BytesIO()
    out.save(data, "TIFF", compression="group4", dpi=(dpi, dpi))
    data.seek(0)
    return Image.open(data)


def typewritten(lines: list[Line], rng, dpi: int = 300, family: str = "mono") -> Image.Image:
    """A typewritten record: monospace letters struck one by one, each with its own ink (faint, full
    or filled in), a little off its line; then scanned."""
    px_per_mm = dpi / 25.4
    size = (round(A4_MM[0] * px_per_mm), round(A4_MM[1] * px_per_mm))
    page = np.full((size[1], size[0]), 255.0, np.float32)
    for line, text, x, y in layout(
        [Line(ln.text, ln.align, "regular", 12, ln.space_before, family) for ln in lines], dpi
    ):
        font = _font("regular", round(line.size / 72 * dpi), family)
        advance = font.getlength("M")
        ribbon = rng.uniform(0.7, 1.0)  # the ribbon wears along a line
        for i, ch in enumerate(text):
            if ch == " ":
                continue
            # Room above the ascender: stacked tone marks (ế, ầ) rise past it.
            lift = round(line.size / 72 * dpi * 0.5)
            glyph = Image.new("L", (round(advance * 2), round(line.size / 72 * dpi * 1.8) + lift), 0)
            ImageDraw.Draw(glyph).text((round(advance / 2), lift), ch, fill=255, font=font)
            coverage = np.asarray(glyph, np.float32) / 255.0
            strike = ribbon * rng.uniform(0.55, 1.0)
            if rng.random() < 0.15:  # a heavy strike: the letter fills in
                coverage = cv2.dilate(coverage, np.ones((2, 2), np.uint8))
            gx = round(x + i * advance - advance / 2)
            gy = round(y - lift + rng.uniform(-1.5, 1.5) * dpi / 300)
            gh, gw = coverage.shape
            region = page[gy : gy + gh, gx : gx + gw]
            region *= 1 - coverage[: region.shape[0], : region.shape[1]] * strike
    image = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8), "L").filter(ImageFilter.GaussianBlur(0.7))
    image = image.point(lambda v: 40 + v * 200 // 255).rotate(
        rng.uniform(-1, 1), resample=Image.BICUBIC, fillcolor=240
    )
    image = _add_noise(image, rng, 8.0)
    image.info["dpi"] = (dpi, dpi)
    return image


def low_res_jpeg(page: Image.Image, rng, dpi: int | None = None) -> Image.Image:
    """A page scanned at 120-150 DPI and saved as a strongly compressed JPEG (what e-mail brings)."""
    source_dpi = page.info.get("dpi", (300, 300))[0]
    dpi = dpi or rng.choice((120, 150))
    scale = dpi / source_dpi
    small = page.convert("L").resize((round(page.width * scale), round(page.height * scale)), Image.LANCZOS)
    small = _add_noise(small.point(lambda v: 20 + v * 220 // 255), rng, 5.0)
    data = io.BytesIO()
    small.save(data, "JPEG", quality=rng.randint(35, 55), dpi=(dpi, dpi))
    data.seek(0)
    return Image.open(data)
