"""Document type and field extraction, tolerant of OCR noise; owner checks in the pipeline stages."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from ocr.understand import document_types, fold, repair_digits, understand
from repository.catalog.db import session_scope
from repository.catalog.models import Document, DocumentStatus
from repository.intake.batches import active_items, register_batch
from repository.intake.samples import HUONG, MINH
from repository.pipeline.process import process_item

MARITAL = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN
Số: 215/XNTTHN
ỦY BAN NHÂN DÂN PHƯỜNG THANH XUÂN
Họ, chữ đệm, tên: Nguyễn Thị Hương
Ngày, tháng, năm sinh: 12/03/1990     Giới tính: Nữ
Số định danh cá nhân: 001190012345
Giấy này được cấp để làm thủ tục đăng ký kết hôn, có giá trị sử dụng trong thời hạn 06 tháng.
Thanh Xuân, ngày 02 tháng 10 năm 2026
CHỦ TỊCH
Lê Quang Vinh"""


def test_catalog_has_the_ten_types_as_data() -> None:
    types = document_types()
    assert len(types) >= 10
    assert not types["household_book"].reusable
    assert types["marital_status_certificate"].validity == {"months": 6}


def test_fold_and_digit_repair() -> None:
    assert fold("Hồ sơ Đăng ký") == "ho so dang ky"
    assert len(fold("Nguyễn Thị Hương")) == len("Nguyễn Thị Hương")
    assert repair_digits("0O119OO12345") == "001190012345"
    assert repair_digits("Hoa") == "Hoa"


def test_marital_status_certificate_fields() -> None:
    result = understand([(1, MARITAL, 95.0)])
    assert result.type == "marital_status_certificate" and result.type_confidence > 0.7
    values = {name: f.value for name, f in result.fields.items()}
    assert values == {
        "number": "215/XNTTHN",
        "issuer": "ỦY BAN NHÂN DÂN PHƯỜNG THANH XUÂN",
        "full_name": "Nguyễn Thị Hương",
        "date_of_birth": "1990-03-12",
        "personal_id": "001190012345",
        "scope": "Làm thủ tục đăng ký kết hôn",
        "issue_date": "2026-10-02",
        "signer": "Lê Quang Vinh",
        "valid_until": "2027-04-02",  # the type's default: 6 months from issue
    }
    assert result.fields["personal_id"].line == 8 and result.fields["personal_id"].page == 1
    assert result.missing == []


def test_ocr_noise_tolerated() -> None:
    # Dropped tone marks, O for 0 and l for 1 in numbers, a dash date.
    noisy = (
        MARITAL.replace("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "GIAY XAC NHAN TINH TRANG HON NHAN")
        .replace("001190012345", "OO1l9OO12345")
        .replace("12/03/1990", "12-03-1990")
        .replace("ngày 02 tháng 10 năm 2026", "ngay 2 thang 10 nam 2026")
    )
    result = understand([(1, noisy, 80.0)])
    assert result.type == "marital_status_certificate"
    assert result.fields["personal_id"].value == "001190012345"
    assert result.fields["date_of_birth"].value == "1990-03-12"
    assert result.fields["issue_date"].value == "2026-10-02"
    assert result.fields["personal_id"].confidence < 0.97  # OCR pages lower every field's confidence


def test_declared_type_is_a_hint_not_the_truth() -> None:
    result = understand([(1, MARITAL, 95.0)], declared="cccd")
    assert result.type == "marital_status_certificate" and result.contradicted
    agreed = understand([(1, MARITAL, 95.0)], declared="marital_status_certificate")
    assert not agreed.contradicted and agreed.type_confidence >= result.type_confidence


def test_id_contradicting_birth_date_is_suspect() -> None:
    text = MARITAL.replace("12/03/1990", "12/03/1991")
    result = understand([(1, text, 100.0)])
    assert result.fields["personal_id"].confidence < 0.6


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SỔ HỘ KHẨU\nHọ và tên chủ hộ: Trần Văn Hùng\nQuan hệ với chủ hộ: con", "household_book"),
        ("BẰNG TỐT NGHIỆP ĐẠI HỌC\nBằng cử nhân\nCho: Nguyễn Thị Hương\nXếp loại: Giỏi", "diploma"),
        (
            "GIẤY CHỨNG NHẬN KẾT HÔN\nHọ tên chồng: Trần Văn Minh\nHọ tên vợ: Nguyễn Thị Hương",
            "marriage_certificate",
        ),
        ("QUYẾT ĐỊNH\nVề việc cấp phép\nCăn cứ Luật\nĐiều 1. Cho phép", "decision"),
    ],
)
def test_classification(text: str, code: str) -> None:
    assert understand([(1, text, 90.0)]).type == code


def _batch(inbox: Path, sample_batch: Path, rows: list[dict]) -> None:
    inbox.mkdir()
    for row in rows:
        shutil.copy(sample_batch / row["file"], inbox / row["file"])
    with open(inbox / "manifest.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _run_stages(inbox: Path) -> None:
    batch_id = register_batch(inbox)
    for item_id in active_items(batch_id):
        process_item(item_id)


def test_wrong_owner_goes_to_review_never_silently_linked(
    home: Path, tmp_path: Path, sample_batch: Path
) -> None:
    with open(sample_batch / "manifest.csv", encoding="utf-8") as f:
        rows = {r["file"]: r for r in csv.DictReader(f)}
    cccd = rows["hs01_cccd_chup_dien_thoai.jpg"] | {
        "owner_id": MINH.personal_id,  # records staff typed the wrong person
        "owner_name": MINH.name,
        "case_code": "UBNL-261120-00999",
    }
    permit = rows["hs04_giay_phep_xay_dung.pdf"]
    _batch(tmp_path / "inbox", sample_batch, [cccd, permit])
    _run_stages(tmp_path / "inbox")
    with session_scope() as s:
        docs = {d.filename: d for d in s.scalars(select(Document))}
        wrong = docs["hs01_cccd_chup_dien_thoai.jpg"]
        assert wrong.status == DocumentStatus.NEEDS_REVIEW
        assert "định danh trên giấy tờ khác chủ sở hữu" in wrong.status_reason
        assert wrong.doc_type_code == "cccd" and wrong.fields["personal_id"]["value"] == HUONG.personal_id
        good = docs["hs04_giay_phep_xay_dung.pdf"]
        assert good.status == DocumentStatus.DIGITIZED, good.status_reason
        assert good.doc_type_code == "construction_permit" and good.number == "312/GPXD"
        assert good.valid_until.isoformat() == "2027-11-03" and good.issue_date.isoformat() == "2026-11-03"
        assert good.result_code == f"{MINH.personal_id}.GT.GPXD.312-GPXD.01"
        codes = {d.id: d.result_code for d in docs.values()}
    _run_stages(tmp_path / "inbox")  # re-run: same result codes, nothing duplicated
    with session_scope() as s:
        assert {d.id: d.result_code for d in s.scalars(select(Document))} == codes


def test_poor_scan_labels_and_surnames() -> None:
    text = (
        "GIẤY CHỨNG NHẬN\nQUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT\n"
        "Số vào sổ cấp GCN CS 87310\n"  # the colon lost by OCR
        "Ông: NGỒ MINH TUẤN     Năm sinh: 1985\n"  # a tone-mark slip in a closed list of surnames
        "Hải Phòng, ngày 11 tháng 07 năm 2020"
    )
    fields = understand([(1, text, 80.0)]).fields
    assert fields["number"].value == "CS 87310"
    assert fields["full_name"].value == "Ngô Minh Tuấn"
    assert (
        understand([(1, MARITAL.replace("Số: 215", "Số- 215"), 80.0)]).fields["number"].value == "215/XNTTHN"
    )


def test_labels_survive_ocr_noise() -> None:
    """A colon read as '.', a garbled English gloss, dust before 'Căn cứ', a mark inside a phrase."""
    land = understand([(1, "Ông/Bà. Ngô Minh Tuấn Năm sinh. 1958", 90.0)], "land_use_certificate")
    assert land.fields["full_name"].value == "Ngô Minh Tuấn"
    card = understand([(1, "Họ và tên / Full Nme- NGÔ NGỌC THẢO", 90.0)], "cccd")
    assert card.fields["full_name"].value == "Ngô Ngọc Thảo"
    assert "full_name" not in understand([(1, "Không: Trần Văn An", 90.0)], "land_use_certificate").fields
    decision = understand(
        [(1, "QUYẾT ĐỊNH\nVề việc phê duyệt danh mục hồ sơ\n'Căn cứ Luật Tổ chức chính quyền;", 90.0)],
        "decision",
    )
    assert decision.fields["summary"].value == "Về việc phê duyệt danh mục hồ sơ"
    marital = understand([(1, MARITAL.replace("kết hôn,", "kết.hôn,"), 90.0)], "marital_status_certificate")
    assert marital.fields["scope"].value == "Làm thủ tục đăng ký kết hôn"
    book = understand([(1, "Số vào sổ cấp GCN C5 22869", 90.0)], "land_use_certificate")
    assert book.fields["number"].value == "CS 22869"  # a digit in the letter series
    permit_text = "GIẤY PHÉP XÂY DỰNG\nHải Châu; ngày 24 tháng 09 năm 2018"
    permit = understand([(1, permit_text, 90.0)], "construction_permit")
    assert permit.fields["issue_date"].value == "2018-09-24"  # the place's comma read as ';'


def test_ocr_dust_at_the_edges_of_names() -> None:
    """A stray quote or underscore beside a name word is dust, not a reason to lose the name."""
    land = understand([(1, "Ông/Bà: Đỗ Quang Minh _ Năm sinh: 1972", 90.0)], "land_use_certificate")
    assert land.fields["full_name"].value == "Đỗ Quang Minh"
    diploma = understand([(1, "BẰNG TỐT NGHIỆP\nHIỆU TRƯỞNG\n\nPhạm 'Thanh Hương", 90.0)], "diploma")
    assert diploma.fields["signer"].value == "Phạm Thanh Hương"
    # Dust alone does not make a name: one real word is not enough.
    assert "signer" not in understand([(1, "HIỆU TRƯỞNG\n\nHương _ '", 90.0)], "diploma").fields


def test_the_issuer_stated_on_a_labelled_line_of_a_civil_status_form() -> None:
    """Thông tư 04/2020/TT-BTP forms name the registering body on a line of its own, often as 'UBND'."""
    text = (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nGIẤY KHAI SINH\n"
        "Họ, chữ đệm, tên: NGUYỄN VĂN AN\nNgày, tháng, năm sinh: 02/03/2020\n"
        "Nơi đăng ký khai sinh: UBND phường Thanh Xuân Trung, thành phố Hà Nội\n"
    )
    fields = understand([(1, text, 95.0)]).fields
    assert fields["issuer"].value == "ỦY BAN NHÂN DÂN PHƯỜNG THANH XUÂN TRUNG, THÀNH PHỐ HÀ NỘI"


def test_the_person_a_decision_concerns_is_read_from_its_first_article() -> None:
    """Nghị định 30/2020: Điều 1 names the person concerned with their identifier."""
    text = (
        "ỦY BAN NHÂN DÂN             CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nQUẬN ĐỐNG ĐA\nSố: 15/QĐ-UBND\n"
        "Hà Nội, ngày 3 tháng 4 năm 2025\nQUYẾT ĐỊNH\nVề việc hỗ trợ\nĐiều 1. Hỗ trợ bà Phạm Thị Lan,\n"
        "số định danh cá nhân 001185012345, thường trú tại phường Láng.\nĐiều 2. Quyết định có hiệu lực.\n"
    )
    fields = understand([(1, text, 95.0)]).fields
    assert fields["full_name"].value == "Phạm Thị Lan"
    assert fields["personal_id"].value == "001185012345"


OLD_ID_CARD = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
GIẤY CHỨNG MINH NHÂN DÂN
SỐ 012345678
Họ tên: NGUYỄN VĂN AN
Sinh ngày: 05/07/1975
Nguyên quán: Thanh Trì, Hà Nội
Nơi ĐKHK thường trú: Thanh Xuân, Hà Nội
Dân tộc: Kinh      Tôn giáo: Không
Ngày 10 tháng 09 năm 2013
GIÁM ĐỐC CA HÀ NỘI"""


def test_the_old_nine_digit_id_card_is_its_own_type_and_never_reused() -> None:
    result = understand([(1, OLD_ID_CARD, 92.0)])
    assert result.type == "cmnd"
    values = {name: f.value for name, f in result.fields.items()}
    assert values["number"] == "012345678" and "personal_id" not in values  # 9 digits: not a personal ID
    assert values["full_name"] == "Nguyễn Văn An" and values["date_of_birth"] == "1975-07-05"
    assert values["issue_date"] == "2013-09-10"  # the date line of its own on the back
    # Luật Căn cước 2023: an old card is no proof of identity after 31/12/2024.
    assert not document_types()["cmnd"].reusable


def test_a_form_that_asks_for_the_old_card_number_is_not_taken_for_the_card() -> None:
    form = MARITAL.replace("Số định danh cá nhân: 001190012345", "Số giấy chứng minh nhân dân: 012345678")
    assert understand([(1, form, 95.0)]).type == "marital_status_certificate"


def test_the_province_in_an_issuer_takes_its_tone_marks_from_the_list() -> None:
    from ocr.understand.fields import canonical_issuer

    read = canonical_issuer("ỦY BAN NHÂN DÂN XÃ NINH KIỀU, CẦN THỢ")
    assert read == "ỦY BAN NHÂN DÂN XÃ NINH KIỀU, CẦN THƠ"
    assert canonical_issuer("ỦY BAN NHÂN DÂN PHƯỜNG THANH XUÂN") == "ỦY BAN NHÂN DÂN PHƯỜNG THANH XUÂN"


def test_a_card_name_label_garbled_by_ocr_is_no_name() -> None:
    card = """CĂN CƯỚC
Số định danh cá nhân / Personal identification number:
068194931403
Họ, chữ đệm và tên khai.sinh / Surname, middle and given name:
PHẠM THU HÀ
Ngày, tháng, năm sinh / Date of birth: 01/02/1994"""
    assert understand([(1, card, 90.0)]).fields["full_name"].value == "Phạm Thu Hà"


def test_a_head_read_across_with_a_garbled_motto_is_still_split() -> None:
    head = """ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
XÃHẢICHÂU Đậc lập - Tự do - Hạnh phúc
Số: 739/UBND-XNTTHN Hải Châu, ngày 04 tháng 11 năm 2023
GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN
Họ, chữ đệm, tên: Hồ Thanh Thảo"""
    assert understand([(1, head, 90.0)]).fields["issuer"].value == "ỦY BAN NHÂN DÂN XÃ HẢI CHÂU"


def test_a_name_label_with_a_digit_for_a_letter_is_still_a_label() -> None:
    card = "CĂN CƯỚC\nHọ, chữ đệm và tên khai sinh / Surname, middle and 8iven name:\nPHẠM THÀNH DŨNG"
    assert understand([(1, card, 90.0)]).fields["full_name"].value == "Phạm Thành Dũng"


@pytest.mark.parametrize(
    ("read", "meant"),
    [("Đặng Vẫn Quốc", "Đặng Văn Quốc"), ("Trần Thỉ Hoa", "Trần Thị Hoa"),
     ("Nguyễn Vân Anh", "Nguyễn Vân Anh"), ("Lê Thi Hương", "Lê Thi Hương"), ("Hà Văn Vẫn", "Hà Văn Vẫn")],
)  # fmt: skip
def test_a_misread_van_or_thi_in_the_middle_of_a_name(read: str, meant: str) -> None:
    from ocr.understand.names import _clean_name

    assert _clean_name(read) == meant


COMPANY_DECISION = """ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI     CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Số: 1520/QĐ-UBND     Hà Nội, ngày 25 tháng 6 năm 2025
QUYẾT ĐỊNH
Về việc chấp thuận thay đổi địa điểm kinh doanh của Công ty TNHH Thương mại Sen Vàng
Điều 1. Chấp thuận cho Công ty TNHH Thương mại Sen Vàng, mã số doanh nghiệp 0101234565, thay đổi địa điểm."""


def test_the_kind_of_identifier_printed_must_be_the_owners_kind() -> None:
    """A company's decision (it prints its enterprise code, no personal ID) filed under a citizen is
    another owner's document; under the company, or a citizen's paper under the citizen, it is not."""
    from ocr.understand import owner_conflicts

    decision = understand([(1, COMPANY_DECISION, 95.0)])
    assert decision.owner_kinds == {"organization"}
    wrong = owner_conflicts(decision, "citizen", MINH.personal_id, MINH.name)
    assert any("mã số doanh nghiệp" in r for r in wrong), wrong
    assert owner_conflicts(decision, "organization", "0101234565", None) == []
    marital = understand([(1, MARITAL, 95.0)])
    assert marital.owner_kinds == {"citizen"}
    assert owner_conflicts(marital, "citizen", HUONG.personal_id, HUONG.name) == []
    assert any("tổ chức" in r for r in owner_conflicts(marital, "organization", "0101234565", None))


CARD_FRONT = """CĂN CƯỚC CÔNG DÂN
Số định danh cá nhân / Personal identification number: 001190012345
Họ và tên / Full name:
NGUYỄN THỊ HƯƠNG
Ngày sinh / Date of birth: 12/03/1990
Giới tính / Sex: Nữ Quốc tịch / Nationality: Việt Nam
Quê quán / Place of origin: Thanh Xuân, Hà Nội
Nơi thường trú / Place of residence: 12 Nguyễn Trãi,
phường Thanh Xuân Trung, Thanh Xuân, Hà Nội
Có giá trị đến / Date of expiry: 12/03/2030"""
CARD_BACK = """Đặc điểm nhân dạng / Personal identification: Nốt ruồi C:1cm dưới trước mép phải
Ngày, tháng, năm / Date, month, year: 10/08/2021
CỤC TRƯỞNG CỤC CẢNH SÁT
QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI
Tô Văn Huệ
IDVNM0900123456001190012345<<5"""


def test_an_identity_cards_printed_fields_front_and_back() -> None:
    """A specimen chip card (no real person's): every printed value by its label, the value under a
    label printed alone, an address wrapped onto a second line; on the back, the issue date, the
    issuing body named in its signer's title, the signer. The number is checked against sex."""
    front = understand([(1, CARD_FRONT, 90.0)])
    values = {name: field.value for name, field in front.fields.items()}
    assert front.type == "cccd"
    assert values == {
        "personal_id": "001190012345", "full_name": "Nguyễn Thị Hương", "date_of_birth": "1990-03-12",
        "sex": "Nữ", "nationality": "Việt Nam", "place_of_origin": "Thanh Xuân, Hà Nội",
        "place_of_residence": "12 Nguyễn Trãi, phường Thanh Xuân Trung, Thanh Xuân, Hà Nội",
        "valid_until": "2030-03-12",
    }  # fmt: skip
    sure = front.fields["personal_id"].confidence
    # The 4th digit says female (odd): a card read as "Nam" makes both suspect.
    male = understand([(1, CARD_FRONT.replace("Sex: Nữ", "Sex: Nam"), 90.0)])
    assert male.fields["personal_id"].confidence < sure and male.fields["sex"].confidence < 0.9
    back = understand([(1, CARD_BACK, 90.0)], "cccd")
    assert {name: field.value for name, field in back.fields.items()} == {
        "issue_date": "2021-08-10", "issuer": "CỤC CẢNH SÁT QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI",
        "signer": "Tô Văn Huệ",
    }  # fmt: skip


def test_a_card_label_that_lost_its_colon_and_an_address_ending_in_a_name_are_read_right() -> None:
    """ "Giới tính / Sex Nam": the English half of the label is no value. A card front has no signer:
    its origin wrapped onto a line of its own ("Hồ Chí Minh") was taken for one."""
    text = CARD_FRONT.replace("Sex: Nữ", "Sex Nữ")
    text = text.replace("Thanh Xuân, Hà Nội\n", "Thành phố\nHồ Chí Minh\n", 1)
    front = understand([(1, text, 90.0)])
    assert front.fields["sex"].value == "Nữ"
    assert "signer" not in front.fields


OFFICIAL_LETTER = """ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SỞ TƯ PHÁP Độc lập - Tự do - Hạnh phúc
Số: 215/STP-HCTP Hà Nội, ngày 03 tháng 11 năm 2026
V/v hướng dẫn cấp bản sao điện tử từ sổ gốc
cho các phường trên địa bàn
Kính gửi: Ủy ban nhân dân các phường.
Thực hiện Nghị định số 23/2015/NĐ-CP, Sở Tư pháp hướng dẫn như sau:
1. Bản sao điện tử được cấp theo Quyết định số 12/QĐ-UBND ngày 01/02/2026.
Nơi nhận:
- Như trên;
- Lưu: VT, HCTP.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
TS. Nguyễn Văn Bình"""


def test_an_official_letter_by_the_places_nghi_dinh_30_fixes() -> None:
    """A công văn (no title line): its number with the full symbol, not the decision it cites; the
    issuing body, not its parent; the trích yếu without the addressees; the recipients; the signer
    without his academic title."""
    letter = understand([(1, OFFICIAL_LETTER, 90.0)])
    values = {name: field.value for name, field in letter.fields.items()}
    assert letter.type == "official_letter"
    assert values["number"] == "215/STP-HCTP" and values["issue_date"] == "2026-11-03"
    assert values["issuer"] == "SỞ TƯ PHÁP"
    assert values["summary"] == "V/v hướng dẫn cấp bản sao điện tử từ sổ gốc cho các phường trên địa bàn"
    assert values["recipients"] == "Như trên; Lưu: VT, HCTP"
    assert values["signer"] == "Nguyễn Văn Bình"


# A real notice's end as OCR reads it (Trường Đại học Điện lực, epu_dkhp_p2 in ../shared/realdocs): the
# recipients and the signature side by side, the signature's stroke read as marks before the name.
SIDE_BY_SIDE_END = """THÔNG BÁO
Về việc tổ chức đăng ký môn học
Trong quá trình thực hiện các đơn vị, sinh viên có vướng mắc cần kịp thời phản ánh./.
Nơi nhận: VIỆN TRƯỞNG
- Phòng: KHTC, CTSV;
- Các đơn vị; Cố vấn học tập;
- Lưu: VT, ĐT.
E» Trịnh Văn Toàn"""


def test_a_signer_beside_the_recipients_and_after_the_signatures_marks() -> None:
    fields = understand([(1, SIDE_BY_SIDE_END, 90.0)]).fields
    assert fields["signer"].value == "Trịnh Văn Toàn"


def test_a_signer_name_ending_a_recipients_line_and_a_title_second_line_is_no_name() -> None:
    text = """CÔNG VĂN
Nơi nhận: TL. HIỆU TRƯỞNG
- Như trên;
ỞNG PHÒNG CTSV
- Trang TTĐT Sở; Lê ê Thị Bích Thuận"""
    assert understand([(1, text, 90.0)]).fields["signer"].value == "Lê Thị Bích Thuận"
    # Alone, without a signing title, an address's end is no signer.
    card = "CĂN CƯỚC CÔNG DÂN\nSố / No.: 001190012345\nNơi thường trú: 12 Nguyễn Trãi, Thanh Xuân, Hà Nội"
    assert "signer" not in understand([(1, card, 90.0)]).fields


def test_the_issuer_read_across_the_motto_and_past_it() -> None:
    """The parent on one line, the motto read as a line of its own, then the issuing body with the
    motto's second line beside it: the issuer is the body, and a doubled letter is put right."""
    text = """BỘ CÔNG THƯƠNG
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TRƯỜNG ĐẠI HỌC ĐIỆN LỰC Độc lập — Tự do - Hạnh phúc
Số: 534/TB-ĐHĐL Hà Nội, ngày 15 tháng 6 năm 2021
THÔNG BÁO"""
    assert understand([(1, text, 90.0)]).fields["issuer"].value == "TRƯỜNG ĐẠI HỌC ĐIỆN LỰC"
    from ocr.understand import canonical_issuer

    assert canonical_issuer("SỞ GIÁAO DỤC VÀ ĐAO TẠO") == "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
    table = "MÔ TẢ QUY TRÌNH TỔ CHỨC CHO SINH VIÊN ĐĂNG KÝ CHUYÊN NGÀNH\nTT Tiến trình các bước"
    assert "issuer" not in understand([(1, table, 90.0)]).fields


def test_a_signers_surname_whose_capital_the_signature_took_is_restored() -> None:
    # "rương Huy Hoàng" under "KT. TRƯỞNG KHOA": the signature's stroke crossed the T.
    text = "\n".join(
        ["QUYẾT ĐỊNH", "Về việc tổ chức thi", "Nơi nhận:", "- Lưu: VT.", "KT. TRƯỞNG KHOA", "PHÓ TRƯỞNG KHOA",
         "rương Huy Hoàng"]
    )  # fmt: skip
    assert understand([(1, text, 90.0)]).fields["signer"].value == "Trương Huy Hoàng"
    # A word before a whole name is no lost capital: "ông Trần Văn An" is not "Hồng Trần Văn An".
    text = text.replace("rương Huy Hoàng", "ông Trần Văn An")
    assert not understand([(1, text, 90.0)]).fields["signer"].value.startswith("Hồng")


def test_a_name_read_without_its_tilde_is_no_place_of_origin_label() -> None:
    # "NGUYỄN QUANG TUẤN" read "NGUYÊN QUANG TUẤN" folds to "nguyen quang...": the old card's
    # "Nguyên quán" label must end at a word's end, or the name's tail became the place of origin.
    text = (
        "GIẤY CHỨNG MINH NHÂN DÂN\nSố 114581853\nHọ tên: NGUYÊN QUANG TUẤN\nSinh ngày: 01-12-1981\n"
        "Nguyên quán: Phường 7, Quận 3, Thành phố\nHồ Chí Minh\nNơi ĐKHK thường trú: Xã Hòa Phong, Huyện\n"
        "Hòa Vang, Đà Năng"
    )
    fields = understand([(1, text, 90.0)]).fields
    assert fields["full_name"].value == "Nguyễn Quang Tuấn"
    assert fields["place_of_origin"].value == "Phường 7, Quận 3, Thành phố Hồ Chí Minh"
    assert fields["place_of_residence"].value == "Xã Hòa Phong, Huyện Hòa Vang, Đà Nẵng"


@pytest.mark.parametrize(
    ("foot", "signer"),
    [
        # The title's second line read without its first letter is no name: capitals are a title's.
        ('TL.HIỆU TRƯỞNG\n"HÒNG ĐÀO TẠO\nE» Trịnh Văn Toàn', "Trịnh Văn Toàn"),
        # "TS. Trương" under a signature's stroke: the rank read "1." and the surname's capital lost.
        ("HIỆU TRƯỞNG\nTRƯỞNG\n1. trương Huy Hoàng", "Trương Huy Hoàng"),
    ],
)
def test_the_signer_is_the_name_under_the_title_however_the_stroke_left_it(foot: str, signer: str) -> None:
    text = f"THÔNG BÁO\nVề việc đăng ký học phần\nNơi nhận:\n- Lưu: VT, ĐT.\n{foot}"
    assert understand([(1, text, 90.0)]).fields["signer"].value == signer


def test_a_can_cuoc_back_without_its_first_label_is_still_an_identity_card() -> None:
    """A 2024 Căn cước's back prints no title: its labels say what it is. Shared small, its first
    label ("Nơi cư trú / Place of residence") was lost and only "Date of expiry" was left to type it."""
    back = """Xóm 3, Phường Ngọc Lâm, Quận Long Biên, Hà Nội
Nơi đăng ký khai sinh / Place of birth:
Xã Hòa Phong, Huyện Hòa Vang, Đà Nẵng
Ngày, tháng, năm cấp / Date of issue: 17/02/2025
Ngày, tháng, năm hết hạn / Date of expiry: 21/05/2026
BỘ CÔNG AN
MINISTRY OF PUBLIC SECURITY"""
    assert understand([(1, back, 90.0)]).type == "cccd"


# Nghị định 30/2020's layout for each kind of official document: the issuing body's block and the
# motto side by side (as OCR reads them: one line each), the number with the kind's symbol, place and
# date, the kind's name (none for a công văn: its V/v under the number), the trích yếu, the body
# citing another document's number, the signature block and the recipients.
OFFICIAL_KINDS = [
    ("plan", "KẾ HOẠCH", "45/KH-UBND", "Triển khai chuyển đổi số năm 2026"),
    ("report", "BÁO CÁO", "112/BC-UBND", "Kết quả giải quyết thủ tục hành chính quý III năm 2026"),
    ("submission", "TỜ TRÌNH", "08/TTr-STP", "Về việc ban hành quy chế số hóa hồ sơ"),
    ("directive", "CHỈ THỊ", "05/CT-UBND", "Về tăng cường kỷ luật hành chính"),
    ("resolution", "NGHỊ QUYẾT", "17/NQ-HĐND", "Về kế hoạch đầu tư công năm 2027"),
    ("notice", "THÔNG BÁO", "231/TB-UBND", "Kết luận của Chủ tịch tại cuộc họp giao ban"),
    ("invitation", "GIẤY MỜI", "76/GM-UBND", "Dự hội nghị tổng kết công tác cải cách hành chính"),
    ("minutes", "BIÊN BẢN", "03/BB-UBND", "Họp Hội đồng thẩm định hồ sơ"),
    ("decision", "QUYẾT ĐỊNH", "1520/QĐ-UBND", "Về việc phê duyệt danh mục thủ tục hành chính"),
    (
        "official_letter",
        None,
        "2291/UBND-VP",
        "V/v đôn đốc số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    ),
]


@pytest.mark.parametrize(("code", "title", "number", "summary"), OFFICIAL_KINDS)
def test_each_kind_of_official_document_is_typed_and_its_fields_found(
    code: str, title: str | None, number: str, summary: str
) -> None:
    head = "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nPHƯỜNG THANH XUÂN Độc lập - Tự do - Hạnh phúc"
    lines = [head, f"Số: {number} Hà Nội, ngày 14 tháng 11 năm 2026"]
    lines += [title, summary] if title else [summary]
    lines += [
        "Căn cứ Nghị định số 45/2020/NĐ-CP ngày 08 tháng 4 năm 2020 của Chính phủ về thực hiện thủ tục",
        "hành chính trên môi trường điện tử; Ủy ban nhân dân phường thực hiện như sau:",
        "1. Các bộ phận chuyên môn chủ động triển khai, báo cáo kết quả trước ngày 30/11/2026.",
        "Nơi nhận: TM. ỦY BAN NHÂN DÂN",
        "- Như trên; CHỦ TỊCH",
        "- Lưu: VT.",
        "Trần Thị Lan",
    ]
    found = understand([(1, "\n".join(lines), 90.0)])
    values = {name: field.value for name, field in found.fields.items()}
    assert found.type == code, "\n".join(lines)
    assert values.get("number") == number
    assert values.get("issue_date") == "2026-11-14"
    assert values.get("issuer") == "ỦY BAN NHÂN DÂN PHƯỜNG THANH XUÂN"
    assert values.get("signer") == "Trần Thị Lan"
    assert values.get("summary") == summary


def test_a_decree_is_typed_by_its_name_and_issued_by_the_government() -> None:
    text = (
        "CHÍNH PHỦ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Số: 118/2025/NĐ-CP Hà Nội, ngày 09 tháng 6 năm 2025\nNGHỊ ĐỊNH\n"
        "Về thực hiện thủ tục hành chính theo cơ chế một cửa, một cửa liên thông\n"
        "Căn cứ Luật Tổ chức Chính phủ số 63/2025/QH15;\nChính phủ ban hành Nghị định.\n"
        "Nơi nhận: TM. CHÍNH PHỦ\n- Ban Bí thư Trung ương Đảng; THỦ TƯỚNG\n- Lưu: VT, KSTT.\nPhạm Minh Chính"
    )
    found = understand([(1, text, 90.0)])
    values = {name: field.value for name, field in found.fields.items()}
    assert found.type == "decree"
    assert values["number"] == "118/2025/NĐ-CP" and values["issue_date"] == "2025-06-09"
    assert values["issuer"] == "CHÍNH PHỦ" and values["signer"] == "Phạm Minh Chính"
