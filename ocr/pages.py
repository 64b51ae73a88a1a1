"""Split an incoming file into pages: a text layer where a PDF page has a usable one, an image otherwise.

Pages are produced lazily, one at a time, so a 500-page PDF never sits in memory whole.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

log = logging.getLogger(__name__)
RENDER_DPI = 300
# Pillow's own default guards against decompression bombs; pin it so an upgrade cannot loosen it.
MAX_IMAGE_PIXELS = 178_956_970
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_EXTENSIONS = {
    "pdf": {".pdf"},
    "png": {".png"},
    "jpeg": {".jpg", ".jpeg", ".jpe"},
    "tiff": {".tif", ".tiff"},
}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff"}


class BadInput(Exception):
    """The file cannot be digitized as given; the message says why, in Vietnamese first. What the
    library said goes to the log (for whoever maintains the system), never into the message."""

    def __init__(self, message: str, detail: Exception | None = None, *, code: str = "unreadable") -> None:
        super().__init__(message)
        self.code = code  # a stable reason code beside the Vietnamese text
        if detail is not None:
            log.info("%s: %s: %s", message.split(" / ")[-1], type(detail).__name__, detail)


@dataclass(frozen=True)
class PageLimits:
    """How large a page may be in pixels before it is read: a 634-byte PDF can declare a page 200
    inches square, and a 51 KB PNG can unpack to 16000x16000 pixels; either would take gigabytes.
    The repository passes the values of its thresholds file; these defaults are the same."""

    max_megapixels: float = 90.0  # an A3 page at 600 DPI is 70 MP; a 48 MP phone photo passes
    min_render_dpi: int = 150  # a PDF page too large at 300 DPI is rendered coarser, down to this
    max_pages: int = 1000  # a thick case file is a few hundred pages; 10,000 would be hours of OCR
    # The time a file may take to read: this much per page on average (a real page takes 2-10 s on
    # one core), with one page's worth to spare. A file crafted to keep the reader busy is turned
    # away, not waited on.
    seconds_per_page: float = 60.0

    def deadline_for(self, pages: int) -> float:
        return self.seconds_per_page * (pages + 1)

    @property
    def max_pixels(self) -> int:
        return int(self.max_megapixels * 1_000_000)

    def pdf_dpi(self, number: int, width_pt: float, height_pt: float, dpi: int = RENDER_DPI) -> int:
        """The DPI a PDF page is rendered at, or BadInput when even ``min_render_dpi`` is too many."""
        fits = int((self.max_pixels / max(width_pt * height_pt / 72 / 72, 1e-6)) ** 0.5)
        if fits < self.min_render_dpi:
            w_cm, h_cm = width_pt / 72 * 2.54, height_pt / 72 * 2.54
            raise BadInput(
                f"Trang {number} có khổ {w_cm:.0f} × {h_cm:.0f} cm, quá lớn để đọc"
                f" (tối đa {self.max_megapixels:.0f} megapixel ở {self.min_render_dpi} DPI)"
                " / page too large to render",
                code="page_too_large",
            )
        return min(dpi, fits)

    def check_pages(self, count: int) -> None:
        if count > self.max_pages:
            raise BadInput(
                f"Tệp có {count} trang, vượt giới hạn {self.max_pages} trang một tệp; hãy tách thành"
                " nhiều tệp / too many pages in one file",
                code="too_many_pages",
            )

    def check_image(self, number: int, width: int, height: int) -> None:
        if width * height > self.max_pixels:
            raise BadInput(
                f"Ảnh trang {number} có {width} × {height} điểm ảnh ({width * height / 1e6:.0f} megapixel),"
                f" vượt giới hạn {self.max_megapixels:.0f} megapixel / image too large in pixels",
                code="page_too_large",
            )


DEFAULT_LIMITS = PageLimits()


@dataclass
class SourcePage:
    number: int  # 1-based
    text: str | None  # the usable text layer, or None when the page must be OCRed
    note: str | None  # why the text layer was not used, when it exists but is garbage
    width_pt: float
    height_pt: float


def detect_format(path: Path) -> str:
    """The real format by magic bytes; a name that lies about its content is bad input."""
    with open(path, "rb") as f:
        head = f.read(16)
    if not head:
        raise BadInput("Tệp rỗng (0 byte) / empty file", code="empty_file")
    fmt = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    if fmt is None:
        raise BadInput(
            "Định dạng không được hỗ trợ (chỉ nhận PDF, PNG, JPEG, TIFF) / unsupported format",
            code="unsupported_format",
        )
    suffix = path.suffix.lower()
    if suffix and suffix not in _EXTENSIONS[fmt]:
        raise BadInput(
            f"Nội dung tệp là {fmt.upper()} nhưng phần mở rộng là '{suffix}'"
            " / content does not match the name",
            code="name_mismatch",
        )
    return fmt


_CID = re.compile(r"\(cid:\d+\)")


def assess_text_layer(text: str) -> tuple[bool, str | None]:
    """Is a PDF text layer worth keeping? Garbage layers (unmapped glyphs, mojibake) are OCRed instead."""
    stripped = "".join(text.split())
    if len(stripped) < 10:
        return False, None  # no real text layer: a scanned page
    cids = len(_CID.findall(text))
    bad = sum(
        1
        for ch in _CID.sub("", stripped)
        if ch == "\ufffd" or unicodedata.category(ch) in {"Co", "Cn", "Cc", "Cs"}
    )
    glyphs = len(_CID.sub("", stripped)) + cids
    if (cids + bad) / max(glyphs, 1) > 0.1:
        return False, f"text layer is garbage ({cids + bad} of {glyphs} glyphs unmappable): OCRed instead"
    letters = sum(1 for ch in stripped if ch.isalnum())
    if letters / len(stripped) < 0.5:
        return False, "text layer is mostly symbols: OCRed instead"
    return True, None


# A page's content stream (its drawing operators: text and paths, not its images) unpacks to a few
# hundred KB on the densest real page. A 21 KB file inflating to 20 MB kept pdfminer busy for a minute.
MAX_CONTENT_BYTES = 8 * 2**20
_INFLATE_CHUNK = 2**20


def content_bytes(page_obj, limit: int) -> int:
    """How many bytes a PDF page's content streams unpack to, counted chunk by chunk and stopped past
    ``limit`` (memory stays at one chunk). Streams in filters other than Flate count as stored."""
    import zlib

    from pdfminer.pdftypes import PDFStream, resolve1

    try:
        contents = resolve1(page_obj.attrs.get("Contents"))
    except Exception:  # a broken reference: pdfminer's own reading says so later
        return 0
    total = 0
    for item in contents if isinstance(contents, list) else [contents]:
        stream = resolve1(item)
        if not isinstance(stream, PDFStream):
            continue
        raw = stream.rawdata if stream.rawdata is not None else (stream.data or b"")
        names = [getattr(name, "name", name) for name, _params in stream.get_filters()]
        if names not in (["FlateDecode"], ["Fl"]):
            total += len(raw)
            continue
        inflate = zlib.decompressobj()
        pending = raw
        try:
            while pending and total <= limit:
                total += len(inflate.decompress(pending, _INFLATE_CHUNK))
                pending = inflate.unconsumed_tail
        except zlib.error:
            continue  # damaged: pdfminer will say what it can read of it
    return total


def _check_content(number: int, plumber_page) -> None:
    if content_bytes(plumber_page.page_obj, MAX_CONTENT_BYTES) > MAX_CONTENT_BYTES:
        raise BadInput(
            f"Trang {number} có nội dung nén giải ra hơn {MAX_CONTENT_BYTES // 2**20} MiB,"
            " không phải một trang văn bản / page content stream too large",
            code="content_too_large",
        )


class PdfSource:
    """Pages of a PDF: text layers via pdfplumber, images via pypdfium2 (the renderer under it)."""

    def __init__(self, path: Path, limits: PageLimits = DEFAULT_LIMITS) -> None:
        import pdfplumber
        import pypdfium2 as pdfium

        self.path = path
        self.limits = limits
        try:
            self._pdfium = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise _why_unreadable(path, exc) from None
        if len(self._pdfium) == 0:
            self._pdfium.close()
            raise BadInput("PDF không có trang nào / PDF has no pages", code="no_pages")
        try:  # every page's size is known before any is rendered (a cheap read of its box)
            limits.check_pages(len(self._pdfium))
            self._dpi = [limits.pdf_dpi(i + 1, *self._pdfium.get_page_size(i)) for i in range(len(self))]
        except BadInput:
            self._pdfium.close()
            raise
        except pdfium.PdfiumError as exc:  # a page tree that loops or points nowhere
            self._pdfium.close()
            raise BadInput(
                "PDF hỏng: cây trang không đọc được / corrupt PDF page tree", exc, code="corrupt_pdf"
            ) from None
        try:
            self._plumber = pdfplumber.open(str(path))
        except Exception as exc:  # pdfminer raises many kinds for broken files
            self._pdfium.close()
            raise BadInput(
                "PDF hỏng, không đọc được cấu trúc / corrupt PDF", exc, code="corrupt_pdf"
            ) from None

    def __len__(self) -> int:
        return len(self._pdfium)

    def pages(self) -> Iterator[SourcePage]:
        for index in range(len(self)):
            plumber_page = self._plumber.pages[index]
            _check_content(index + 1, plumber_page)
            try:
                text = plumber_page.extract_text() or ""
            except Exception as exc:  # a broken content stream: read the page as an image instead
                text, note = "", f"text layer unreadable ({type(exc).__name__}): OCRed instead"
            else:
                note = None
            usable, why = assess_text_layer(text)
            width, height = self._pdfium.get_page_size(index)
            yield SourcePage(
                number=index + 1,
                text=unicodedata.normalize("NFC", text) if usable else None,
                note=note or why,
                width_pt=width,
                height_pt=height,
            )
            plumber_page.close()  # pdfplumber caches parsed objects per page; free them as we go
            # pdfminer also keeps every object it resolved - each scanned page's image stream among
            # them (1.6 MB a page on a 500-page scan) - in a document-wide cache it never empties.
            cache = getattr(self._plumber.doc, "_cached_objs", None)
            if isinstance(cache, dict):
                cache.clear()

    def check_contents(self) -> None:
        """Every page's content streams against the limit, before anything is read (intake)."""
        for index in range(len(self)):
            page = self._plumber.pages[index]
            try:
                _check_content(index + 1, page)
            finally:
                page.close()

    def render(self, number: int, dpi: float = RENDER_DPI) -> Image.Image:
        import pypdfium2 as pdfium

        dpi = min(dpi, self._dpi[number - 1])
        try:
            page = self._pdfium[number - 1]
        except pdfium.PdfiumError as exc:
            raise BadInput(f"PDF hỏng ở trang {number} / corrupt PDF page", exc, code="corrupt_pdf") from None
        try:
            # A scan in a PDF is read at its own resolution, never enlarged by the renderer: a 200 DPI
            # scan is made legible as its image file would be, and an image put in a PDF at 72 DPI (a
            # phone photo, a PNG) is not drawn 3 times over; that resolution says nothing of the page
            # and is measured from its text, as the image's would be (``claimed_dpi``).
            found = _page_image(page)
            if found is not None and found.dpi is not None and found.dpi < dpi:
                dpi = found.dpi
            image = _scan_image(page, dpi, found)
            if image is None:
                image = _grey_if_grey(page.render(scale=dpi / 72).to_pil())
        except pdfium.PdfiumError as exc:
            raise BadInput(f"PDF hỏng ở trang {number} / corrupt PDF page", exc, code="corrupt_pdf") from None
        finally:
            page.close()
        image.info["dpi"] = (round(dpi), round(dpi))
        return image

    def close(self) -> None:
        self._plumber.close()
        self._pdfium.close()


# A page is in colour when more than this share of its pixels differ by more than this across
# channels: JPEG's colour noise on a grey scan stays below it, a seal's red is far above.
GREY_SPREAD = 24
COLOUR_PIXELS = 0.001
# How far a scan's own resolution may be from the one asked for, for it to be taken as it is.
SAME_DPI = 0.01


@dataclass(frozen=True)
class _PageImage:
    """The one image that fills an unrotated PDF page (a scan, a photo put in a PDF)."""

    handle: object  # the image object (FPDF_PAGEOBJECT)
    image: object  # pypdfium2's PdfImage over it
    across: float  # its resolution on the page, across and down
    down: float

    @property
    def dpi(self) -> float | None:
        """Its resolution, when the same both ways."""
        return self.across if abs(self.across - self.down) <= SAME_DPI * self.across else None


def _page_image(page) -> _PageImage | None:
    """The image that fills ``page``, or None when the page is anything else."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    if page.get_rotation() or pdfium_c.FPDFPage_CountObjects(page.raw) != 1:
        return None
    handle = pdfium_c.FPDFPage_GetObject(page.raw, 0)
    if pdfium_c.FPDFPageObj_GetType(handle) != pdfium_c.FPDF_PAGEOBJ_IMAGE:
        return None
    image = pdfium.PdfImage(handle, page=page, pdf=page.pdf)
    a, b, c, d, e, f = image.get_matrix().get()
    left, bottom, right, top = page.get_bbox()
    if b or c or a <= 0 or d <= 0:
        return None
    if max(abs(e - left), abs(f - bottom), abs(a - (right - left)), abs(d - (top - bottom))) > 0.5:
        return None
    info = image.get_metadata()
    return _PageImage(handle, image, info.width / (a / 72), info.height / (d / 72))


def _scan_image(page, dpi: float, found: _PageImage | None = None) -> Image.Image | None:
    """The page's scanned image as stored, when that is exactly what rendering it would draw.

    A scanner's PDF page is one opaque image filling the page at the scan's resolution: decoding
    the image alone costs a fifth of rendering the page (about 25 ms against 130 ms at 300 DPI),
    and gives the scan's own pixels (the renderer resamples them by a fraction of a pixel to its
    rounded-up page size: 2481 pixels for a 2480-pixel A4 scan). Anything else - another object,
    an annotation (a stamp), a mask, a rotated or partial placement, an unusual colour space, 1 bit
    per pixel, another resolution (to be resampled) - is rendered. None means: render.
    ``found``: the page's image when the caller looked for it already."""
    import pypdfium2.raw as pdfium_c

    found = found or _page_image(page)
    if found is None or pdfium_c.FPDFPage_GetAnnotCount(page.raw):
        return None
    if pdfium_c.FPDFPageObj_HasTransparency(found.handle):
        return None
    info = found.image.get_metadata()
    if info.colorspace not in (pdfium_c.FPDF_COLORSPACE_DEVICEGRAY, pdfium_c.FPDF_COLORSPACE_DEVICERGB):
        return None
    if info.bits_per_pixel not in (8, 24):  # 1-bit scans: the renderer smooths them, keep its look
        return None
    if max(abs(found.across - dpi), abs(found.down - dpi)) > SAME_DPI * dpi:
        return None
    return _grey_if_grey(found.image.get_bitmap(render=False).to_pil())


def _grey_if_grey(image: Image.Image) -> Image.Image:
    """A colour page stays in colour - a red seal or blue signature is then told from the text and
    dropped before reading (ocr.colour), as on a colour photo - and a grey one becomes grey."""
    if image.mode != "RGB":
        return image.convert("L")
    pixels = np.asarray(image)[::4, ::4].astype(np.int16)
    spread = pixels.max(axis=2) - pixels.min(axis=2)
    return (
        image if np.count_nonzero(spread > GREY_SPREAD) > COLOUR_PIXELS * spread.size else image.convert("L")
    )


class ImageSource:
    """Pages of a PNG, JPEG (EXIF orientation applied) or multi-page TIFF."""

    def __init__(self, path: Path, limits: PageLimits = DEFAULT_LIMITS) -> None:
        self.path = path
        try:
            self._image = Image.open(path)  # reads the header only
            self._frames = getattr(self._image, "n_frames", 1)
            limits.check_pages(self._frames)
            for frame in range(self._frames):  # each frame's size, before any pixel is decoded
                self._image.seek(frame)
                limits.check_image(frame + 1, *self._image.size)
            self._image.seek(0)
            self._image.load()
        except Image.DecompressionBombError:
            raise BadInput(
                "Ảnh quá lớn, nghi là bom giải nén / image decompression bomb", code="decompression_bomb"
            ) from None
        except BadInput:
            self._image.close()
            raise
        except (OSError, SyntaxError, ValueError) as exc:
            raise BadInput(
                "Ảnh hỏng hoặc bị cắt cụt / corrupt or truncated image", exc, code="corrupt_image"
            ) from None

    def __len__(self) -> int:
        return self._frames

    def pages(self) -> Iterator[SourcePage]:
        for number in range(1, self._frames + 1):
            self._image.seek(number - 1)
            dpi = image_dpi(self._image)
            w, h = self._image.size
            yield SourcePage(number, None, None, w / dpi * 72, h / dpi * 72)

    def render(self, number: int, dpi: int = RENDER_DPI) -> Image.Image:
        self._image.seek(number - 1)
        try:
            image = self._image.copy()
            ImageOps.exif_transpose(image, in_place=True)  # the copy turned as shot, not copied again
        except (OSError, SyntaxError, ValueError) as exc:
            raise BadInput(
                f"Ảnh hỏng ở trang {number} / corrupt image frame", exc, code="corrupt_image"
            ) from None
        if image.mode in {"1", "I;16", "I"}:  # 1-bit photocopies, 16-bit scans: grey
            image = image.convert("L")
        elif image.mode not in {"L", "RGB"}:
            image = image.convert("RGB")
        # Only a resolution the file states plausibly travels on; a photo's is judged from the page.
        image.info.pop("dpi", None)
        if dpi := claimed_dpi(self._image):
            image.info["dpi"] = (round(dpi), round(dpi))
        return image

    def close(self) -> None:
        self._image.close()


def claimed_dpi(image: Image.Image) -> int | None:
    """The resolution the file states, rounded (a PNG stores 300 DPI as 299.9994), when plausible
    for a scan. Phone photos claim 72 DPI, which says nothing about the page: None."""
    dpi = image.info.get("dpi", (0, 0))[0]
    try:
        dpi = round(float(dpi))
    except (TypeError, ValueError):
        dpi = 0
    return dpi if 100 <= dpi <= 1200 else None


def image_dpi(image: Image.Image) -> int:
    """The scan resolution, or 300 when the file does not state a plausible one."""
    return claimed_dpi(image) or RENDER_DPI


def _why_unreadable(path: Path, exc: Exception) -> BadInput:
    """PDFium's error code can be stale (it is process-global), so pdfminer gets a second look: it
    tells an encrypted file and a page-less one from a broken one."""
    import pdfplumber

    try:
        with pdfplumber.open(str(path)) as pdf:
            if len(pdf.pages) == 0:
                return BadInput("PDF không có trang nào / PDF has no pages", code="no_pages")
    except Exception as second:  # pdfminer raises many kinds for broken files
        if "password" in repr(second).lower() or "encrypt" in repr(second).lower():
            return BadInput("PDF được mã hóa, cần mật khẩu / encrypted PDF", code="encrypted_pdf")
    if "password" in str(exc).lower():
        return BadInput("PDF được mã hóa, cần mật khẩu / encrypted PDF", code="encrypted_pdf")
    return BadInput("PDF hỏng hoặc bị cắt cụt / corrupt or truncated PDF", exc, code="corrupt_pdf")


def open_source(path: Path, limits: PageLimits = DEFAULT_LIMITS) -> PdfSource | ImageSource:
    fmt = detect_format(path)
    return PdfSource(path, limits) if fmt == "pdf" else ImageSource(path, limits)


# A viewed page fits a box this many times as high as it is wide: a page 36 pt wide and 14,400 pt
# high, rendered 1,100 px wide, would be 440,000 px high (470 MB of bitmap for one request).
VIEW_BOX_RATIO = 2.0


def pdf_page_png(path: Path, number: int, width_px: int) -> bytes:
    """Page ``number`` (1-based) of a PDF rendered to a PNG that fits ``width_px`` wide and
    ``VIEW_BOX_RATIO`` times that high, whatever the page's shape, for viewing."""
    import io

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        if not 1 <= number <= len(pdf):
            raise BadInput(f"Không có trang {number} / no page {number}", code="no_such_page")
        page = pdf[number - 1]
        try:
            width_pt, height_pt = page.get_size()
            scale = min(width_px / max(width_pt, 1e-3), VIEW_BOX_RATIO * width_px / max(height_pt, 1e-3))
            bitmap = page.render(scale=scale, grayscale=True)
            image = bitmap.to_pil()
        finally:
            page.close()
    finally:
        pdf.close()
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=3)  # fast to write; served once, then cached
    return out.getvalue()
