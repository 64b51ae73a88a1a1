"""Render Vietnamese text as official-looking A4 pages: page images (Pillow) and born-digital PDFs (fpdf2).

Used by ``sohoa samples`` and by the benchmarks, so both exercise the same pages records staff scan:
Times-like serif 13 pt on A4, centered national motto and title, left-aligned body.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

A4_MM = (210.0, 297.0)
MARGIN_MM = (30.0, 20.0, 20.0, 20.0)  # left, top, right, bottom as in Decree 30/2020 layouts
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/freefont"),
    Path("/usr/share/fonts/truetype/noto"),
)
_FONT_FILES = {
    "regular": ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
    "bold": ("LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"),
    "italic": ("LiberationSerif-Italic.ttf", "DejaVuSerif-Italic.ttf"),
}
# Other typefaces, for benchmarks that must not measure one font only: {family: (regular, bold, italic)}.
# Liberation comes with fonts-liberation2; DejaVu with fonts-dejavu-core (present wherever fontconfig is).
FAMILIES = {
    "serif": None,  # _FONT_FILES
    "sans": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "LiberationSans-Italic.ttf"),
    "mono": ("LiberationMono-Regular.ttf", "LiberationMono-Bold.ttf", "LiberationMono-Italic.ttf"),
    "dejavu-serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf"),
    "dejavu-sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"),
    "dejavu-mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf"),
    # Monospace faces with Vietnamese, for held-out typed pages: FreeMono (fonts-freefont-ttf) is a thin
    # Courier, the look of a typewriter; Noto Sans Mono (fonts-noto-mono) a modern one.
    "free-mono": ("FreeMono.ttf", "FreeMonoBold.ttf", "FreeMonoOblique.ttf"),
    "noto-mono": ("NotoSansMono-Regular.ttf", "NotoSansMono-Bold.ttf", "NotoSansMono-Regular.ttf"),
}


@dataclass(frozen=True)
class Line:
    text: str
    align: str = "left"  # left | center | right
    weight: str = "regular"  # regular | bold | italic
    size: float = 13.0  # points
    space_before: float = 0.0  # points
    family: str = "serif"  # a key of FAMILIES


class FontMissing(RuntimeError):
    pass


@cache
def font_path(weight: str = "regular", family: str = "serif") -> Path:
    files = FAMILIES[family]
    names = _FONT_FILES[weight] if files is None else (files[("regular", "bold", "italic").index(weight)],)
    for name in names:
        for folder in _FONT_DIRS:
            if (folder / name).exists():
                return folder / name
    raise FontMissing(
        f"Không tìm thấy phông chữ có dấu tiếng Việt ({family}: {', '.join(names)}). "
        "Install Debian's fonts-liberation2 (make setup does) or fonts-dejavu-core."
    )


@cache
def _font(weight: str, px: int, family: str = "serif") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(weight, family)), px)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _wrap(text: str, fits) -> list[str]:
    # Split on single spaces so deliberate runs of spaces (form columns) survive wrapping.
    words, lines, current = text.strip().split(" "), [], ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and not fits(candidate):
            lines.append(current)
            current = word
        else:
            current = candidate
    if current or not lines:
        lines.append(current)
    return lines


def layout(lines: list[Line], dpi: int) -> list[tuple[Line, str, int, int]]:
    """Wrap lines to the text width; return (style, text, x, y) in pixels at ``dpi``."""
    px_per_mm = dpi / 25.4
    left, top, right, _bottom = (m * px_per_mm for m in MARGIN_MM)
    width = A4_MM[0] * px_per_mm - left - right
    y = top
    placed = []
    for line in lines:
        px = round(line.size / 72 * dpi)
        font = _font(line.weight, px, line.family)
        y += line.space_before / 72 * dpi
        for piece in _wrap(nfc(line.text), lambda s, f=font: f.getlength(s) <= width):
            w = font.getlength(piece)
            x = {"left": left, "center": left + (width - w) / 2, "right": left + width - w}[line.align]
            placed.append((line, piece, round(x), round(y)))
            y += px * 1.35
    return placed


def render_page(lines: list[Line], dpi: int = 300, mode: str = "L") -> Image.Image:
    """A clean page image, as a flatbed scanner would give at ``dpi``."""
    px_per_mm = dpi / 25.4
    size = (round(A4_MM[0] * px_per_mm), round(A4_MM[1] * px_per_mm))
    image = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(image)
    for line, text, x, y in layout(lines, dpi):
        draw.text(
            (x, y), text, fill="black", font=_font(line.weight, round(line.size / 72 * dpi), line.family)
        )
    image.info["dpi"] = (dpi, dpi)
    return image


def render_card(lines: list[Line], dpi: int = 300) -> Image.Image:
    """An ID-card-sized document (85.6 x 54 mm) on a light background."""
    w, h = round(85.6 / 25.4 * dpi), round(54 / 25.4 * dpi)
    image = Image.new("RGB", (w, h), (226, 236, 246))
    draw = ImageDraw.Draw(image)
    y = round(3 / 25.4 * dpi)
    for line in lines:
        px = round(line.size / 72 * dpi)
        font = _font(line.weight, px)
        text = nfc(line.text)
        tw = font.getlength(text)
        x = (w - tw) / 2 if line.align == "center" else round(4 / 25.4 * dpi)
        draw.text((x, y), text, fill=(20, 20, 40), font=font)
        y += round(px * 1.3)
    image.info["dpi"] = (dpi, dpi)
    return image


def born_digital_pdf(pages: list[list[Line] | Image.Image]) -> bytes:
    """A PDF with a real text layer; an Image in ``pages`` becomes a scanned (image-only) page."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    for weight, style in (("regular", ""), ("bold", "B"), ("italic", "I")):
        pdf.add_font("Serif", style, str(font_path(weight)))
    pt_per_mm = 72 / 25.4
    for content in pages:
        pdf.add_page()
        if isinstance(content, Image.Image):
            pdf.image(content, x=0, y=0, w=A4_MM[0], h=A4_MM[1])
            continue
        for line, text, x, y in layout(content, dpi=72):
            pdf.set_font("Serif", {"regular": "", "bold": "B", "italic": "I"}[line.weight], line.size)
            # layout() at 72 dpi gives points; fpdf places text by its baseline.
            pdf.text(x / pt_per_mm, (y + line.size * 0.9) / pt_per_mm, text)
    return bytes(pdf.output())


def image_bytes(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


# Degradations: what scanners, phones and photocopiers do to a page. Used by samples and benchmarks.


def scanned(image: Image.Image, rng, max_skew: float = 1.5, blur: float = 0.6, noise: float = 10.0):
    """A flatbed scan: slight skew, grey paper, a little blur and sensor noise."""
    from PIL import ImageFilter

    page = image.convert("L").point(lambda v: 28 + v * 215 // 255)  # ink never black, paper never white
    page = page.rotate(rng.uniform(-max_skew, max_skew), resample=Image.BICUBIC, fillcolor=243)
    if blur:
        page = page.filter(ImageFilter.GaussianBlur(blur))
    page = _add_noise(page, rng, noise)
    page.info["dpi"] = image.info.get("dpi", (300, 300))
    return page


def heavy(image: Image.Image, rng, dpi_from: int = 300, dpi_to: int = 200):
    """A bad photocopy scanned at 200 DPI: 3-degree skew, low contrast, speckle, blur."""
    from PIL import ImageFilter

    page = image.convert("L").point(lambda v: 95 + v * 110 // 255)  # grey ink on grey paper
    page = page.rotate(rng.uniform(-3.0, 3.0), resample=Image.BICUBIC, fillcolor=205)
    scale = dpi_to / dpi_from
    page = page.resize((round(page.width * scale), round(page.height * scale)), Image.LANCZOS)
    page = page.filter(ImageFilter.GaussianBlur(0.5))
    page = _add_noise(page, rng, 8.0)
    page = speckle(page, rng, density=0.002)
    page.info["dpi"] = (dpi_to, dpi_to)
    return page


def _add_noise(page: Image.Image, rng, sigma: float) -> Image.Image:
    import numpy as np

    generator = np.random.default_rng(rng.randrange(2**32))
    pixels = np.asarray(page, dtype=np.float32) + generator.normal(0, sigma, (page.height, page.width))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")


def speckle(page: Image.Image, rng, density: float) -> Image.Image:
    """Dust and toner specks: small dark dots, a few of them 2-3 px wide."""
    import numpy as np

    generator = np.random.default_rng(rng.randrange(2**32))
    pixels = np.asarray(page).copy()
    count = int(page.width * page.height * density / 4)
    ys = generator.integers(0, page.height - 3, count)
    xs = generator.integers(0, page.width - 3, count)
    sizes = generator.integers(1, 3, count)
    for y, x, s in zip(ys, xs, sizes, strict=True):
        pixels[y : y + s, x : x + s] = generator.integers(40, 110)
    return Image.fromarray(pixels, "L")
