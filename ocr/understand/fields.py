"""Field extraction: identifiers, names, dates, number, issuer, signer, summary, scope; the labels
they stand under and the default validity of a type."""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import date
from functools import cache

from ocr.identifiers import InvalidIdentifier, birth_provinces, normalize_tax_code, parse_personal_id
from ocr.text import fold
from ocr.understand.dates import _D, _date, add_months
from ocr.understand.labels import _ENGLISH_GLOSS, _INNER_MARK, _WORDS, _after_label, repair_digits
from ocr.understand.names import _NAME_WORD, LABEL_TAIL, NAME_LABELS, _clean_name, _name_after, _name_words
from ocr.understand.reading import Field, Line
from ocr.understand.registry import FIELD_NAMES, DocumentType, document_types

_TWELVE = re.compile(rf"(?<![0-9A-Za-z])({_D}{{3}}[ .]?{_D}{{3}}[ .]?{_D}{{3}}[ .]?{_D}{{3}})(?![0-9])")
_TAX = re.compile(r"(?<![0-9])([0-9OoIl]{10}(?:\s?-\s?[0-9OoIl]{3})?)(?![0-9])")
_DOC_NUMBER = re.compile(
    r"^\s*(?:so hieu|so/no\.?|so|no\.?)\s*[:.\-]?\s*([0-9a-z][\w./\-]*(?:\s?[/\-]\s?[\w.\-]+)*)", re.I
)
DOB_LABELS = ("ngay, thang, nam sinh", "ngay thang nam sinh", "ngay sinh", "date of birth", "sinh ngay")
ID_LABELS = ("so dinh danh ca nhan", "so dinh danh", "so cccd", "so / no", "so/no", "so can cuoc")
TAX_LABELS = ("ma so doanh nghiep", "ma so thue", "mst")
EXPIRY_LABELS = ("co gia tri den", "date of expiry", "co hieu luc den", "gia tri su dung den")
SIGNER_TITLES = re.compile(
    r"^(?:kt\.|tm\.|ktl\.|tl\.)?\s*(?:chu tich|pho chu tich|truong phong|pho truong phong|giam doc|"
    r"pho giam doc|hieu truong|nguoi ky|thu truong|cuc truong|uy ban nhan dan|chanh van phong|"
    r"nguoi ky giay khai sinh|can bo tu phap)"
)
ISSUER_RE = re.compile(
    r"(uy ban nhan dan|so [a-z ]+|phong dang ky kinh doanh|bo [a-z ]+|truong [a-z ]+|cuc [a-z ]+)"
)


ISSUER_IN_TEXT = re.compile(r"(?:tm\.\s*|noi dang ky[a-z ]*:\s*)?(uy ban nhan dan [a-z ]+?)(?:,|$)")


def printed_owner_kinds(lines: list[Line]) -> set[str]:
    """Which kinds of owner identifier the document prints, labelled, whatever its type: "citizen"
    (a valid personal ID after its label), "organization" (a valid tax / enterprise code after its
    label). A company's decision uploaded under a citizen prints the latter and not the former."""
    kinds = set()
    for index, line in enumerate(lines):
        # In running text the number may wrap onto the next line: "... mã số doanh nghiệp\n0101234565,".
        following = lines[index + 1].folded[:24] if index + 1 < len(lines) else ""
        at = _after_label(line, TAX_LABELS)
        if at is not None and (match := _TAX.search(line.folded[at:] + " " + following)):
            with contextlib.suppress(InvalidIdentifier):
                normalize_tax_code(repair_digits(match.group(1)).replace(" ", ""))
                kinds.add("organization")
        at = _after_label(line, ID_LABELS)
        if at is not None:
            for match in _TWELVE.finditer(line.folded[at:] + " " + following):
                with contextlib.suppress(InvalidIdentifier):
                    parse_personal_id(re.sub(r"[ .]", "", repair_digits(match.group(1))))
                    kinds.add("citizen")
    return kinds


def extract(lines: list[Line], type_code: str | None) -> dict[str, Field]:
    kind = document_types().get(type_code or "")
    wanted = set(kind.fields) if kind else set(FIELD_NAMES) - {"summary", "scope"}
    found: dict[str, Field] = {}

    def put(name: str, value: str, confidence: float, line: Line) -> None:
        if name in wanted and name not in found and value:
            found[name] = Field(value, confidence * line.confidence, line.page, line.number)

    for index, line in enumerate(lines):
        # Identifiers: labelled first; a lone structurally valid number is weaker evidence.
        at = _after_label(line, ID_LABELS)
        for match in _TWELVE.finditer(line.folded, at or 0):
            candidate = re.sub(r"[ .]", "", repair_digits(match.group(1)))
            try:
                parse_personal_id(candidate)
            except InvalidIdentifier:
                continue
            put("personal_id", candidate, 0.97 if at is not None else 0.75, line)
            break
        at = _after_label(line, TAX_LABELS)
        if at is not None:
            match = _TAX.search(line.folded, at)
            if match:
                with contextlib.suppress(InvalidIdentifier):
                    tax_code = normalize_tax_code(repair_digits(match.group(1)).replace(" ", ""))
                    put("tax_code", tax_code, 0.97, line)
        name = _name_after(line, NAME_LABELS)
        if name:
            put("full_name", name, 0.9, line)
        elif index + 1 < len(lines) and _label_alone(line, NAME_LABELS):
            # Cards print the label on a line of its own and the name under it, in capitals.
            following = lines[index + 1]
            name = _clean_name(following.text) if following.text.upper() == following.text else None
            if name:
                put("full_name", name, 0.9, following)
        at = _after_label(line, DOB_LABELS)
        if at is not None and (parsed := _date(line.folded, at)):
            put("date_of_birth", parsed[0].isoformat(), 0.95, line)
        at = _after_label(line, EXPIRY_LABELS)
        if at is not None and (parsed := _date(line.folded, at)):
            put("valid_until", parsed[0].isoformat(), 0.95, line)
        match = _DOC_NUMBER.match(line.folded)
        if match and not line.folded.startswith(("so dinh danh", "so / no", "so/no")):
            start, end = match.span(1)
            value = re.sub(r"\s+", "", line.text[start:end]).rstrip(".,;")
            if any(ch.isdigit() for ch in value):
                put("number", value, 0.9, line)
        # OCR often loses the colon after a label on poor scans: take it or leave it.
        book = re.match(r"^so vao so(?: cap)?(?: gcn)?\s*[:.\-]?\s*(\S.*)$", line.folded)
        if book:
            put("number", _book_number(line.text[book.start(1) :].strip()), 0.85, line)
        if re.match(r"^(?:ve viec|v/v)\b", line.folded):
            put("summary", _summary(lines, line), 0.9, line)
        scope = re.search(rf"(?:de|dung de)\s?:?\s?lam thu tuc ({_WORDS}+)", line.folded)
        if scope:
            start, end = scope.span(1)
            purpose = line.text[start:end].strip()
            if end == len(line.folded) and index + 1 < len(lines):  # the purpose wraps onto the next line
                following = lines[index + 1]
                cut = re.match(rf"{_WORDS}*", following.folded).end()
                purpose = f"{purpose} {following.text[:cut].strip()}".strip()
            put("scope", "Làm thủ tục " + _INNER_MARK.sub(" ", purpose), 0.85, line)

    _issue_date(lines, put)
    _issuer(lines, put)
    _person_concerned(lines, put)
    _signer(lines, put)
    if kind and "valid_until" in wanted and "valid_until" not in found and "issue_date" in found:
        _default_validity(kind, found)
    if "date_of_birth" in found and "personal_id" in found:
        try:
            parse_personal_id(found["personal_id"].value, date.fromisoformat(found["date_of_birth"].value))
        except InvalidIdentifier:  # century/year digits contradict the birth date: suspect
            found["personal_id"].confidence *= 0.5
    return found


def _label_alone(line: Line, labels: tuple[str, ...]) -> bool:
    """The line is a name label and nothing after it ("Họ và tên / Full name:")."""
    at = _after_label(line, labels)
    if at is None:
        return False
    rest = _ENGLISH_GLOSS.sub("", line.folded[at:]).strip(" :./")
    return not rest or bool(
        LABEL_TAIL.fullmatch(rest) or LABEL_TAIL.fullmatch(line.folded[at:].strip(" :./"))
    )


_DIGIT_TO_LETTER = str.maketrans({"5": "S", "0": "O", "1": "I", "8": "B", "2": "Z"})


def _book_number(value: str) -> str:
    """A certificate book number is a series of letters and a number ('CS 22869'): digits OCR put
    into the series ('C5') are letters."""
    series, _, rest = value.partition(" ")
    if 1 <= len(series) <= 3 and series[0].isalpha() and rest.replace(" ", "").isdigit():
        series = series.upper().translate(_DIGIT_TO_LETTER)
    return f"{series} {rest}".strip()


# What follows a decision's "Về việc ..." line: its legal bases, articles, recipients.
_BODY_STARTS = ("can cu", "xet ", "dieu ", "theo de nghi", "noi nhan", "quyet dinh")


def _summary(lines: list[Line], first: Line) -> str:
    """'Về việc ...' and its wrapped continuation, up to the next heading or 'Căn cứ'."""
    parts = [first.text.strip()]
    index = lines.index(first)
    for line in lines[index + 1 : index + 4]:
        opening = line.folded.lstrip(" '\"`.,;:-_")  # OCR dust before the first word
        if line.page != first.page or line.text.upper() == line.text or opening.startswith(_BODY_STARTS):
            break
        parts.append(line.text.strip())
    return " ".join(parts)


def _issue_date(lines: list[Line], put) -> None:
    # The place-and-date line ("Hà Nội, ngày 25 tháng 6 năm 2025") dates most documents.
    for line in lines:
        # The comma after the place comes out of heavy scans as ';' or '.' too.
        if re.match(r"^[a-z .\-]{2,40}[,;.]\s*ngay\s*\d", line.folded) and (parsed := _date(line.folded)):
            put("issue_date", parsed[0].isoformat(), 0.95, line)
            return
    # "Ngày, tháng, năm đăng ký" is known by its tail: heavy scans garble its first word (Ngùy).
    labelled = ("dang ky thay doi", "ngay cap", "thang, nam dang ky", "ngay dang ky", "ngay ban hanh",
                "dang ky lan dau")  # fmt: skip
    for label in labelled:
        for line in lines:
            at = line.folded.find(label)
            if at >= 0 and (parsed := _date(line.folded, at)):
                put("issue_date", parsed[0].isoformat(), 0.9, line)
                return
    # Cards date themselves on a line of its own, above the signing title: "Ngày 10 tháng 09 năm 2013".
    for line in lines:
        alone = re.fullmatch(r"\s*ngay\s*\d{1,2}\s*thang\s*\d{1,2}\s*nam\s*\d{4}\s*[.,]?\s*", line.folded)
        if alone and (parsed := _date(line.folded)):
            put("issue_date", parsed[0].isoformat(), 0.85, line)
            return


# Labelled issuers (civil-status forms of Thông tư 04/2020/TT-BTP name the registering body on a line
# of its own; certificates say who issued them): the label states the issuer, so it comes first.
ISSUER_LABELS = ("noi dang ky khai sinh:", "noi dang ky ket hon:", "noi dang ky:", "co quan dang ky:",
                 "co quan cap:", "noi cap:", "co quan cap giay:")  # fmt: skip
_ABBREVIATED = re.compile(r"^\s*(?:ubnd|u\.b\.n\.d\.?)\b", re.I)


# Nghị định 30/2020: a decision's Điều 1 names the person it concerns ("... cho ông Nguyễn Văn A, số
# định danh cá nhân 001..."): their identifier is found by its label on that line like any other.
_ARTICLE_PERSON = re.compile(r"\b(?:ong|ba|anh|chi)\s+(?=[a-z])")


def _person_concerned(lines: list[Line], put) -> None:
    for index, line in enumerate(lines):
        if not re.match(r"^dieu\s*1\b", line.folded):
            continue
        article = [line, *lines[index + 1 : index + 3]]
        for part in article:
            match = _ARTICLE_PERSON.search(part.folded)
            if match:
                name = _clean_name(part.text[match.end() :])
                if name:
                    put("full_name", name, 0.85, part)
                    return
        return


def _labelled_issuer(lines: list[Line], put) -> bool:
    for line in lines:
        at = _after_label(line, ISSUER_LABELS)
        if at is None:
            continue
        value = _ABBREVIATED.sub("Ủy ban nhân dân", line.text[at:].strip(" :.;-"))
        if len(value.split()) >= 2 and not any(ch.isdigit() for ch in value[:3]):
            put("issuer", canonical_issuer(value), 0.9, line)
            return True
    return False


def _issuer(lines: list[Line], put) -> None:
    """The issuing body: a labelled line, the block above the national motto, or the body named in
    the text."""
    if _labelled_issuer(lines, put):
        return
    head = []
    for line in lines[:6]:
        if line.folded.startswith("cong hoa xa hoi"):
            break
        if line.text.upper() == line.text and ISSUER_RE.search(line.folded):
            head.append(line)
        elif head:
            head.append(line) if line.text.upper() == line.text and len(line.text) < 40 else None
    if head:
        put("issuer", canonical_issuer(" ".join(line.text.strip() for line in head)), 0.9, head[0])
        return
    for line in lines:
        match = ISSUER_IN_TEXT.search(line.folded)
        if match and len(match.group(1).split()) >= 5:
            start, end = match.span(1)
            put("issuer", canonical_issuer(line.text[start:end]), 0.8, line)
            return


# The words agencies are named with, as OCR tends to misspell them ("ỦY BẠN NHÂN DẪN"): a word whose
# folded form is one of these is written the one right way.
_AGENCY_WORDS = {fold(w): w for w in (
    "ỦY", "BAN", "NHÂN", "DÂN", "PHƯỜNG", "XÃ", "THỊ", "TRẤN", "THÀNH", "PHỐ", "TỈNH", "SỞ", "TÀI", "CHÍNH",
    "PHÒNG", "ĐĂNG", "KÝ", "KINH", "DOANH", "TƯ", "PHÁP", "XÂY", "DỰNG", "TRƯỜNG", "ĐẠI", "HỌC", "CÔNG",
    "AN", "TRUNG", "TÂM", "PHỤC", "VỤ", "HÀNH", "CỤC", "BỘ", "HỘI", "ĐỒNG",
)}  # fmt: skip


_PLACE_FOLLOWS = {"phuong", "xa", "pho", "tinh", "tran", "quan", "huyen"}


def canonical_issuer(text: str) -> str:
    # OCR dust between words ("ỦY BAN NHÂN DÂN ˆ PHƯỜNG") is no part of a name.
    words = [
        w
        for w in " ".join(text.split()).upper().split()
        if any(unicodedata.category(c) in ("Lu", "Ll", "Nd") for c in w)
    ]
    # Only the agency words are corrected: the place name after "PHƯỜNG", "XÃ", "THÀNH PHỐ"... is
    # left as read ("THANH XUÂN" must not become "THÀNH XUÂN").
    fixed, in_place = [], False
    for word in words:
        key = fold(word)
        if not in_place and key in _AGENCY_WORDS:
            word = _AGENCY_WORDS[key]
        in_place = in_place or key in _PLACE_FOLLOWS or key not in _AGENCY_WORDS
        fixed.append(word)
    issuer = " ".join(fixed)
    # The province after the last comma is one of a known few: its tone marks are taken from the list
    # when the letters agree ("CẦN THỢ" read off a heavy scan is CẦN THƠ).
    head, comma, province = issuer.rpartition(", ")
    known = _provinces().get(fold(province))
    return f"{head}{comma}{known}" if comma and known else issuer


@cache
def _provinces() -> dict[str, str]:
    return {fold(name): name.upper() for name in birth_provinces().values()}


def _signer(lines: list[Line], put) -> None:
    """The name under the last signing title (CHỦ TỊCH, KT. CHỦ TỊCH, TRƯỞNG PHÒNG ...)."""
    for index in range(len(lines) - 1, -1, -1):
        if SIGNER_TITLES.match(lines[index].folded):
            for line in lines[index + 1 : index + 4]:
                if SIGNER_TITLES.match(line.folded):
                    continue
                words = _name_words(line.text)
                if 2 <= len(words) <= 5 and all(_NAME_WORD.match(w) for w in words):
                    put("signer", _clean_name(line.text) or " ".join(words), 0.9, line)
                    return
            return


def _default_validity(kind: DocumentType, found: dict[str, Field]) -> None:
    if isinstance(kind.validity, dict) and "months" in kind.validity:
        issued = found["issue_date"]
        until = add_months(date.fromisoformat(issued.value), kind.validity["months"])
        found["valid_until"] = Field(until.isoformat(), issued.confidence * 0.95, issued.page, issued.line,
                                     "default")  # fmt: skip
