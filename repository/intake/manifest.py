"""A batch's manifest: one row per file, read in whatever encoding and delimiter staff's tools wrote,
each row checked (file present, case, procedure, kind, owner identifier) with the reason it is turned
away; and the inbox's files by their NFC names.

Columns: file, case_code, procedure_code, owner_kind, owner_id, and optionally owner_name,
agency_code, document_type (declared, a hint) and kind (component | result).
"""

from __future__ import annotations

import csv
import json
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from repository.catalog.models import DocumentKind
from repository.catalog.procedures import procedures
from repository.identifiers import InvalidIdentifier, kind_from_length, normalize_owner

MANIFEST_NAMES = ("manifest.csv", "manifest.json", "manifest.xlsx")
REQUIRED = ("file", "case_code", "procedure_code", "owner_kind", "owner_id")
KIND_ALIASES = {
    "component": DocumentKind.COMPONENT,
    "thành phần": DocumentKind.COMPONENT,
    "thanh phan": DocumentKind.COMPONENT,
    "result": DocumentKind.RESULT,
    "kết quả": DocumentKind.RESULT,
    "ket qua": DocumentKind.RESULT,
}


class ManifestError(Exception):
    """The manifest as a whole cannot be read; the message names the file and the reason."""


class Reason(str):
    """Why a row or file is turned away: the Vietnamese text, with a stable ``code`` beside it."""

    code: str

    def __new__(cls, text: str, code: str) -> Reason:
        reason = super().__new__(cls, text)
        reason.code = code
        return reason


@dataclass
class ManifestRow:
    number: int  # 1-based data row
    values: dict[str, str]


def find_manifest(inbox: Path) -> Path:
    for name in MANIFEST_NAMES:
        if (inbox / name).is_file():
            return inbox / name
    raise ManifestError(f"{inbox}: không tìm thấy manifest.csv hoặc manifest.json / no manifest in the inbox")


# How a manifest's bytes are read: UTF-8 (with or without the BOM Excel writes), UTF-16 when it says so,
# else Windows-1258 - what Excel on a Vietnamese Windows saves as "CSV" (a superset of Latin-1's
# letters). Every decoding is told apart by what it can decode, so none is a guess.
ENCODINGS = (("utf-8-sig", None), ("utf-16", (b"\xff\xfe", b"\xfe\xff")), ("cp1258", None))
DELIMITERS = ",;\t|"


def decode_manifest(path: Path, data: bytes) -> str:
    for encoding, boms in ENCODINGS:
        if boms is not None and not data.startswith(boms):
            continue
        try:
            return unicodedata.normalize("NFC", data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise ManifestError(
        f"{path.name}: không đọc được bảng mã của manifest (cần UTF-8, UTF-16 hoặc Windows-1258)"
        " / unreadable manifest encoding"
    )


def _csv_rows(path: Path, raw: str) -> list[dict]:
    lines = raw.splitlines()
    header = next((line for line in lines if line.strip()), "")
    # The header names the columns: the delimiter is whichever of , ; TAB | splits it into the most.
    delimiter = max(DELIMITERS, key=lambda d: (len(header.split(d)), d == ","))
    reader = csv.DictReader(lines, delimiter=delimiter)
    fieldnames = [(name or "").strip().lstrip("\ufeff") for name in (reader.fieldnames or [])]
    reader.fieldnames = fieldnames
    missing = [c for c in REQUIRED if c not in fieldnames]
    if missing:
        raise ManifestError(
            f"{path.name}: thiếu cột {', '.join(missing)} (dòng tiêu đề phải có {', '.join(REQUIRED)})"
            " / missing columns"
        )
    try:
        return list(reader)
    except csv.Error as exc:
        raise ManifestError(
            f"{path.name}: CSV không hợp lệ ở dòng {reader.line_num} / invalid CSV ({exc})"
        ) from None


def read_manifest(path: Path) -> list[ManifestRow]:
    if path.suffix.lower() == ".xlsx":
        return _numbered(_xlsx_rows(path))
    raw = decode_manifest(path, path.read_bytes())
    if path.suffix == ".json":
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{path.name}: JSON không hợp lệ / invalid JSON ({exc})") from None
        rows = data.get("documents") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ManifestError(f"{path.name}: cần một danh sách đối tượng / expected a list of objects")
    else:
        rows = _csv_rows(path, raw)
    return _numbered(rows)


def _numbered(rows: list[dict]) -> list[ManifestRow]:
    return [
        ManifestRow(i, {str(k).strip(): "" if v is None else unicodedata.normalize("NFC", str(v).strip())
                        for k, v in row.items() if k})
        for i, row in enumerate(rows, start=1)
    ]  # fmt: skip


# A manifest is a sheet of a few thousand rows: a workbook that unpacks to more than this, or holds
# more rows, is refused before openpyxl builds it (a 307 KB XLSX once grew the server by 595 MB).
XLSX_MAX_UNPACKED = 32 * 2**20
XLSX_MAX_ROWS = 20_000
XLSX_MAX_COLUMNS = 64


def _check_unpacked_size(path: Path) -> None:
    """The sizes the zip's directory declares for its members (zipfile never inflates a member past
    its declared size), summed, against the limit: nothing is decompressed to know it."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ManifestError(
            f"{path.name}: không đọc được tệp Excel / unreadable workbook ({type(exc).__name__})"
        ) from None
    if unpacked > XLSX_MAX_UNPACKED:
        raise ManifestError(
            f"{path.name}: tệp Excel giải nén ra {unpacked / 2**20:.0f} MiB, vượt giới hạn"
            f" {XLSX_MAX_UNPACKED / 2**20:.0f} MiB; hãy lưu bảng kê thành CSV / workbook too large unpacked"
        )


def _xlsx_rows(path: Path) -> list[dict]:
    """The first sheet of an Excel manifest: a header row, then one row per file (openpyxl)."""
    from openpyxl import load_workbook

    _check_unpacked_size(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ManifestError(
            f"{path.name}: không đọc được tệp Excel / unreadable workbook ({type(exc).__name__})"
        ) from None
    try:
        sheet = book.worksheets[0]
        table = []
        for seen, row in enumerate(sheet.iter_rows(values_only=True, max_col=XLSX_MAX_COLUMNS)):
            if seen > XLSX_MAX_ROWS:
                raise ManifestError(
                    f"{path.name}: bảng kê có hơn {XLSX_MAX_ROWS} dòng / manifest has too many rows"
                )
            cells = ["" if c is None else str(c).strip() for c in row]
            if any(cells):
                table.append(cells)
    finally:
        book.close()
    header = table[0] if table else []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ManifestError(f"{path.name}: thiếu cột {', '.join(missing)} / missing columns")
    return [dict(zip(header, row, strict=False)) for row in table[1:]]


def inbox_files(inbox: Path) -> tuple[dict[str, str], list[str]]:
    """The inbox's files by their NFC name (macOS and some scanners write names in NFD, manifests are
    typed in NFC), each mapped to its name on disk; and the names that are not UTF-8 at all, shown
    with their undecodable bytes replaced (such a file is turned away, the rest go on)."""
    files: dict[str, str] = {}
    undecodable: list[str] = []
    for path in sorted(inbox.rglob("*")):
        if not path.is_file() or path.name in MANIFEST_NAMES:
            continue
        relative = path.relative_to(inbox).as_posix()
        try:
            relative.encode("utf-8")
        except UnicodeEncodeError:
            undecodable.append(os.fsencode(relative).decode("utf-8", "replace"))
            continue
        files[unicodedata.normalize("NFC", relative)] = relative
    return files, undecodable


def safe_member(inbox: Path, name: str) -> Path:
    """The inbox file a manifest row names; a name that climbs out of the inbox is refused."""
    if not name or "\x00" in name:
        raise ValueError("tên tệp trống / empty file name")
    candidate = (inbox / name).resolve()
    if not candidate.is_relative_to(inbox.resolve()) or Path(name).is_absolute():
        raise ValueError("tên tệp trỏ ra ngoài thư mục nhận / file name escapes the inbox")
    return candidate


def validate_row(
    inbox: Path, row: ManifestRow, files: dict[str, str] | None = None
) -> tuple[dict[str, str | None], str | None]:
    """Normalized item fields and the reason the row is turned away (None when it is fine).

    ``files`` (from ``inbox_files``) maps NFC names to names on disk; the item keeps the name on disk."""
    v = row.values
    named = unicodedata.normalize("NFC", v.get("file", ""))
    fields: dict[str, str | None] = {
        "filename": (files or {}).get(named.replace("\\", "/").removeprefix("./"), named),
        "case_code": v.get("case_code") or None,
        "procedure_code": v.get("procedure_code") or None,
        "agency_code": v.get("agency_code") or None,
        "owner_kind": None,
        "owner_identifier": None,
        "owner_name": v.get("owner_name") or None,
        "declared_type": v.get("document_type") or None,
        "kind": KIND_ALIASES.get((v.get("kind") or "component").lower()),
    }
    try:
        path = safe_member(inbox, fields["filename"] or "")
    except ValueError as exc:
        return fields, Reason(str(exc), "unsafe_name")
    if not path.is_file():
        return fields, Reason(
            "không tìm thấy tệp trong thư mục nhận / file not found in the inbox", "file_not_found"
        )
    return fields, check_row(v, fields)


def check_row(values: dict[str, str], fields: dict[str, str | None] | None = None) -> str | None:
    """The checks of a row's values, whatever channel brought them (a manifest, the upload page before
    any byte is sent): case, procedure, kind, owner identifier. None when fine, else the reason;
    ``fields``, when given, receives the normalized owner."""
    fields = fields if fields is not None else {}
    for column, name in (("case_code", "mã hồ sơ"), ("procedure_code", "thủ tục")):
        if not (values.get(column) or "").strip():
            return Reason(f"thiếu {name} / missing {column}", f"missing_{column}")
    if values["procedure_code"].strip() not in procedures():
        return Reason("mã thủ tục không có trong danh mục / unknown procedure code", "unknown_procedure")
    if KIND_ALIASES.get((values.get("kind") or "component").strip().lower()) is None:
        return Reason("cột TP/KQ phải là thành phần (component) hoặc kết quả (result)", "invalid_kind")
    identifier = (values.get("owner_id") or "").replace(" ", "")
    if not values.get("owner_kind") and identifier.isdigit() and len(identifier) not in (10, 12, 13):
        # The kind is guessed from the length: a length that is neither says what both should be.
        return Reason(
            f"cần 12 chữ số (số định danh cá nhân) hoặc 10 chữ số (mã số thuế), đang có {len(identifier)}",
            "invalid_identifier",
        )
    kind = values.get("owner_kind") or kind_from_length(identifier)
    try:
        fields["owner_kind"], fields["owner_identifier"] = normalize_owner(kind, identifier)
    except InvalidIdentifier as exc:
        return Reason(str(exc), "invalid_identifier")
    return None
