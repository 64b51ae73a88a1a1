"""Understanding: what a document is (its type) and the fields a digitized record must carry.

Works on page texts (a text layer or OCR output), tolerant of OCR noise: labels and titles are
matched on text folded to plain ASCII (so dropped or wrong tone marks still match), digits are
repaired where OCR confuses O/0 and l/1, and identifiers are checked for structure. Every field keeps
its confidence (0-1) and where it came from (page, line). The type catalog is data:
``ocr/data/document_types.json``.
"""

from __future__ import annotations

import calendar
import contextlib
import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

from ocr.identifiers import InvalidIdentifier, normalize_tax_code, parse_personal_id
from ocr.text import fold

FIELD_NAMES = (
    "personal_id", "tax_code", "full_name", "date_of_birth", "number", "issue_date", "issuer",
    "signer", "summary", "valid_until", "scope",
)  # fmt: skip


@dataclass(frozen=True)
class DocumentType:
    code: str
    document_code: str  # mã giấy tờ
    name: str  # tên giấy tờ
    owner_kind: str
    title: tuple[str, ...]
    hints: tuple[str, ...]
    validity: str | dict
    required: tuple[str, ...]
    fields: tuple[str, ...]
    reusable: bool
    review: bool


@cache
def document_types() -> dict[str, DocumentType]:
    with resources.files("ocr.data").joinpath("document_types.json").open(encoding="utf-8") as f:
        raw = json.load(f)["types"]
    return {
        t["code"]: DocumentType(
            code=t["code"],
            document_code=t["document_code"],
            name=t["name"],
            owner_kind=t["owner_kind"],
            title=tuple(fold(x) for x in t["title"]),
            hints=tuple(fold(x) for x in t["hints"]),
            validity=t["validity"],
            required=tuple(t["required"]),
            fields=tuple(t["fields"]),
            reusable=t["reusable"],
            review=t["review"],
        )  # fmt: skip
        for t in raw
    }


# Words of a phrase, allowing a stray mark OCR puts between two letters ("kết.hôn" for "kết hôn").
_WORDS = r"(?:[a-z ]|(?<=[a-z])[.,'`](?=[a-z]))"
_INNER_MARK = re.compile(r"(?<=\w)[.,'`](?=\w)")


_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "Q": "0", "D": "0", "l": "1", "I": "1", "|": "1",
                                   "i": "1", "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2"})  # fmt: skip


def repair_digits(token: str) -> str:
    """Undo OCR's letter-for-digit confusions in a token that is mostly digits."""
    digits = sum(ch.isdigit() for ch in token)
    if digits and digits >= 0.5 * len(token.replace(" ", "")):
        return token.translate(_DIGIT_LOOKALIKES)
    return token


# --- results ---------------------------------------------------------------------------------------


@dataclass
class Field:
    value: str
    confidence: float  # 0-1
    page: int
    line: int  # 1-based line on the page
    source: str = "text"  # "text" (read), "default" (type's rule), "declared"

    def as_json(self) -> dict:
        return {"value": self.value, "confidence": round(self.confidence, 3), "page": self.page,
                "line": self.line}  # fmt: skip


@dataclass
class Understanding:
    type: str | None
    type_confidence: float
    declared_type: str | None = None
    contradicted: bool = False  # the declared type disagrees with what the text says
    fields: dict[str, Field] = field(default_factory=dict)

    @property
    def document_type(self) -> DocumentType | None:
        return document_types().get(self.type or "")

    @property
    def missing(self) -> list[str]:
        kind = self.document_type
        return [name for name in (kind.required if kind else ()) if name not in self.fields]

    def as_json(self) -> dict:
        return {
            "type": self.type,
            "type_confidence": round(self.type_confidence, 3),
            "fields": {name: f.as_json() for name, f in self.fields.items()},
        }


@dataclass
class Line:
    page: int
    number: int
    text: str  # NFC as read
    folded: str
    confidence: float  # 0-1, of the page it is on


def split_lines(pages: list[tuple[int, str, float]]) -> list[Line]:
    """(page number, text, confidence 0-100) -> non-empty lines, folded for matching."""
    lines = []
    for number, text, confidence in pages:
        for i, raw in enumerate(unicodedata.normalize("NFC", text).splitlines(), start=1):
            if raw.strip():
                lines.append(Line(number, i, raw.strip(), fold(raw.strip()), min(confidence, 100) / 100))
    return lines


# --- classification --------------------------------------------------------------------------------

TITLE_ZONE = 14  # lines: a title sits near the top of the first page


def classify(lines: list[Line], declared: str | None = None) -> tuple[str | None, float, bool]:
    """(type code, confidence 0-1, declared type contradicted)."""
    scores: dict[str, float] = {}
    head = [line for line in lines if line.page == lines[0].page][:TITLE_ZONE] if lines else []
    body = " ".join(line.folded for line in lines)
    for code, kind in document_types().items():
        score = 0.0
        for phrase in kind.title:
            weight = len(phrase.split())  # longer titles are more specific
            for line in head:
                if phrase in line.folded:
                    # A line that is (nearly) only the title counts most; a mention in a sentence less.
                    alone = len(phrase) >= 0.6 * len(line.folded.strip(" .:"))
                    score = max(score, weight * (4.0 if alone else 1.5))
            if score == 0 and phrase in body:
                score = max(score, weight * 0.5)
        score += sum(0.6 for hint in kind.hints if hint in body)
        scores[code] = score
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, best_score = ranked[0]
    runner_up = ranked[1][1]
    if best_score < 1.0:
        return (declared if declared in document_types() else None), 0.3 if declared else 0.0, False
    confidence = best_score / (best_score + runner_up + 1.0)
    contradicted = bool(declared and declared in document_types() and declared != best)
    if declared == best:
        confidence = min(1.0, confidence + 0.1)
    return best, round(min(confidence, 0.99), 3), contradicted


# --- field extraction ------------------------------------------------------------------------------

_DATE_WORDS = re.compile(r"ngay\s*(\d{1,2})\s*,?\s*thang\s*(\d{1,2})\s*,?\s*nam\s*(\d{4})")
_D = r"[0-9OolI]"  # a digit, or a letter OCR reads for one
_SEP = r"\s?[/.\-]\s?"
_DATE_NUMERIC = re.compile(rf"(?<![\dA-Za-z])({_D}{{1,2}}){_SEP}({_D}{{1,2}}){_SEP}({_D}{{4}})(?!\d)")
_TWELVE = re.compile(rf"(?<![0-9A-Za-z])({_D}{{3}}[ .]?{_D}{{3}}[ .]?{_D}{{3}}[ .]?{_D}{{3}})(?![0-9])")
_TAX = re.compile(r"(?<![0-9])([0-9OoIl]{10}(?:\s?-\s?[0-9OoIl]{3})?)(?![0-9])")
_DOC_NUMBER = re.compile(
    r"^\s*(?:so hieu|so/no\.?|so|no\.?)\s*[:.\-]?\s*([0-9a-z][\w./\-]*(?:\s?[/\-]\s?[\w.\-]+)*)", re.I
)
_NAME_WORD = re.compile(r"^[A-ZÀ-Ỹ][a-zà-ỹA-ZÀ-Ỹ]*$")


def _date(folded: str, start: int = 0) -> tuple[date, int] | None:
    """The first date at or after ``start`` in a folded line, and where it ends."""
    found = []
    for pattern in (_DATE_WORDS, _DATE_NUMERIC):
        match = pattern.search(folded, start)
        if match:
            found.append(match)
    for match in sorted(found, key=lambda m: m.start()):
        day, month, year = (int(repair_digits(g)) for g in match.groups())
        try:
            return date(year, month, day), match.end()
        except ValueError:
            continue
    return None


def find_date(text: str) -> date | None:
    """The first date in any usual Vietnamese form ('ngày 5 tháng 3 năm 2024', '05/03/2024')."""
    found = _date(fold(text))
    return found[0] if found else None


def _after_label(line: Line, labels: tuple[str, ...]) -> int | None:
    for label in labels:
        match = _label_pattern(label).search(line.folded)
        if match:
            return match.end()
    return None


@functools.cache
def _label_pattern(label: str) -> re.Pattern[str]:
    """A label at a word start; its closing colon may come out of OCR as '.', ';' or '-'."""
    body = re.escape(label[:-1]) + r"\s?[:.;\-]" if label.endswith(":") else re.escape(label)
    return re.compile(r"(?<![a-z0-9])" + body)


# Common Vietnamese surnames: the first word of a name is one of a short, closed list, so an OCR slip
# in its tone mark ('Ngồ' for 'Ngô') can be put right when the letters leave only one candidate.
_SURNAMES: dict[str, str] = {}
for _surname in (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trương",
    "Lâm",
    "Mai",
    "Trịnh",
    "Đoàn",
    "Lương",
    "Cao",
    "Tạ",
    "Hà",
    "Vương",
    "Tô",
    "Kiều",
    "Quách",
    "Thái",
    "Tăng",
    "Chu",
    "Triệu",
    "Lưu",
    "Châu",
    "Phùng",
    "Tôn",
    "Thân",
    "Âu",
    "Diệp",
    "Nghiêm",
    "Khúc",
    "Mạc",
):
    _SURNAMES.setdefault(fold(_surname), _surname)  # 'Võ' and 'Vũ' fold apart: no clash


def _clean_name(raw: str) -> str | None:
    # A name ends where the next label starts ("Năm sinh:", "Giới tính:") or at punctuation.
    raw = re.split(r"\s{2,}|[:;,(]|\s(?:nam sinh|sinh nam|gioi tinh|ngay sinh|chuc danh)\b", raw)[0]
    words = _name_words(raw)
    if not 2 <= len(words) <= 6 or any(ch.isdigit() for ch in raw):
        return None
    words = [w[:1].upper() + w[1:].lower() for w in words]
    words[0] = _SURNAMES.get(fold(words[0]), words[0])
    return " ".join(words)


# OCR dust at a name word's edges ("Phạm 'Thanh Hương", "Đỗ Quang Minh _"): never part of a name.
_NAME_DUST = "'`´‘’\"_.,~|*^-"


def _name_words(text: str) -> list[str]:
    return [w for w in (w.strip(_NAME_DUST) for w in text.split()) if w]


def _name_after(line: Line, labels: tuple[str, ...]) -> str | None:
    at = _after_label(line, labels)
    if at is None:
        return None
    rest = line.text[at:]
    folded_rest = fold(rest)
    gloss = _ENGLISH_GLOSS.match(folded_rest)
    if gloss:  # "Họ và tên / Full name:", the English half garbled by OCR ("/ Full Nme-")
        rest, folded_rest = rest[gloss.end() :], folded_rest[gloss.end() :]
    colon = folded_rest.find(":")
    if 0 <= colon <= 18:  # a longer label than the one matched ("Họ và tên chủ hộ:"): skip past it
        if re.search(r"\b(?:me|cha|vo|chong|ket hon|nguoi)\b", folded_rest[:colon]):
            return None  # another person's name: the mother's, the spouse's
        rest, folded_rest = rest[colon + 1 :], folded_rest[colon + 1 :]
    for stop in (" nam sinh", " gioi tinh", " ngay sinh", " chuc danh", " sinh nam", " sinh ngay"):
        cut = folded_rest.find(stop)
        if cut > 0:
            rest = rest[:cut]
            folded_rest = folded_rest[:cut]
    return _clean_name(rest.strip(" :"))


_ENGLISH_GLOSS = re.compile(r"\s*/\s*[a-z]+(?:\s[a-z]+)?\s?[:.;\-]\s*")
NAME_LABELS = (
    "ho, chu dem, ten:", "ho, chu dem, ten", "ho, chu dem va ten", "ho va ten / full name:",
    "ho va ten chu ho:", "ho va ten:", "ho va ten", "ho ten:", "full name:", "cap cho: ong/ba",
    "cap cho: ong", "cap cho: ba", "cap cho ong", "cap cho ba", "cap cho:", "ong/ba:", "ong:", "ba:",
    "chu ho:",
)  # fmt: skip
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
        scope = re.search(rf"(?:de|dung de) lam thu tuc ({_WORDS}+)", line.folded)
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
    _signer(lines, put)
    if kind and "valid_until" in wanted and "valid_until" not in found and "issue_date" in found:
        _default_validity(kind, found)
    if "date_of_birth" in found and "personal_id" in found:
        try:
            parse_personal_id(found["personal_id"].value, date.fromisoformat(found["date_of_birth"].value))
        except InvalidIdentifier:  # century/year digits contradict the birth date: suspect
            found["personal_id"].confidence *= 0.5
    return found


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


def _issuer(lines: list[Line], put) -> None:
    """The issuing body: the block above the national motto, or the body named in the text."""
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
    words = " ".join(text.split()).upper().split()
    # Only the agency words are corrected: the place name after "PHƯỜNG", "XÃ", "THÀNH PHỐ"... is
    # left as read ("THANH XUÂN" must not become "THÀNH XUÂN").
    fixed, in_place = [], False
    for word in words:
        key = fold(word)
        if not in_place and key in _AGENCY_WORDS:
            word = _AGENCY_WORDS[key]
        in_place = in_place or key in _PLACE_FOLLOWS or key not in _AGENCY_WORDS
        fixed.append(word)
    return " ".join(fixed)


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


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier if negative), clamped to the month's end."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _default_validity(kind: DocumentType, found: dict[str, Field]) -> None:
    if isinstance(kind.validity, dict) and "months" in kind.validity:
        issued = found["issue_date"]
        until = add_months(date.fromisoformat(issued.value), kind.validity["months"])
        found["valid_until"] = Field(until.isoformat(), issued.confidence * 0.95, issued.page, issued.line,
                                     "default")  # fmt: skip


def understand(pages: list[tuple[int, str, float]], declared: str | None = None) -> Understanding:
    """Type and fields of one document from its pages: (page number, text, confidence 0-100)."""
    lines = split_lines(pages)
    code, confidence, contradicted = classify(lines, declared)
    return Understanding(code, confidence, declared, contradicted, extract(lines, code))


def owner_conflicts(reading: Understanding, owner_kind: str, identifier: str, name: str | None) -> list[str]:
    """Why this document may not be the given owner's: the identifier or name printed on it differ."""
    reasons = []
    printed = reading.fields.get({"citizen": "personal_id", "organization": "tax_code"}.get(owner_kind, ""))
    if printed is not None and printed.value != identifier:
        reasons.append("định danh trên giấy tờ khác chủ sở hữu / identifier on document is another owner's")
    printed_name = reading.fields.get("full_name")
    if owner_kind == "citizen" and printed_name and name and fold(printed_name.value) != fold(name):
        reasons.append("họ tên trên giấy tờ khác chủ sở hữu / name on document is another person's")
    return reasons
