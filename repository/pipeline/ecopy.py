"""The e-copy with legal value (bản sao điện tử): the digitized document as a PDF signed by the copying
agency, stamped "SAO Y" and carrying the QR of Thông tư 01/2023/TT-VPCP; and its verification.

What Nghị định 30/2020/NĐ-CP, Phụ lục I asks of it, and how it is met here:
- made from what the repository keeps: the searchable PDF (the page images at their scan resolution
  and 100 % scale, colour kept where the scan had it, with the text layer read from them);
- the first page grows a band above its content (nothing of the document is covered) holding, top
  left, the QR (segno) with the case code, procedure code, owner's identifier, document name, issuing
  system and time (results add validity and scope) and a link to ``/verify``; and, top right, the
  visible signature block: the form of copy, the copying agency's name and the signing time (ISO 8601,
  Vietnam time) in a Times New Roman face at 10 pt, black, no signature image;
- signed PAdES B-B with the agency's certificate (pyHanko), B-T when SOHOA_TSA_URL names a timestamp
  authority.
Each e-copy issued is kept (object store + the ``ecopy`` table, by its SHA-256): a verifier learns
whether the bytes are one the repository issued, whether it is the document's current e-copy, and
the document's status today - and nothing the holder of the paper does not already have.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from repository.catalog.agencies import agency_name
from repository.catalog.models import CaseFile, Document, DocumentKind, DocumentStatus, Ecopy, Owner, new_id
from repository.errors import CONFLICT, NOT_FOUND, DomainError
from repository.security.signing import agency_key, trusted_certificates
from repository.storage import ObjectStore, keys

# pyHanko imports cryptography's DSA support, which warns on import; e-copies never use DSA.
warnings.filterwarnings("ignore", message="DSA is deprecated")

VIETNAM = timezone(timedelta(hours=7), "ICT")
FORM = "SAO Y"
SYSTEM = "sohoa"
BAND_PT = 130.0  # the band grown above page 1: 4.6 cm, room for a 4 cm QR and the copy's block
QR_PT = 114.0  # 4 cm: ~5 px a module when printed or rendered at 200 DPI
STAMP_SIZE = (230.0, 56.0)
FONT_PT = 10
# Times New Roman where the server has it (agencies' machines do); else Debian's Liberation Serif,
# drawn to Times New Roman's metrics. SOHOA_ECOPY_FONT names another file.
FONTS = (
    "/usr/share/fonts/truetype/msttcorefonts/Times_New_Roman.ttf",
    "/usr/share/fonts/truetype/msttcorefonts/times.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
)
SIGNATURE_FIELD = "SaoY"


def stamp_font() -> str:
    for candidate in (os.environ.get("SOHOA_ECOPY_FONT"), *FONTS):
        if candidate and Path(candidate).exists():
            return candidate
    raise DomainError(NOT_FOUND, "font_missing", "Thiếu phông Times New Roman / Liberation Serif")


def certified_state(doc: Document) -> str:
    """A fingerprint of what an e-copy certifies of the record: a correction, a relink, a status
    change make it differ, and the document then gets a new e-copy."""
    state = {
        "owner": doc.owner_id, "status": doc.status, "type": doc.doc_type_code, "number": doc.number,
        "issue_date": str(doc.issue_date), "valid_until": str(doc.valid_until), "scope": doc.validity_scope,
        "fields": {k: v.get("value") if isinstance(v, dict) else v for k, v in (doc.fields or {}).items()},
        "searchable": doc.searchable_key,
    }  # fmt: skip
    return hashlib.sha256(json.dumps(state, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def is_current(row: Ecopy, doc: Document | None) -> bool:
    """Still the document's e-copy, and the record unchanged since it was certified (a record
    corrected since, whose new copy nobody asked for yet, leaves this one no longer current)."""
    return doc is not None and doc.ecopy_id == row.id and row.certified == certified_state(doc)


def current_ecopy(session: Session, doc: Document) -> Ecopy | None:
    """The document's e-copy, if one was made and still certifies the record as it stands."""
    found = session.get(Ecopy, doc.ecopy_id) if doc.ecopy_id else None
    return found if found is not None and is_current(found, doc) else None


def public_url() -> str:
    return (os.environ.get("SOHOA_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")


def qr_payload(doc: Document, case: CaseFile | None, owner: Owner, ecopy_id: str, at: datetime) -> str:
    """Thông tư 01/2023's fields, one labelled line each (a phone shows them as they are), and the
    link to verify the copy."""
    lines = [
        ("Mã hồ sơ", case.case_code if case else None),
        ("Mã TTHC", (case.procedure_code if case else None) or doc.procedure_code),
        ("Số định danh", owner.identifier),
        ("Tên giấy tờ", doc.doc_type_name or doc.filename or "Giấy tờ"),
        ("Hệ thống", SYSTEM),
        ("Thời gian", at.isoformat(timespec="seconds")),
    ]
    if doc.kind == DocumentKind.RESULT:
        validity = (
            "vĩnh viễn"
            if doc.validity_permanent
            else (doc.valid_until.isoformat() if doc.valid_until else None)
        )
        lines += [("Hiệu lực", validity), ("Phạm vi", doc.validity_scope)]
    lines.append(("Xác minh", f"{public_url()}/verify?ecopy={ecopy_id}"))
    return "\n".join(f"{label}: {value or '-'}" for label, value in lines)


def compose(searchable_pdf: bytes, qr_text: str, block: list[str]) -> bytes:
    """The searchable PDF with a band grown above page 1: the QR at its top left, and at its top
    right the copy's block (``block``: form, agency, signing time), text in the stamp font at 10 pt,
    black - text a reader and text tools see, never an image."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    source = pdfium.PdfDocument(searchable_pdf)
    out = pdfium.PdfDocument.new()
    try:
        for index in range(len(source)):
            width, height = source.get_page_size(index)
            band = BAND_PT if index == 0 else 0.0
            page = out.new_page(width, height + band)
            page.insert_obj(source.page_as_xobject(index, out).as_pageobject())
            if index == 0:
                _draw_qr(out, page, qr_text, height)
                _draw_block(out, page, pdfium_c, block, width, height + BAND_PT)
            page.gen_content()
            page.close()
        buffer = io.BytesIO()
        out.save(buffer, version=17)
        return buffer.getvalue()
    finally:
        out.close()
        source.close()


def _draw_qr(out, page, qr_text: str, height: float) -> None:
    """The QR (segno), an exact bitmap of its modules (8 pixels each, a 4-module quiet zone as
    ISO/IEC 18004 asks), placed in the band's top-left corner."""
    import pypdfium2 as pdfium
    import segno
    from PIL import Image

    png = io.BytesIO()
    segno.make(qr_text, error="m", micro=False).save(png, kind="png", scale=8, border=4)
    qr = Image.open(io.BytesIO(png.getvalue())).convert("L")
    picture = pdfium.PdfImage.new(out)
    picture.set_bitmap(pdfium.PdfBitmap.from_pil(qr))
    margin = (BAND_PT - QR_PT) / 2
    picture.set_matrix(pdfium.PdfMatrix().scale(QR_PT, QR_PT).translate(margin, height + margin))
    page.insert_obj(picture)


def _draw_block(out, page, pdfium_c, block: list[str], width: float, top: float) -> None:
    """The copy's block, one text object per line, left-aligned in a box at the top right."""
    import ctypes

    font_data = Path(stamp_font()).read_bytes()
    buffer = (ctypes.c_uint8 * len(font_data)).from_buffer_copy(font_data)
    font = pdfium_c.FPDFText_LoadFont(out.raw, buffer, len(font_data), pdfium_c.FPDF_FONT_TRUETYPE, True)
    if not font:
        raise DomainError(NOT_FOUND, "font_unreadable", "Không nạp được phông chữ của khối sao y")
    try:
        box_width, box_height = STAMP_SIZE
        left = width - box_width - 18
        first = top - (BAND_PT - box_height) / 2 - FONT_PT
        for n, line in enumerate(block):
            text = pdfium_c.FPDFPageObj_CreateTextObj(out.raw, font, float(FONT_PT))
            encoded = (line + "\x00").encode("utf-16-le")
            pdfium_c.FPDFText_SetText(
                text, ctypes.cast(ctypes.c_char_p(encoded), ctypes.POINTER(ctypes.c_ushort))
            )
            pdfium_c.FPDFPageObj_SetFillColor(text, 0, 0, 0, 255)
            pdfium_c.FPDFPageObj_Transform(text, 1, 0, 0, 1, left, first - n * (FONT_PT + 3))
            pdfium_c.FPDFPage_InsertObject(page.raw, text)
    finally:
        pdfium_c.FPDFFont_Close(font)


def sign(pdf: bytes, agency: str) -> bytes:
    """PAdES B-B (B-T with SOHOA_TSA_URL) by the agency's key, over the whole composed file (its
    visible block drawn by ``compose``: no signature image)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps

    key = agency_key(agency)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        reason=f"{FORM} - bản sao điện tử từ bản chính / electronic copy",
        location="Việt Nam",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    tsa = os.environ.get("SOHOA_TSA_URL")
    pdf_signer = signers.PdfSigner(
        meta,
        signer=key.signer(),
        timestamper=timestamps.HTTPTimeStamper(tsa) if tsa else None,
        new_field_spec=fields.SigFieldSpec(SIGNATURE_FIELD),  # no widget: the block above is the text
    )
    out = io.BytesIO()
    _outside_any_event_loop(pdf_signer.sign_pdf, writer, output=out)
    return out.getvalue()


def _outside_any_event_loop(call, *args, **kwargs):
    """pyHanko's synchronous calls run an event loop of their own (asyncio.run), which cannot start
    in a thread that already runs one (an async route, a browser test's driver): a short-lived
    thread of their own is always free of one."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sohoa-pyhanko") as pool:
        return pool.submit(call, *args, **kwargs).result()


def issue(
    session: Session, store: ObjectStore, doc: Document, actor: str | None, agency: str | None = None
) -> Ecopy:
    """The document's current e-copy: the one already made if it still certifies the record, else a
    new one signed by ``agency`` (default: the agency of the case the document came in with)."""
    existing = current_ecopy(session, doc)
    if existing is not None:
        return existing
    if doc.searchable_key is None or doc.status in (DocumentStatus.RECEIVED, DocumentStatus.FAILED):
        raise DomainError(CONFLICT, "not_read", "Giấy tờ chưa được đọc xong / document not read yet")
    case = session.get(CaseFile, doc.origin_case_id) if doc.origin_case_id else None
    agency = agency or (case.agency_code if case else None)
    if not agency:
        raise DomainError(CONFLICT, "agency_required", "Không rõ cơ quan sao giấy tờ / no copying agency")
    owner = session.get(Owner, doc.owner_id)
    at = datetime.now(VIETNAM).replace(microsecond=0)
    ecopy_id = new_id()
    composed = compose(store.get_bytes(doc.searchable_key), qr_payload(doc, case, owner, ecopy_id, at),
                       block_lines(agency, at))  # fmt: skip
    signed = sign(composed, agency)
    key = keys.ecopy_key(doc.id, ecopy_id)
    store.put_bytes(key, signed, "application/pdf")
    if doc.ecopy_id:
        previous = session.get(Ecopy, doc.ecopy_id)
        if previous is not None and previous.replaced_at is None:
            previous.replaced_at = datetime.now(UTC)
    row = Ecopy(
        id=ecopy_id, document_id=doc.id, sha256=hashlib.sha256(signed).hexdigest(), object_key=key,
        agency_code=agency, form=FORM, signed_at=at, signed_by=actor, certified=certified_state(doc),
    )  # fmt: skip
    session.add(row)
    doc.ecopy_id = ecopy_id
    session.flush()
    return row


def block_lines(agency: str, at: datetime) -> list[str]:
    """The copy's visible block (Nghị định 30/2020, Phụ lục I): form of copy, agency, signing time."""
    return [FORM, agency_name(agency), f"Thời gian ký: {at.isoformat(timespec='seconds')}"]


# What a saved file's name says it is, by rendition.
NAME_PREFIX = {"ecopy": "ban-sao-dien-tu-", "searchable": "", "original": "ban-quet-", "text": "noi-dung-"}
# Identity papers: their number is the owner's identifier, which never goes into a file name.
NUMBER_IS_IDENTIFIER = {"cccd", "cmnd"}


def download_name(doc: Document, rendition: str = "ecopy", suffix: str = ".pdf") -> str:
    """The file name an officer saves: the document's name, number and date, never an identifier."""
    from ocr.text import fold

    number = None if doc.doc_type_code in NUMBER_IS_IDENTIFIER else doc.number
    issued = doc.issue_date.strftime("%d-%m-%Y") if doc.issue_date else None
    base = " ".join(filter(None, [doc.doc_type_name or "giay-to", number, issued]))
    slug = "-".join("".join(c if c.isalnum() else " " for c in fold(base)).split())
    return f"{NAME_PREFIX.get(rendition, '')}{slug or 'giay-to'}{suffix}"


# -- verification ----------------------------------------------------------------------------------


@dataclass
class Verdict:
    """What a receiving officer or the citizen learns of a PDF presented as an e-copy."""

    signed: bool = False  # a signature is there
    intact: bool = False  # the signed bytes are unchanged
    whole_file: bool = False  # the signature covers the whole file (nothing added or removed after)
    trusted: bool = False  # by a configured agency's certificate
    agency: str | None = None  # who signed, as its certificate names it
    signed_at: str | None = None
    issued_here: bool = False  # these exact bytes are an e-copy this repository issued
    current: bool = False  # ... and still the document's current e-copy
    document_status: str | None = None  # valid | expired | superseded | revoked | in_review
    document_name: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return (self.signed and self.intact and self.whole_file and self.trusted and self.issued_here
                and self.current and self.document_status == "valid")  # fmt: skip

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__) | {"valid": self.valid}


def verify(data: bytes, session: Session) -> Verdict:
    verdict = Verdict()
    _check_signature(data, verdict)
    row = session.scalar(select(Ecopy).where(Ecopy.sha256 == hashlib.sha256(data).hexdigest()))
    if row is None:
        verdict.problems.append("Tệp không phải bản sao điện tử do hệ thống cấp (hoặc đã bị sửa)")
        return verdict
    verdict.issued_here = True
    doc = session.get(Document, row.document_id)
    verdict.document_name = doc.doc_type_name if doc else None
    verdict.current = is_current(row, doc)
    if not verdict.current:
        verdict.problems.append("Đã có bản sao mới hơn hoặc giấy tờ đã được sửa: bản này không còn hiệu lực")
    verdict.document_status = status_today(session, doc) if doc else None
    return verdict


def status_today(session: Session, doc: Document) -> str:
    if doc.status == DocumentStatus.REJECTED:
        return "revoked"
    if session.scalar(select(Document.id).where(Document.supersedes_id == doc.id).limit(1)):
        return "superseded"
    if doc.status == DocumentStatus.EXPIRED or (
        doc.valid_until is not None and doc.valid_until < date.today()
    ):
        return "expired"
    if doc.status == DocumentStatus.NEEDS_REVIEW:
        return "in_review"
    return "valid"


STATUS_NAMES = {
    "valid": "còn hiệu lực",
    "expired": "đã hết hạn",
    "superseded": "đã có bản mới thay thế",
    "revoked": "đã bị thu hồi / từ chối",
    "in_review": "đang được kiểm tra lại",
}


def _check_signature(data: bytes, verdict: Verdict) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # not a PDF, or broken beyond reading
        verdict.problems.append("Không đọc được tệp PDF")
        return
    if not signatures:
        verdict.problems.append("Tệp không có chữ ký số")
        return
    verdict.signed = True
    context = ValidationContext(trust_roots=trusted_certificates(), allow_fetching=False,
                                revocation_mode="soft-fail")  # fmt: skip
    try:
        status = _outside_any_event_loop(validate_pdf_signature, signatures[-1], context)
    except Exception:
        verdict.problems.append("Chữ ký số không kiểm tra được")
        return
    verdict.intact = bool(status.intact and status.valid)
    verdict.trusted = bool(status.trusted)
    verdict.whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and len(signatures) == 1
    subject = status.signing_cert.subject.native if status.signing_cert else {}
    verdict.agency = subject.get("organization_name") or subject.get("common_name")
    verdict.signed_at = (
        status.signer_reported_dt.astimezone(VIETNAM).isoformat() if status.signer_reported_dt else None
    )
    if not verdict.intact:
        verdict.problems.append("Nội dung đã bị thay đổi sau khi ký")
    if not verdict.trusted:
        verdict.problems.append("Chữ ký không phải của cơ quan được cấu hình trong hệ thống")
    if not verdict.whole_file:
        verdict.problems.append("Chữ ký không bao trùm toàn bộ tệp (có phần thêm vào sau khi ký)")
