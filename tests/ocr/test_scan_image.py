"""A scanned PDF page is taken as its stored image only when that is what rendering it draws."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw

from ocr.pages import RENDER_DPI, PdfSource, _scan_image, claimed_dpi


def _scan(size: tuple[int, int] = (620, 877), mode: str = "L") -> Image.Image:
    """A page-like image: paper, lines of dark marks, a grey band (so resampling would show)."""
    image = Image.new("L", size, 235)
    draw = ImageDraw.Draw(image)
    for y in range(60, size[1] - 60, 40):
        for x in range(50, size[0] - 50, 23):
            draw.rectangle([x, y, x + 11, y + 17], fill=30 + (x * 7 + y) % 90)
    draw.rectangle([0, size[1] // 2, size[0], size[1] // 2 + 25], fill=170)
    if mode == "RGB":
        rgb = image.convert("RGB")
        ImageDraw.Draw(rgb).ellipse([200, 200, 420, 420], outline=(200, 30, 30), width=9)  # a seal
        return rgb
    return image if mode == "L" else image.convert(mode)


def _pillow_pdf(path: Path, image: Image.Image, dpi: float) -> Path:
    image.save(path, "PDF", resolution=dpi)
    return path


PAGE = "148.8 0 0 210.48"  # the test scan's 620 x 877 pixels at 300 DPI, in points


def _raw_pdf(path: Path, image: Image.Image, extra: str = "", content: str | None = None) -> Path:
    """A one-page PDF by hand, for what Pillow never writes (a Decode array, a colour-key mask)."""
    width_pt, height_pt = image.width * 72 / RENDER_DPI, image.height * 72 / RENDER_DPI
    data = zlib.compress(image.tobytes())
    draw = content or f"q {width_pt:.4f} 0 0 {height_pt:.4f} 0 0 cm /Im0 Do Q"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        f"<</Type/Page/Parent 2 0 R/MediaBox[0 0 {width_pt:.4f} {height_pt:.4f}]"
        "/Resources<</XObject<</Im0 4 0 R>>/Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>"
        "/Contents 5 0 R>>".encode(),
        f"<</Type/XObject/Subtype/Image/Width {image.width}/Height {image.height}/ColorSpace/DeviceGray"
        f"/BitsPerComponent 8/Filter/FlateDecode{extra}/Length {len(data)}>>stream\n".encode()
        + data
        + b"\nendstream",
        f"<</Length {len(draw)}>>stream\n{draw}\nendstream".encode(),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write(b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets))
    out.write(f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode())
    path.write_bytes(out.getvalue())
    return path


def _rendered(path: Path) -> np.ndarray:
    document = pdfium.PdfDocument(str(path))
    try:
        return np.asarray(document[0].render(scale=RENDER_DPI / 72, grayscale=True).to_pil(), dtype=int)
    finally:
        document.close()


def _took_stored_image(path: Path) -> bool:
    document = pdfium.PdfDocument(str(path))
    page = document[0]
    try:
        return _scan_image(page, RENDER_DPI) is not None
    finally:
        page.close()
        document.close()


def _first_page(path: Path) -> Image.Image:
    source = PdfSource(path)
    try:
        return source.render(1)
    finally:
        source.close()


def _page(path: Path) -> np.ndarray:
    image = _first_page(path)
    assert image.info["dpi"] == (RENDER_DPI, RENDER_DPI)
    return np.asarray(image.convert("L"), dtype=int)


def _differs(page: np.ndarray, expected: np.ndarray, rows: slice = slice(None)) -> float:
    """Mean difference over the rows given, on the common size (the renderer rounds sizes up)."""
    h, w = min(page.shape[0], expected.shape[0]), min(page.shape[1], expected.shape[1])
    assert abs(page.shape[0] - expected.shape[0]) <= 1 and abs(page.shape[1] - expected.shape[1]) <= 1
    return float(np.abs(page[:h, :w] - expected[:h, :w])[rows].mean())


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_a_scanners_page_is_its_stored_image(tmp_path: Path, mode: str) -> None:
    scan = _scan(mode=mode)
    path = _pillow_pdf(tmp_path / f"scan-{mode}.pdf", scan, RENDER_DPI)
    assert _took_stored_image(path)
    page = _page(path)
    assert page.shape == (scan.height, scan.width)  # the scan's own size, not the renderer's
    assert _differs(page, np.asarray(scan.convert("L"), dtype=int)) < 2.0  # JPEG's loss only


def test_a_lossless_scan_is_taken_pixel_for_pixel(tmp_path: Path) -> None:
    scan = _scan()
    path = _raw_pdf(tmp_path / "flate.pdf", scan)
    assert _took_stored_image(path)
    assert np.array_equal(_page(path), np.asarray(scan, dtype=int))


@pytest.mark.parametrize(("dpi", "claimed"), [(200, 200), (72, None)])
def test_a_scan_is_read_at_its_own_resolution(tmp_path: Path, dpi: int, claimed: int | None) -> None:
    # The renderer drew a 200 DPI scan at 300 (its resampling, not ours) and an image put in a PDF
    # at 72 DPI (a phone photo, a PNG) 4 times over, taken for 300 DPI. Now: the stored image, at
    # its resolution; 72 says nothing of the page, which is then measured from its text.
    scan = _scan()
    image = _first_page(_pillow_pdf(tmp_path / f"scan-{dpi}.pdf", scan, dpi))
    assert image.size == scan.size
    assert claimed_dpi(image) == claimed
    assert _differs(np.asarray(image, dtype=int), np.asarray(scan, dtype=int)) < 2.0  # JPEG's loss only


def test_a_one_bit_scan_is_rendered(tmp_path: Path) -> None:
    path = _pillow_pdf(tmp_path / "scan-1.pdf", _scan(mode="1"), RENDER_DPI)
    assert not _took_stored_image(path)
    assert np.array_equal(_page(path), _rendered(path))


@pytest.mark.parametrize(
    "name, make",
    [
        (
            "image on part of the page",
            lambda p: _raw_pdf(p, _scan(), content="q 100 0 0 140 20 30 cm /Im0 Do Q"),
        ),
        (
            "image and a text stamp",
            lambda p: _raw_pdf(
                p, _scan(), content=f"q {PAGE} 0 0 cm /Im0 Do Q BT /F1 20 Tf 20 20 Td (DA KY) Tj ET"
            ),
        ),
        (
            "image turned on the page",
            lambda p: _raw_pdf(p, _scan(), content="q 0 -210.48 148.8 0 0 210.48 cm /Im0 Do Q"),
        ),
    ],
)
def test_other_pages_are_rendered(tmp_path: Path, name: str, make) -> None:
    path = make(tmp_path / "page.pdf")
    assert not _took_stored_image(path), name
    assert np.array_equal(_page(path), _rendered(path))


def test_a_decode_array_is_applied(tmp_path: Path) -> None:
    scan = _scan()
    page = _page(_raw_pdf(tmp_path / "inverted.pdf", scan, "/Decode[1 0]"))
    inverted = 255 - np.asarray(scan, dtype=int)
    assert _differs(page, inverted) < 4.0, "the page must be drawn inverted, as a reader shows it"


def test_a_colour_key_mask_shows_the_paper_under_it(tmp_path: Path) -> None:
    scan = _scan()
    page = _page(_raw_pdf(tmp_path / "masked.pdf", scan, "/Mask[160 180]"))
    band = slice(scan.height // 2 + 3, scan.height // 2 + 22)  # the grey band, 170: masked out
    assert _differs(page, np.full((scan.height, scan.width), 255), band) < 4.0


@pytest.mark.parametrize("stored", [True, False])
def test_a_colour_scan_stays_in_colour_and_a_grey_one_is_grey(tmp_path: Path, stored: bool) -> None:
    # Stored at 300 DPI it is taken as it is; at 250 it is rendered: either way the seal stays red,
    # for ocr.colour to drop it before reading, and a grey page saved as RGB is read as grey.
    dpi = RENDER_DPI if stored else 250
    seal = _pillow_pdf(tmp_path / "seal.pdf", _scan(mode="RGB"), dpi)
    grey = _pillow_pdf(tmp_path / "grey.pdf", _scan().convert("RGB"), dpi)
    for path, mode in ((seal, "RGB"), (grey, "L")):
        assert _took_stored_image(path) is stored
        assert _first_page(path).mode == mode, path.name
