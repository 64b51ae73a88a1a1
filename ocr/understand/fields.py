"""Field extraction: identifiers, names, dates, number, issuer, signer, summary, scope; the labels
they stand under and the default validity of a type."""

from __future__ import annotations

import contextlib
import itertools
import re
import unicodedata
from datetime import date

from ocr.identifiers import (
    InvalidIdentifier,
    mrz_check_digit,
    normalize_tax_code,
    parse_personal_id,
    provinces_by_letters,
)
from ocr.text import fold
from ocr.understand.dates import _D, _date, add_months
from ocr.understand.labels import _ENGLISH_GLOSS, _INNER_MARK, _WORDS, _after_label, repair_digits
from ocr.understand.names import (
    _NAME_WORD,
    LABEL_TAIL,
    NAME_LABELS,
    _clean_name,
    _name_after,
    _name_words,
    is_surname,
    without_first_letter,
)
from ocr.understand.reading import _MOTTO_START, Field, Line
from ocr.understand.registry import FIELD_NAMES, DocumentType, document_types

_TWELVE = re.compile(rf"(?<![0-9A-Za-z])({_D}{{3}}[ .]?{_D}{{3}}[ .]?{_D}{{3}}[ .]?{_D}{{3}})(?![0-9])")
_TAX = re.compile(r"(?<![0-9])([0-9OoIl]{10}(?:\s?-\s?[0-9OoIl]{3})?)(?![0-9])")
_DOC_NUMBER = re.compile(
    r"^\s*(?:so hieu|so/no\.?|so|no\.?)\s*[:.\-]?\s*([0-9a-z][\w./\-]*(?:\s?[/\-]\s?[\w.\-]+)*)", re.I
)
DOB_LABELS = ("ngay, thang, nam sinh", "ngay thang nam sinh", "ngay sinh", "date of birth", "sinh ngay")
ID_LABELS = ("so dinh danh ca nhan", "so dinh danh", "so cccd", "so / no", "so/no", "so can cuoc")
TAX_LABELS = ("ma so doanh nghiep", "ma so thue", "mst")
EXPIRY_LABELS = ("co gia tri den", "date of expiry", "co hieu luc den", "gia tri su dung den", "nam het han")
# A card back's date of issue: "Ngày, tháng, năm / Date, month, year" (CCCD 2021), "Ngày, tháng, năm
# cấp / Date of issue" (Căn cước 2024).
CARD_ISSUE_LABELS = ("date of issue", "ngay, thang, nam cap", "date, month, year")
SIGNER_TITLES = re.compile(
    r"^(?:kt\.|tm\.|ktl\.|tl\.|q\.|ttl\.)?\s*(?:chu tich|pho chu tich|truong phong|pho truong phong|giam doc|"
    r"pho giam doc|hieu truong|pho hieu truong|nguoi ky|thu truong|cuc truong|pho cuc truong|uy ban nhan dan|"
    r"chanh van phong|pho chanh van phong|vien truong|pho vien truong|bo truong|truong ban|pho truong ban|"
    r"chanh an|pho chanh an|tong cuc truong|chi cuc truong|truong khoa|giam doc so|"
    r"nguoi ky giay khai sinh|can bo tu phap)"
)
ISSUER_RE = re.compile(
    r"(uy ban nhan dan|ubnd|so [a-z ]+|phong [a-z ]+|bo [a-z ]+|truong [a-z ]+|cuc [a-z ]+|vien [a-z ]+|"
    r"toa an|cong an [a-z ]+|trung tam [a-z ]+|hoi dong [a-z ]+|van phong [a-z ]+|hoc vien [a-z ]+|"
    # The bodies Nghị định 30/2020's forms head a decree, a resolution or a directive with.
    r"chinh phu|quoc hoi|thu tuong chinh phu|chu tich nuoc|tong cuc [a-z ]+|chi cuc [a-z ]+|"
    r"ngan hang [a-z ]+|kiem toan nha nuoc)"
)
# A line of the head block that opens the name of a body (the one under it, or its parent above).
_BODY_START = re.compile(
    r"^(?:uy ban|ubnd|u\.b\.n\.d|bo |so |truong |phong |cuc |chi cuc |vien |toa an|hoi dong |ban |trung tam |"
    r"cong an |van phong |tong cuc |hoc vien |benh vien |cong ty |vu |khoa )"
)


def _issuing_body(head: list[Line]) -> list[Line]:
    """Nghị định 30/2020: the left head block names the parent body over the issuing one ("BỘ CÔNG
    THƯƠNG" over "TRƯỜNG ĐẠI HỌC ĐIỆN LỰC"). The issuer is the last body named; a line that does not
    open a name continues the one above ("ỦY BAN NHÂN DÂN" / "THÀNH PHỐ HÀ NỘI")."""
    bodies: list[list[Line]] = []
    for line in head:
        if not bodies or _BODY_START.match(line.folded.lstrip(" '\"`.,;:-_")):
            bodies.append([line])
        else:
            bodies[-1].append(line)
    return bodies[-1]


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
        if at is not None and _tax_code(line.folded[at:] + " " + following):
            kinds.add("organization")
        at = _after_label(line, ID_LABELS)
        if at is not None and _personal_id(line.folded[at:] + " " + following):
            kinds.add("citizen")
    return kinds


def _personal_id(text: str, start: int = 0) -> str | None:
    """The first structurally valid 12-digit personal ID in ``text`` from ``start`` (OCR's O/l repaired)."""
    for match in _TWELVE.finditer(text, start):
        candidate = re.sub(r"[ .]", "", repair_digits(match.group(1)))
        with contextlib.suppress(InvalidIdentifier):
            return parse_personal_id(candidate).value
    return None


# A card's small "Số / No.:" read as digits and glued to the number ("32075182683704"): the last 12
# digits of a run of 13-15 are the ID when they agree with the card's date of birth.
_GLUED_ID = re.compile(r"(?<![0-9])([0-9]{13,15})(?![0-9])")


def _personal_id_after_glued_label(lines: list[Line], put, found: dict[str, Field]) -> None:
    if "date_of_birth" not in found:
        return  # the birth year is the check that makes the tail the ID and not a chance of digits
    born = date.fromisoformat(found["date_of_birth"].value)
    for line in lines:
        for match in _GLUED_ID.finditer(line.text.replace(" ", "")):
            with contextlib.suppress(InvalidIdentifier):
                put("personal_id", parse_personal_id(match.group(1)[-12:], born).value, 0.7, line)
                return


# Letters a card's bold digits are read as, and the digits each may stand for.
_DIGIT_READINGS = {"b": "85", "s": "5", "g": "6", "z": "2", "o": "0", "d": "0", "q": "0", "l": "1", "i": "1",
                   "t": "7", "a": "4", "e": "8"}  # fmt: skip
# The marks a card's slash in small bold print is read as, besides a 1 (ocr.cards writes such a date
# with its slashes; here a birth date's reading may keep them).
CARD_SLASH_MARKS = "Il|J]!"
# What separates a card date's day, month and year as read: a slash, a dot or dash, a 1, such a mark.
CARD_DATE_SEPARATORS = "/.-1" + CARD_SLASH_MARKS
# A birth date's slash, folded (or nothing at all).
_CARD_SLASHES = CARD_DATE_SEPARATORS.lower()
# A chip card expires on its holder's 25th, 40th or 60th birthday (Luật Căn cước công dân 2014, art. 21;
# Luật Căn cước 2023, art. 21).
CARD_RENEWAL_AGES = (25, 40, 60)


def _birth_date_through_the_card(lines: list[Line], put, found: dict[str, Field]) -> None:
    """A birth date in bold print read with letters for digits ("1B/08/199B"): each letter's possible
    digits tried, and the one date kept that the card's other fields allow - the birth year the
    personal ID encodes, the day and month the expiry (a birthday) repeats. Unique, or nothing."""
    for line in lines:
        at = _after_label(line, DOB_LABELS)
        if at is None:
            continue
        end = _NEXT_LABEL.search(line.folded, at)
        # The value: after the label's colon, or after its English half where the colon is lost.
        value = line.folded[at : end.start() if end else len(line.folded)].rpartition(":")[2]
        value = re.sub(r"\s", "", re.sub(r"^\W*(?:date of birth)?", "", value)).strip(".,;")
        born = sorted(set(_dates_read_as(value)))
        if "personal_id" in found:
            with contextlib.suppress(InvalidIdentifier):
                year = parse_personal_id(found["personal_id"].value).birth_year
                born = [day for day in born if day.year == year]
        if "valid_until" in found:
            expires = date.fromisoformat(found["valid_until"].value)
            born = [d for d in born if _renewal_birthday(expires, d.day, d.month, d.year)] or born
        if len(born) == 1:
            put("date_of_birth", born[0].isoformat(), 0.7, line)
        return


def _birth_year_by_the_id(found: dict[str, Field]) -> None:
    """A chip card's birth year read wrong, put right by its ID's digits: where its expiry (a
    birthday: same day and month, a renewal age later) says the ID's year too ("08/11/1994" on a card
    whose ID and expiry say 1991: the two fields outweigh one misread digit), or where the year read
    cannot be a birth year ("16/12/4986": in the future, or before 1900)."""
    if not all(name in found for name in ("date_of_birth", "personal_id")):
        return
    born = date.fromisoformat(found["date_of_birth"].value)
    expires = _iso(found.get("valid_until"))
    try:
        year = parse_personal_id(found["personal_id"].value).birth_year
    except InvalidIdentifier:
        return
    impossible = not 1900 <= born.year <= date.today().year
    if (
        born.year != year
        and (impossible or (expires and _renewal_birthday(expires, born.day, born.month, year)))
        and (fixed := _valid_date(f"{born.day:02d}{born.month:02d}{year}"))
    ):
        found["date_of_birth"].value = fixed.isoformat()
        found["date_of_birth"].confidence *= 0.75


def _viet_nam(text: str) -> bool:
    """Whether a card's nationality reads as Việt Nam, its end cut off or misread: "Việt Nal",
    "Việt Ne", "Việt N", "Việt '”" (marks where the frame cut "Nam")."""
    letters = "".join(ch for ch in fold(text) if ch.isalnum())
    return bool(re.match(r"vietnam|viet(n\w{0,2})?$", letters))


def _sex_by_the_id(found: dict[str, Field]) -> None:
    """A chip card's sex left unread ("Nữ" in bold print read as "N _"): its ID's 4th digit encodes
    it (odd: female - Thông tư 59/2021/TT-BCA), taken where the ID's century and year digits agree
    with the birth date read apart from it (the ID read right), as a value by rule, not a reading."""
    if "sex" in found or not all(name in found for name in ("date_of_birth", "personal_id")):
        return
    number, born = found["personal_id"], found["date_of_birth"]
    try:
        person = parse_personal_id(number.value, date.fromisoformat(born.value))
    except (InvalidIdentifier, ValueError):
        return
    confidence = 0.9 * min(number.confidence, born.confidence)
    found["sex"] = Field("Nữ" if person.female else "Nam", confidence, number.page, number.line, "default")


def _renewal_birthday(expires: date, day: int, month: int, year: int) -> bool:
    """Whether a card expiring on ``expires`` can be that of someone born on day/month/year: it
    expires on a birthday, a renewal age after the birth year."""
    return (month, day) == (expires.month, expires.day) and expires.year - year in CARD_RENEWAL_AGES


def _dates_read_as(text: str) -> list[date]:
    """Every date ``text`` can be a reading of: dd, a slash (or what it is read as, or none), mm, a
    slash, yyyy, each digit perhaps read as a letter."""
    found = []
    for first in (0, 1):
        for second in (0, 1):
            if len(text) != 8 + first + second:
                continue
            day, month, year = text[:2], text[2 + first : 4 + first], text[4 + first + second :]
            slashes = text[2 : 2 + first] + text[4 + first : 4 + first + second]
            if any(ch not in _CARD_SLASHES for ch in slashes):
                continue
            options = [ch if ch.isdigit() else _DIGIT_READINGS.get(ch, "") for ch in day + month + year]
            if all(options):
                found += [d for digits in itertools.product(*options) if (d := _valid_date("".join(digits)))]
    return found


def _valid_date(digits: str) -> date | None:
    """The date eight digits write as ddmmyyyy, if there is one."""
    try:
        return date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        return None


def _tax_code(text: str, start: int = 0) -> str | None:
    """The valid tax / enterprise code at the first 10(-3)-digit run in ``text`` from ``start``."""
    match = _TAX.search(text, start)
    if match:
        with contextlib.suppress(InvalidIdentifier):
            return normalize_tax_code(repair_digits(match.group(1)).replace(" ", ""))
    return None


ID_CARDS = ("cccd", "cmnd")


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
        if personal_id := _personal_id(line.folded, at or 0):
            put("personal_id", personal_id, 0.97 if at is not None else 0.75, line)
        at = _after_label(line, TAX_LABELS)
        if at is not None and (tax_code := _tax_code(line.folded, at)):
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
        elif at is not None:
            # A card prints the expiry under its label (and its English gloss): the next date alone.
            for following in lines[index + 1 : index + 3]:
                if parsed := _date(following.folded, 0, expected=True):
                    put("valid_until", parsed[0].isoformat(), 0.9, following)
                    break
        at = _after_label(line, CARD_ISSUE_LABELS)
        if at is not None and (parsed := _date(line.folded, at)):
            put("issue_date", parsed[0].isoformat(), 0.9, line)
        old_card = _OLD_CARD_NUMBER.match(line.folded)
        if old_card:
            put("number", old_card.group(1), 0.85, line)
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
        elif (
            index
            and _is_title(lines[index - 1], kind)
            and (
                re.match(r"^(?:ve|ban hanh|phe duyet|quy dinh)\b", line.folded)
                or _stated_below_title(line, kind)
            )
        ):
            put("summary", _summary(lines, line), 0.85, line)
        scope = re.search(rf"(?:de|dung de)\s?:?\s?lam thu tuc ({_WORDS}+)", line.folded)
        if scope:
            start, end = scope.span(1)
            purpose = line.text[start:end].strip()
            if end == len(line.folded) and index + 1 < len(lines):  # the purpose wraps onto the next line
                following = lines[index + 1]
                cut = re.match(rf"{_WORDS}*", following.folded).end()
                purpose = f"{purpose} {following.text[:cut].strip()}".strip()
            put("scope", "Làm thủ tục " + _INNER_MARK.sub(" ", purpose), 0.85, line)

    _card_fields(lines, put)
    _machine_readable_zone(lines, put, found)
    if kind and kind.code in ID_CARDS and "personal_id" in wanted and "personal_id" not in found:
        _personal_id_after_glued_label(lines, put, found)
    if kind and kind.code == "cccd" and "date_of_birth" in wanted and "date_of_birth" not in found:
        _birth_date_through_the_card(lines, put, found)
    _card_issuer(lines, put)
    _issue_date(lines, put)
    _issuer(lines, put)
    _person_concerned(lines, put)
    if not (kind and kind.code in ID_CARDS):
        # A card's signer is the name under the officer's title on its back (_card_issuer); a line
        # of its front that ends an address ("Thành phố / Hồ Chí Minh") is no signature's.
        _signer(lines, put)
    _recipients(lines, put)
    if kind and "valid_until" in wanted and "valid_until" not in found and "issue_date" in found:
        _default_validity(kind, found)
    if kind and kind.code == "cccd":
        _birth_year_by_the_id(found)
    if "date_of_birth" in found and "personal_id" in found:
        try:
            parse_personal_id(found["personal_id"].value, date.fromisoformat(found["date_of_birth"].value))
        except InvalidIdentifier:  # century/year digits contradict the birth date: suspect
            found["personal_id"].confidence *= 0.5
    if kind and kind.code == "cccd":
        _sex_by_the_id(found)
    if "sex" in found and "personal_id" in found:
        # The 4th digit is century and sex (even: male, odd: female - Thông tư 59/2021/TT-BCA).
        digit = found["personal_id"].value[3:4]
        if digit.isdigit() and ("Nữ" if int(digit) % 2 else "Nam") != found["sex"].value:
            found["personal_id"].confidence *= 0.5
            found["sex"].confidence *= 0.5
    _dates_in_range(found)
    return found


# An identity card's printed fields by their labels (chip CCCD 2021, Căn cước 2024, CMND), the value
# after the label or, where the card prints the label alone, on the line under it.
CARD_LABELS = {
    "sex": ("gioi tinh", "sex"),
    "nationality": ("quoc tich", "nationality"),
    "place_of_origin": ("que quan", "place of origin", "nguyen quan", "noi dang ky khai sinh"),
    "place_of_residence": (
        "noi thuong tru",
        "place of residence",
        "noi cu tru",
        "dkhk thuong tru",
        "ho khau thuong tru",
    ),
}
# Every label a card prints: a wrapped value stops at the next one (the expiry under the photo is
# read after the residence beside it).
_ALL_CARD_LABELS = (*CARD_LABELS.values(), EXPIRY_LABELS, CARD_ISSUE_LABELS, DOB_LABELS, ID_LABELS)
# The old CMND's number: "Số 012345678" (9 digits; 12 on the last ones), "S" often read as "5".
# "Số 184930019" on an old CMND's front; its S in red print read as a mark ("°ố") or lost.
_OLD_CARD_NUMBER = re.compile(r"^[^\w\s]?[s5]?o\s*:?\s*(\d{9}|\d{12})\b")
# A wrapped address line that opens a new administrative unit: joined to the value with a comma.
_CONTINUES = ("phuong", "xa ", "quan", "huyen", "tinh", "thanh pho", "tp", "thi tran", "thi xa")
# Where one label's value ends: the next label on the same line ("Giới tính: Nữ  Quốc tịch: Việt Nam").
_NEXT_LABEL = re.compile(r"\s(?:quoc tich|nationality|gioi tinh|sex|que quan|noi thuong tru|co gia tri)\b")
_SEXES = {"nu": "Nữ", "nam": "Nam", "f": "Nữ", "m": "Nam"}


# A chip card's back ends with a TD1 machine-readable zone (ICAO Doc 9303): the ID's last nine digits
# as the document number and the whole ID after it; birth date, sex, expiry on the second line. Each
# field carries a check digit: a field read through it is the card's own, whatever OCR did elsewhere.
# OCR reads the filler '<' well, the leading 'I' now and then as 'T' or '1'.
# Digits read as look-alike letters ('O' for 0) are put back: the check digit says if that was right.
_MRZ_FIRST = re.compile(rf"[IT1l][DO0]VNM({_D}{{9}})({_D})({_D}{{12}})<")
_MRZ_SECOND = re.compile(rf"({_D}{{6}})({_D})([MF<])({_D}{{6}})({_D})VNM")


def _machine_readable_zone(lines: list[Line], put, found: dict[str, Field]) -> None:
    """Personal ID, birth date, sex and expiry from the zone, each only through its check digit;
    a value read elsewhere on the card that the zone contradicts loses half its confidence."""
    read: dict[str, tuple[str, Line]] = {}
    for line in lines:
        compact = line.text.replace(" ", "")
        if first := _MRZ_FIRST.search(compact):
            number, check, whole = (repair_digits(g) for g in first.groups())
            # The document number is the ID's tail, and its check digit holds: one number, read right.
            if mrz_check_digit(number) == check and whole.endswith(number):
                read["personal_id"] = (whole, line)
        if second := _MRZ_SECOND.search(compact):
            born, born_check, sex, expires, expires_check = (repair_digits(g) for g in second.groups())
            if mrz_check_digit(born) == born_check and (day := _mrz_date(born, past=True)):
                read["date_of_birth"] = (day, line)
            if mrz_check_digit(expires) == expires_check and (day := _mrz_date(expires, past=False)):
                read["valid_until"] = (day, line)
            if sex in "MF" and mrz_check_digit(born) == born_check:
                read["sex"] = ("Nam" if sex == "M" else "Nữ", line)
    for name, (value, line) in read.items():
        if name in found and found[name].value != value:
            found[name].confidence *= 0.5  # the zone's check digit outweighs a printed line's OCR
        put(name, value, 0.99, line)


def _mrz_date(digits: str, past: bool) -> str | None:
    """YYMMDD as an ISO date: a birth date in the last hundred years, an expiry in this century."""
    year, month, day = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    this_year = date.today().year % 100
    century = (1900 if year > this_year else 2000) if past else 2000
    try:
        return date(century + year, month, day).isoformat()
    except ValueError:
        return None


def _card_fields(lines: list[Line], put) -> None:
    for name, labels in CARD_LABELS.items():
        for index, line in enumerate(lines):
            at = _after_label(line, labels)
            if at is None:
                continue
            # Past an English gloss and the colon: "Giới tính / Sex: Nữ" - its own colon, not the next
            # label's on the same line ("Giới tính/ Sex Nữ Quốc tịch/ Nationality: Việt Nam").
            later = (m.start() for m in _NEXT_LABEL.finditer(line.folded, at) if m[0].strip() not in labels)
            colon = line.folded.find(":", at, min(at + 32, next(later, len(line.folded))))
            start = colon + 1 if colon >= 0 else at
            start += len(line.folded[start:]) - len(line.folded[start:].lstrip(" :./"))
            # The label's English half with its colon lost ("Giới tính / Sex Nam"): the value after it.
            own = next((label for label in labels if line.folded.startswith(label + " ", start)), None)
            if own and colon < 0:
                start += len(own)
                start += len(line.folded[start:]) - len(line.folded[start:].lstrip(" :./"))
            end = _NEXT_LABEL.search(line.folded, start)
            text = line.text[start : end.start() if end else len(line.text)]
            text = _ENGLISH_GLOSS.sub(" ", text).strip(" :./,;")
            source = line
            if sum(ch.isalnum() for ch in text) < 2 and index + 1 < len(lines):
                # The label alone (or with a speck after it): the value is under it.
                source = lines[index + 1]
                text = source.text.strip(" :./,;")
            if not text:
                continue
            if name == "sex":
                sex = _SEXES.get(fold(text).split()[0].strip(" ./") if text.split() else "")
                if sex:
                    put("sex", sex, 0.95, source)
            elif name == "nationality":
                put(
                    "nationality",
                    # A chip card's holder is a citizen: "Việt Nam" with its last letters cut off by
                    # the frame or misread ("Việt Nal", "Việt '”") is Việt Nam.
                    "Việt Nam" if _viet_nam(text) else text,
                    0.9,
                    source,
                )
            else:
                after = lines.index(source) + 1
                # An address often wraps onto the next lines: each without a label of its own (no
                # colon) and no heading, up to two of them.
                for following in lines[after : after + 2]:
                    labelled = any(_after_label(following, ls) is not None for ls in _ALL_CARD_LABELS)
                    if labelled or ":" in following.text or following.text.upper() == following.text:
                        break
                    # A new administrative unit is set off by a comma, as the form writes it.
                    unit = following.text[:1].islower() or following.folded.startswith(_CONTINUES)
                    joint = ", " if unit and not text.rstrip().endswith(",") else " "
                    text = f"{text.rstrip()}{joint}{following.text.strip(' .')}"
                put(name, province_put_right(" ".join(text.split())), 0.85, source)
            break


# A card's back names its issuer in its signer's title: "CỤC TRƯỞNG CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH
# VỀ TRẬT TỰ XÃ HỘI" (CCCD), "GIÁM ĐỐC CÔNG AN TỈNH ..." (CMND): the body after the title.
# A card back's officer title; a mark of the signature or the background read before it ("| GIÁM ĐỐC").
CARD_SIGNING_TITLE = re.compile(r"^[\W_]*(?:cuc truong|giam doc)\s+(?=cuc |cong an )")
_MRZ = re.compile(r"^(?=.*[<0-9])[a-z0-9<]{20,}$")  # the machine-readable zone: no spaces, digits and <


def _card_issuer(lines: list[Line], put) -> None:
    for index, line in enumerate(lines):
        if line.folded.strip(" .") == "bo cong an":  # the Căn cước (2024) is issued by the ministry
            put("issuer", "BỘ CÔNG AN", 0.9, line)
            return
        match = CARD_SIGNING_TITLE.match(line.folded)
        if not match:
            continue
        parts = [line.text[match.end() :].strip()]
        for following in lines[index + 1 : index + 3]:
            if following.text.upper() != following.text or _MRZ.match(following.folded.strip()):
                break
            parts.append(following.text.strip())
        # A letter alone is the signature's stroke or the background read as text, never a word of it.
        words = [w for w in " ".join(parts).split() if len(w) > 1 or w.isdigit()]
        put("issuer", canonical_issuer(" ".join(words)), 0.85, line)
        for following in lines[index + 1 : index + 6]:  # the signer's name under the signature
            name = _signer_name(following)
            if name and is_surname(name.split()[0]) and following.text.upper() != following.text:
                put("signer", name, 0.85, following)
                break
        return


def _stated_below_title(line: Line, kind: DocumentType | None) -> bool:
    """The line under the name of a document that carries a trích yếu (a plan's "Triển khai ...", a
    report's "Kết quả ...", an invitation's "Dự hội nghị ..."): a sentence in mixed case, neither
    the body's opening ("Căn cứ", "Thực hiện") nor a label ("Kính gửi:", "Thời gian:")."""
    opening = line.folded.lstrip(" '\"`.,;:-_~")
    return (
        kind is not None
        and "summary" in kind.fields
        and line.text.upper() != line.text
        and line.text.lstrip()[:1].isupper()
        and not opening.startswith(_SUMMARY_ENDS)
        and ":" not in line.text[:30]
    )


def _is_title(line: Line, kind: DocumentType | None) -> bool:
    """The line is the document's title alone ("THÔNG BÁO", "QUYẾT ĐỊNH"): its type's name in capitals."""
    folded = line.folded.strip(" .:")
    return bool(kind) and line.text.upper() == line.text and any(folded == title for title in kind.title)


def _dates_in_range(found: dict[str, Field]) -> None:
    """A birth date in the future or an expiry before the birth cannot be: the reading is suspect."""
    today = date.today()
    born = _iso(found.get("date_of_birth"))
    if born and (born > today or born.year < 1900):
        found["date_of_birth"].confidence *= 0.5
    until = _iso(found.get("valid_until"))
    if until and born and until <= born:
        found["valid_until"].confidence *= 0.5


def _iso(field: Field | None) -> date | None:
    try:
        return date.fromisoformat(field.value) if field else None
    except ValueError:
        return None


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


# Where a trích yếu's wrapped lines end: the addressees, the body's first words, a form's labels.
_SUMMARY_ENDS = _BODY_STARTS + ("kinh gui", "thuc hien", "thoi gian", "dia diem", "chu tri", "thanh phan",
                                "ho va ten", "ho ten", "kinh trinh")  # fmt: skip
# A place and date the line read across from the right column ("... Chúa trời Đà Nẵng, ngày 26 ...").
_PLACE_DATE_TAIL = re.compile(r"\s[a-z][a-z .\-]{1,30}[,;.]\s*ngay\s*\d")


def _summary(lines: list[Line], first: Line) -> str:
    """'Về việc ...' and its wrapped continuation, up to the next heading, 'Căn cứ', the addressees
    or the body; a place and date read across from the right column are no part of it."""
    parts = [_before_place_date(first)]
    index = lines.index(first)
    for line in lines[index + 1 : index + 4]:
        opening = line.folded.lstrip(" '\"`.,;:-_~")  # OCR dust before the first word
        if line.page != first.page or line.text.upper() == line.text or opening.startswith(_SUMMARY_ENDS):
            break
        if _PLACE_DATE_TAIL.search(" " + line.folded) and not line.text[:1].islower():
            cut = _before_place_date(line)
            if cut:
                parts.append(cut)
            break
        parts.append(line.text.strip(" `'~_"))
        if line.text.rstrip().endswith((".", ";", ":")):
            break
    return " ".join(p for p in parts if p)


def _before_place_date(line: Line) -> str:
    match = _PLACE_DATE_TAIL.search(" " + line.folded)
    text = line.text if match is None else line.text[: max(0, match.start() - 1)]
    return text.strip(" `'~_")


def _issue_date(lines: list[Line], put) -> None:
    # The place-and-date line ("Hà Nội, ngày 25 tháng 6 năm 2025") dates most documents.
    for line in lines:
        # The comma after the place comes out of heavy scans as ';' or '.' too.
        if re.match(r"^[a-z .\-]{2,40}[,;.]\s*ngay\s*\d", line.folded) and (parsed := _date(line.folded)):
            put("issue_date", parsed[0].isoformat(), 0.95, line)
            return
    # "Ngày, tháng, năm đăng ký" is known by its tail: heavy scans garble its first word (Ngùy).
    labelled = ("dang ky thay doi", "ngay cap", "thang, nam dang ky", "ngay dang ky", "ngay ban hanh",
                "dang ky lan dau", "date, month, year", "ngay, thang, nam /")  # fmt: skip
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
    beside_motto = False  # the head's right column, read as lines of their own, comes between
    for line in lines[:6]:
        if re.match(_MOTTO_START, line.folded):
            beside_motto = True
            continue
        if re.match(r"^s[o0]\s*:", line.folded):
            break  # the number's line ("Số:"): the head block is above it
        if line.text.upper() == line.text and ISSUER_RE.match(line.folded.lstrip(" '\"`.,;:-_")):
            head.append(line)
        elif head and not beside_motto:
            head.append(line) if line.text.upper() == line.text and len(line.text) < 40 else None
    if head:
        body = _issuing_body(head)
        put("issuer", canonical_issuer(" ".join(line.text.strip() for line in body)), 0.9, body[0])
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
    "VIỆN", "KIỂM", "SÁT", "TỐI", "CAO", "GIÁO", "DỤC", "VÀ", "ĐÀO", "TẠO", "ĐIỆN", "LỰC", "THƯƠNG",
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
        if not in_place and key not in _AGENCY_WORDS and len(key) >= 4:
            # A letter doubled by OCR ("GIÁAO"): one letter less makes an agency word.
            key = next((k for i in range(len(key)) if (k := key[:i] + key[i + 1 :]) in _AGENCY_WORDS), key)
        if not in_place and key in _AGENCY_WORDS:
            word = _AGENCY_WORDS[key]
        in_place = in_place or key in _PLACE_FOLLOWS or key not in _AGENCY_WORDS
        fixed.append(word)
    return province_put_right(" ".join(fixed))


def province_put_right(text: str) -> str:
    """The province after the last comma of an issuer or an address is one of a known few: its tone
    marks are taken from the list when the letters agree ("CẦN THỢ" off a heavy scan is CẦN THƠ, "Đà
    Năng" on a card Đà Nẵng), after "Tỉnh" / "Thành phố" where the text has it, in its case."""
    head, comma, tail = text.rpartition(", ")
    if not comma:
        return text
    words = tail.split()
    for start in range(min(3, len(words))):
        if known := provinces_by_letters().get(fold(" ".join(words[start:]))):
            name = known.upper() if tail.isupper() else known
            return f"{head}, {' '.join([*words[:start], name])}"
    return text


# Before a signer's name: an academic title or a rank ("TS. Trương Huy Hoàng", "Trung tá Ngô Văn Công").
_HONORIFIC = re.compile(
    r"^(?:(?:pgs|gs|ts|ths|tskh|bs|bsck\s*i{1,2}|ks|cn|ls|ncs)\s*\.?\s*)+"
    r"|^(?:thieu|trung|thuong|dai)\s+(?:uy|ta|tuong)\s+"
)
# A line under a signing title that names a body or place, not a person ("THÀNH PHỐ ĐÀ NẴNG").
_NOT_A_NAME = ("thanh pho", "tinh ", "quan ", "huyen ", "phuong ", "xa ", "uy ban", "so ", "bo ")


def _signer_name(line: Line) -> str | None:
    """The person's name on a line under a signature, without title or rank; None if it is none."""
    honorific = _HONORIFIC.match(line.folded)
    text = line.text[honorific.end() :] if honorific else line.text
    first, _, rest = text.strip().partition(" ")
    if rest and not is_surname(rest.split()[0]) and (surname := without_first_letter(first)):
        text = f"{surname} {rest}"  # the signature's stroke took the surname's capital
    # A lone lower-case letter is a speck of the signature read as text ("Lê ê Thị Bích Thuận").
    text = " ".join(w for w in text.split() if not (len(w) == 1 and w.islower()))
    if line.folded.startswith(_NOT_A_NAME):
        return None
    words = _name_words(text)
    if 2 <= len(words) <= 5 and all(_NAME_WORD.match(w) for w in words):
        return _clean_name(text) or " ".join(words)
    return None


# A title's words as printed (accents and capitals kept: "Trương" is a surname, "TRƯỞNG" a title).
_TITLE_WORDS = {"TRƯỞNG", "PHÒNG", "PHÓ", "GIÁM", "ĐỐC", "HIỆU", "TỊCH", "CHÁNH", "VIỆN", "CỤC"}


def _signing_title(line: Line) -> bool:
    """A signing title, at the line's start or after "Nơi nhận:" (the recipients and the signature
    are printed side by side and read as one line)."""
    if SIGNER_TITLES.match(line.folded):
        return True
    beside = re.match(r"^\W*noi nhan\s*[:.;]?\s*", line.folded)
    return bool(beside and SIGNER_TITLES.match(line.folded[beside.end() :]))


def _name_at_end(line: Line) -> str | None:
    """A person's name ending a line ("- Lưu: VT. Trịnh Văn Toàn": recipients and signature read as
    one line; "E» Trịnh Văn Toàn": the signature's stroke read as marks): title-case words back from
    the end, lone lower-case letters (specks) passed over, from the first Vietnamese surname on."""
    words: list[str] = []
    for word in reversed(line.text.split()):
        if len(word) == 1 and word.islower():
            continue
        if not (_NAME_WORD.match(word) and not word.isupper()):
            if words and is_surname(capital := word[:1].upper() + word[1:]):
                words.insert(0, capital)  # "1. trương Huy Hoàng": the stroke took "TS." and the capital
            break
        words.insert(0, word)
    while words and not is_surname(words[0]):
        words.pop(0)
    return " ".join(words) if 2 <= len(words) <= 5 else None


def _person_like(name: str) -> bool:
    """A signer's name, not the marks a signature or seal leaves beside it ("D Pa", "Œ Tn"): it opens
    with a Vietnamese surname, or has three words of two letters or more."""
    words = name.split()
    return is_surname(words[0]) or (len(words) >= 3 and all(len(w) >= 2 for w in words))


def _signer(lines: list[Line], put) -> None:
    """The name under the last signing title (CHỦ TỊCH, KT. CHỦ TỊCH, TRƯỞNG PHÒNG ...)."""
    for index in range(len(lines) - 1, -1, -1):
        if _signing_title(lines[index]):
            for line in lines[index + 1 : index + 9]:
                if _signing_title(line) or _TITLE_WORDS & set(line.text.split()) or line.text.isupper():
                    # The title's second line ("TRƯỞNG PHÒNG CTSV"), however it was read: in capitals,
                    # where the name under it is printed in title case (Nghị định 30/2020).
                    continue
                listed = line.folded.lstrip().startswith(("-", "+", "noi nhan"))  # a recipient
                name = (None if listed else _signer_name(line)) or _name_at_end(line)
                if name and _person_like(name):
                    put("signer", name, 0.9, line)
                    return
            break  # a title with no name under it: the name may stand alone below (a seal between)
    # The signing title lost under a seal: a name on one of the page's last lines, its first word a
    # Vietnamese surname, is the signer's (less sure).
    last_page = [line for line in lines if line.page == lines[-1].page] if lines else []
    for line in reversed(last_page[-4:]):
        name = _signer_name(line)
        # Printed under a signature in title case; a name in capitals is a card holder's or a heading.
        if name and is_surname(name.split()[0]) and line.text.upper() != line.text:
            put("signer", name, 0.7, line)
            return
        # Alone, a name ending a line needs three words: "Hà Nội" ends addresses.
        if (name := _name_at_end(line)) and len(name.split()) >= 3:
            put("signer", name, 0.6, line)
            return


_RECIPIENTS = re.compile(r"^\s*noi nhan\s*[:.;]?\s*(.*)$")


def _recipients(lines: list[Line], put) -> None:
    """Nơi nhận: the dashed items under the label (Nghị định 30/2020, Phụ lục I), as "a; b; c"."""
    for index, line in enumerate(lines):
        match = _RECIPIENTS.match(line.folded)
        if not match:
            continue
        items = []
        first = line.text[match.start(1) :].strip()
        if first:
            items.append(first)
        for following in lines[index + 1 : index + 16]:
            text = following.text.strip()
            if (
                following.page != line.page
                or SIGNER_TITLES.match(following.folded)
                or not text.startswith(("-", "+", "•"))
            ):
                break
            items.append(text)
        cleaned = [item.lstrip("-+• ").rstrip(" ;,.") for item in items]
        cleaned = [item for item in cleaned if item and item != "/"]
        if cleaned:
            put("recipients", "; ".join(cleaned), 0.85, line)
        return


def _default_validity(kind: DocumentType, found: dict[str, Field]) -> None:
    if isinstance(kind.validity, dict) and "months" in kind.validity:
        issued = found["issue_date"]
        until = add_months(date.fromisoformat(issued.value), kind.validity["months"])
        found["valid_until"] = Field(until.isoformat(), issued.confidence * 0.95, issued.page, issued.line,
                                     "default")  # fmt: skip
