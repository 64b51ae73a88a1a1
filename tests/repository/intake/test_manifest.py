"""Manifest validation: every bad row is turned away with a clear reason; the rest goes on."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from repository.catalog.db import session_scope
from repository.catalog.models import BatchItem, ItemStatus
from repository.intake.batches import active_items, register_batch

HEADER = "file,case_code,procedure_code,owner_kind,owner_id,owner_name,document_type,kind\n"


def test_bad_rows_rejected_with_reasons(home: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("ok.png", "bad_id.png", "traversal.png", "no_case.png", "stray file ñ.png"):
        (inbox / name).write_bytes(b"\x89PNG\r\n\x1a\n")
    (inbox / "manifest.csv").write_text(
        HEADER
        + "ok.png,C-1,HT.KETHON,citizen,001190012345,A,,component\n"
        + "bad_id.png,C-2,HT.KETHON,citizen,00119001234,B,,component\n"
        + "../outside.png,C-3,HT.KETHON,citizen,001190012345,A,,component\n"
        + "no_case.png,,HT.KETHON,citizen,001190012345,A,,component\n"
        + "missing.png,C-5,HT.KETHON,organization,0101234565,X,,result\n"
        + "ok.png,C-6,HT.KETHON,organization,0101234566,X,,kết quả\n",
        encoding="utf-8",
    )
    batch_id = register_batch(inbox)
    by_row = {}
    with session_scope() as s:
        for item in s.scalars(select(BatchItem).where(BatchItem.batch_id == batch_id)):
            by_row[item.row_number] = (item.status, item.reason or "")
    assert by_row[1] == (ItemStatus.PENDING, "")
    assert by_row[2][0] == ItemStatus.REJECTED and "12 chữ số" in by_row[2][1]
    assert by_row[3][0] == ItemStatus.REJECTED and "ngoài thư mục" in by_row[3][1]
    assert by_row[4][0] == ItemStatus.REJECTED and "case_code" in by_row[4][1]
    assert by_row[5][0] == ItemStatus.REJECTED and "không tìm thấy tệp" in by_row[5][1]
    assert by_row[6][0] == ItemStatus.REJECTED and "mã số thuế" in by_row[6][1]
    # Files nobody listed are accounted for too (unicode and spaces in the name are fine).
    unlisted = [r for n, r in by_row.items() if n < 0]
    assert len(unlisted) == 2 and all("manifest" in reason for _, reason in unlisted)
    assert len(active_items(batch_id)) == 1
    # Reasons never repeat the identifier.
    assert all("00119001234" not in reason for _, reason in by_row.values())


def test_same_manifest_is_same_batch(home: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (inbox / "manifest.csv").write_text(HEADER + "a.png,C-1,P,citizen,001190012345,A,,component\n")
    assert register_batch(inbox, run_id="r1") == register_batch(inbox, run_id="r2")
    with session_scope() as s:
        assert len(list(s.scalars(select(BatchItem)))) == 1


def test_manifest_errors_name_the_file(home: Path, tmp_path: Path) -> None:
    """A batch whose manifest cannot be read is refused as a whole, and the refusal is recorded with
    a reason that names the file."""
    from repository.catalog.db import session_scope
    from repository.catalog.models import Batch

    def refusal() -> str:
        with session_scope() as s:
            return s.get(Batch, register_batch(inbox)).reason

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    assert "manifest" in refusal()
    (inbox / "manifest.csv").write_text("file,case_code\nx.png,C\n")
    assert re.search(r"manifest\.csv.*owner_kind", refusal())
    (inbox / "manifest.csv").unlink()
    (inbox / "manifest.json").write_text("{not json")
    assert "manifest.json" in refusal()
