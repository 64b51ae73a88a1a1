"""``sohoa samples DIR``: a realistic batch of scanned case files with its manifest.

Three owners (two citizens, one company), six case files, Vietnamese text with full diacritics, and
every kind of input records staff hand over: image-only scanned PDF (multi-page), born-digital PDF,
a PDF mixing both, PNG, JPEG phone photo, multi-page TIFF, and the same scan handed in twice.
Names, numbers and addresses are invented; identifiers are structurally valid.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from ocr.render import Line, born_digital_pdf, image_bytes, render_card, render_page, scanned

MOTTO = [
    Line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "center", "bold"),
    Line("Độc lập - Tự do - Hạnh phúc", "center", "bold"),
]


@dataclass(frozen=True)
class Person:
    name: str
    personal_id: str
    born: str  # dd/mm/yyyy
    gender: str
    birthplace: str
    address: str


HUONG = Person(
    "Nguyễn Thị Hương",
    "001190012345",
    "12/03/1990",
    "Nữ",
    "Hà Nội",
    "Số 15 ngõ 72 phố Nguyễn Trãi, phường Thanh Xuân, thành phố Hà Nội",
)
MINH = Person(
    "Trần Văn Minh",
    "079085004321",
    "05/09/1985",
    "Nam",
    "Thành phố Hồ Chí Minh",
    "Số 48 đường Lê Văn Sỹ, phường Nhiêu Lộc, Thành phố Hồ Chí Minh",
)
COMPANY = (
    "CÔNG TY TNHH THƯƠNG MẠI SEN VÀNG",
    "0101234565",
    "Số 9 phố Tràng Thi, phường Hoàn Kiếm, thành phố Hà Nội",
)


def cccd(p: Person) -> list[Line]:
    return [
        Line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "center", "bold", 9),
        Line("Độc lập - Tự do - Hạnh phúc", "center", "bold", 8),
        Line("CĂN CƯỚC CÔNG DÂN", "center", "bold", 11),
        Line(f"Số / No.: {p.personal_id}", size=10, weight="bold"),
        Line(f"Họ và tên / Full name: {p.name.upper()}", size=9),
        Line(f"Ngày sinh / Date of birth: {p.born}", size=9),
        Line(f"Giới tính / Sex: {p.gender}    Quốc tịch / Nationality: Việt Nam", size=9),
        Line(f"Quê quán / Place of origin: {p.birthplace}", size=9),
        Line("Có giá trị đến / Date of expiry: 12/03/2030", size=9),
    ]


def marital_status(p: Person) -> list[list[Line]]:
    page1 = [
        *MOTTO,
        Line("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "center", "bold", 14, 18),
        Line("Số: 215/XNTTHN", "center"),
        Line("ỦY BAN NHÂN DÂN PHƯỜNG THANH XUÂN", "center", "bold", space_before=8),
        Line(
            "Xét đề nghị của bà Nguyễn Thị Hương về việc cấp Giấy xác nhận tình trạng hôn nhân,",
            space_before=8,
        ),
        Line("XÁC NHẬN:", "center", "bold", space_before=6),
        Line(f"Họ, chữ đệm, tên: {p.name}", space_before=6),
        Line(f"Ngày, tháng, năm sinh: {p.born}     Giới tính: {p.gender}"),
        Line(f"Số định danh cá nhân: {p.personal_id}"),
        Line(f"Nơi cư trú: {p.address}"),
        Line("Tình trạng hôn nhân: Chưa đăng ký kết hôn với ai."),
        Line(
            "Giấy này được cấp để làm thủ tục đăng ký kết hôn, có giá trị sử dụng trong thời hạn 06 tháng "
            "kể từ ngày cấp."
        ),
        Line("Thanh Xuân, ngày 02 tháng 10 năm 2026", "right", "italic", space_before=10),
        Line("CHỦ TỊCH", "right", "bold"),
        Line("Lê Quang Vinh", "right", "bold", space_before=40),
    ]
    page2 = [
        Line("Ghi chú / Notes", "center", "bold", 13),
        Line(
            "Người yêu cầu cam đoan những thông tin trên là đúng sự thật và chịu trách nhiệm trước pháp "
            "luật về lời cam đoan của mình.",
            space_before=8,
        ),
        Line("Giấy xác nhận này không có giá trị để sử dụng vào mục đích khác với mục đích ghi trên."),
        Line("Trang 2/2", "center", "italic", space_before=20),
    ]
    return [page1, page2]


def birth_certificate(p: Person) -> list[Line]:
    return [
        *MOTTO,
        Line("GIẤY KHAI SINH", "center", "bold", 16, 18),
        Line("Số: 128/1985", "center"),
        Line(f"Họ, chữ đệm, tên: {p.name.upper()}", space_before=10),
        Line(
            f"Ngày, tháng, năm sinh: {p.born}   ghi bằng chữ: ngày năm tháng chín năm một nghìn chín trăm "
            "tám mươi lăm"
        ),
        Line(f"Giới tính: {p.gender}     Dân tộc: Kinh     Quốc tịch: Việt Nam"),
        Line(f"Nơi sinh: Bệnh viện Từ Dũ, {p.birthplace}"),
        Line(f"Số định danh cá nhân: {p.personal_id}"),
        Line("Họ, chữ đệm, tên người mẹ: Phạm Thị Lan     Năm sinh: 1960"),
        Line("Họ, chữ đệm, tên người cha: Trần Văn Hùng     Năm sinh: 1958"),
        Line("Nơi đăng ký khai sinh: Ủy ban nhân dân phường Nhiêu Lộc, Thành phố Hồ Chí Minh"),
        Line("Ngày, tháng, năm đăng ký: 20/09/1985", "right", "italic", space_before=10),
        Line("NGƯỜI KÝ GIẤY KHAI SINH", "right", "bold"),
        Line("Võ Thị Mai", "right", "bold", space_before=36),
    ]


def business_registration() -> list[Line]:
    name, tax, address = COMPANY
    return [
        Line("SỞ TÀI CHÍNH THÀNH PHỐ HÀ NỘI", "left", "bold"),
        Line("PHÒNG ĐĂNG KÝ KINH DOANH", "left", "bold"),
        *MOTTO,
        Line("GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP", "center", "bold", 14, 16),
        Line("CÔNG TY TRÁCH NHIỆM HỮU HẠN HAI THÀNH VIÊN TRỞ LÊN", "center", "bold"),
        Line(f"Mã số doanh nghiệp: {tax}", "center", "bold"),
        Line("Đăng ký lần đầu: ngày 15 tháng 01 năm 2018", "center"),
        Line("Đăng ký thay đổi lần thứ 3: ngày 20 tháng 6 năm 2025", "center"),
        Line("1. Tên công ty", "left", "bold", space_before=10),
        Line(f"Tên công ty viết bằng tiếng Việt: {name}"),
        Line("Tên công ty viết bằng tiếng nước ngoài: SEN VANG TRADING COMPANY LIMITED"),
        Line("2. Địa chỉ trụ sở chính", "left", "bold"),
        Line(address),
        Line("3. Vốn điều lệ: 5.000.000.000 đồng (Năm tỷ đồng)", "left", "bold"),
        Line("4. Người đại diện theo pháp luật của công ty", "left", "bold"),
        Line(f"Họ và tên: {HUONG.name}     Chức danh: Giám đốc"),
        Line(f"Số định danh cá nhân: {HUONG.personal_id}"),
        Line("TRƯỞNG PHÒNG", "right", "bold", space_before=12),
        Line("Đỗ Minh Tuấn", "right", "bold", space_before=36),
    ]


def decision(number: str, date_line: str, summary: str, articles: list[str]) -> list[Line]:
    return [
        Line("ỦY BAN NHÂN DÂN", "left", "bold"),
        Line("THÀNH PHỐ HÀ NỘI", "left", "bold"),
        *MOTTO,
        Line(f"Số: {number}", "left"),
        Line(date_line, "right", "italic"),
        Line("QUYẾT ĐỊNH", "center", "bold", 14, 14),
        Line(summary, "center", "bold"),
        Line("CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", "center", "bold", space_before=8),
        Line("Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;", space_before=6),
        Line("Xét đề nghị của Giám đốc Sở Tài chính,"),
        Line("QUYẾT ĐỊNH:", "center", "bold", space_before=6),
        *[Line(a) for a in articles],
        Line("KT. CHỦ TỊCH", "right", "bold", space_before=10),
        Line("PHÓ CHỦ TỊCH", "right", "bold"),
        Line("Hoàng Văn Phúc", "right", "bold", space_before=36),
    ]


def decision_annex() -> list[Line]:
    return [
        Line("PHỤ LỤC", "center", "bold", 14),
        Line("Danh mục hồ sơ kèm theo Quyết định số 1520/QĐ-UBND", "center", "italic"),
        Line("1. Giấy chứng nhận đăng ký doanh nghiệp (bản sao điện tử).", space_before=10),
        Line("2. Biên bản họp Hội đồng thành viên ngày 10 tháng 6 năm 2025."),
        Line("3. Văn bản ủy quyền cho người nộp hồ sơ."),
    ]


def land_use_certificate(p: Person) -> list[list[Line]]:
    page1 = [
        *MOTTO,
        Line("GIẤY CHỨNG NHẬN", "center", "bold", 16, 16),
        Line("QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT", "center", "bold"),
        Line("Số vào sổ cấp GCN: CS 04127", "center"),
        Line("I. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất", "left", "bold", space_before=10),
        Line(f"Ông: {p.name}     Năm sinh: 1985"),
        Line(f"Số định danh cá nhân: {p.personal_id}"),
        Line(f"Địa chỉ thường trú: {p.address}"),
        Line("II. Thửa đất, nhà ở và tài sản khác gắn liền với đất", "left", "bold", space_before=8),
        Line("a) Thửa đất số: 215, tờ bản đồ số: 18"),
        Line("b) Địa chỉ: phường Nhiêu Lộc, Thành phố Hồ Chí Minh"),
        Line("c) Diện tích: 96,5 m² (Chín mươi sáu phẩy năm mét vuông)"),
        Line("d) Hình thức sử dụng: Sử dụng riêng     đ) Mục đích sử dụng: Đất ở tại đô thị"),
        Line("e) Thời hạn sử dụng: Lâu dài"),
    ]
    page2 = [
        Line("III. Sơ đồ thửa đất và những thay đổi sau khi cấp giấy chứng nhận", "left", "bold"),
        Line("Không có thay đổi.", space_before=8),
        Line("Thành phố Hồ Chí Minh, ngày 14 tháng 7 năm 2019", "right", "italic", space_before=14),
        Line("TM. ỦY BAN NHÂN DÂN", "right", "bold"),
        Line("Nguyễn Thành Long", "right", "bold", space_before=36),
    ]
    return [page1, page2]


def construction_permit(p: Person) -> list[Line]:
    return [
        Line("ỦY BAN NHÂN DÂN", "left", "bold"),
        Line("PHƯỜNG NHIÊU LỘC", "left", "bold"),
        *MOTTO,
        Line("Số: 312/GPXD", "left"),
        Line("GIẤY PHÉP XÂY DỰNG", "center", "bold", 16, 14),
        Line("Sử dụng cho nhà ở riêng lẻ", "center", "italic"),
        Line(f"1. Cấp cho: Ông {p.name}", space_before=10),
        Line(f"Địa chỉ: {p.address}"),
        Line("2. Được phép xây dựng công trình: Nhà ở riêng lẻ"),
        Line("Theo thiết kế có ký hiệu TK-2026-041 do Công ty Tư vấn Kiến trúc Đông Á lập."),
        Line("Vị trí xây dựng: thửa đất số 215, tờ bản đồ số 18, phường Nhiêu Lộc"),
        Line("Tổng diện tích sàn: 320 m²; chiều cao công trình: 15,6 m; số tầng: 4"),
        Line("3. Giấy phép này có hiệu lực khởi công xây dựng trong thời hạn 12 tháng kể từ ngày cấp."),
        Line("Thành phố Hồ Chí Minh, ngày 03 tháng 11 năm 2026", "right", "italic", space_before=10),
        Line("CHỦ TỊCH", "right", "bold"),
        Line("Phan Thị Thu Hà", "right", "bold", space_before=36),
    ]


def phone_photo(card: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo of a card on a desk: uneven light, a tilt, JPEG softness."""
    w, h = card.size
    canvas = Image.new("RGB", (int(w * 1.35), int(h * 1.5)), (120, 96, 70))
    light = Image.linear_gradient("L").resize(canvas.size).point(lambda v: 200 + v // 5)
    canvas = Image.composite(canvas, Image.new("RGB", canvas.size, (90, 70, 50)), light)
    canvas.paste(card, ((canvas.width - w) // 2, (canvas.height - h) // 2))
    photo = canvas.rotate(rng.uniform(-2.5, 2.5), resample=Image.BICUBIC, fillcolor=(90, 70, 50))
    photo = photo.filter(ImageFilter.GaussianBlur(0.6))
    shade = ImageDraw.Draw(photo)
    shade.rectangle((0, 0, photo.width, 30), fill=(60, 50, 40))
    return photo


def image_pdf(pages: list[Image.Image]) -> bytes:
    """An image-only PDF, as a scanner's 'scan to PDF' gives."""
    rgb = [p.convert("L") for p in pages]
    return image_bytes(rgb[0], "PDF", save_all=True, append_images=rgb[1:], resolution=300.0)


MANIFEST_COLUMNS = [
    "file",
    "case_code",
    "procedure_code",
    "agency_code",
    "owner_kind",
    "owner_id",
    "owner_name",
    "document_type",
    "kind",
]


def generate(directory: Path, seed: int = 20261123) -> Path:
    """Write the sample batch and ``manifest.csv`` into ``directory``; returns the manifest path."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in sample_files(random.Random(seed)).items():
        (directory / name).write_bytes(data)
    return write_manifest(directory / "manifest.csv")


def sample_files(rng: random.Random) -> dict[str, bytes]:
    """Every input kind: a phone photo, scans (PDF, PNG, multi-page TIFF), born-digital and mixed PDFs."""
    files: dict[str, bytes] = {}

    files["hs01_cccd_chup_dien_thoai.jpg"] = image_bytes(
        phone_photo(render_card(cccd(HUONG)), rng), "JPEG", quality=88
    )
    files["hs01_xac_nhan_tinh_trang_hon_nhan.pdf"] = image_pdf(
        [scanned(render_page(p), rng, max_skew=0.6, noise=6.0) for p in marital_status(HUONG)]
    )
    files["hs02_giay_khai_sinh.png"] = image_bytes(
        scanned(render_page(birth_certificate(MINH)), rng, max_skew=0.6, noise=6.0), "PNG", dpi=(300, 300)
    )
    files["hs03_giay_chung_nhan_dkdn.pdf"] = born_digital_pdf([business_registration()])
    files["hs03_quyet_dinh_kem_phu_luc.pdf"] = born_digital_pdf(
        [
            decision(
                "1520/QĐ-UBND",
                "Hà Nội, ngày 25 tháng 6 năm 2025",
                "Về việc chấp thuận thay đổi địa điểm kinh doanh của Công ty TNHH Thương mại Sen Vàng",
                [
                    "Điều 1. Chấp thuận cho Công ty TNHH Thương mại Sen Vàng, mã số doanh nghiệp 0101234565, "
                    "thay đổi địa điểm kinh doanh về số 9 phố Tràng Thi, phường Hoàn Kiếm.",
                    "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
                ],
            ),
            scanned(render_page(decision_annex()), rng, max_skew=0.6, noise=6.0),
        ]
    )
    land = [scanned(render_page(p), rng, max_skew=0.6, noise=6.0) for p in land_use_certificate(MINH)]
    files["hs04_giay_chung_nhan_qsdd.tif"] = image_bytes(
        land[0], "TIFF", save_all=True, append_images=land[1:], compression="tiff_lzw", dpi=(300, 300)
    )
    files["hs04_giay_phep_xay_dung.pdf"] = born_digital_pdf([construction_permit(MINH)])
    # The same CCCD photo handed in again for another case: stored once, linked twice.
    files["hs05_cccd_nop_lai.jpg"] = files["hs01_cccd_chup_dien_thoai.jpg"]
    files["hs06_quyet_dinh_ban_quet.pdf"] = image_pdf(
        [
            scanned(
                render_page(
                    decision(
                        "2087/QĐ-UBND",
                        "Hà Nội, ngày 14 tháng 8 năm 2026",
                        "Về việc khen thưởng doanh nghiệp tiêu biểu năm 2026",
                        [
                            "Điều 1. Tặng Bằng khen cho Công ty TNHH Thương mại Sen Vàng vì đã có thành tích "
                            "xuất sắc trong hoạt động sản xuất, kinh doanh năm 2026.",
                            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
                        ],
                    )
                ),
                rng,
            )
        ]
    )
    return files


# One manifest row per sample file: file, case, procedure, agency, owner, declared type, kind.
CITIZEN_A = ("citizen", HUONG.personal_id, HUONG.name)
CITIZEN_B = ("citizen", MINH.personal_id, MINH.name)
COMPANY_OWNER = ("organization", COMPANY[1], "Công ty TNHH Thương mại Sen Vàng")
SAMPLE_ROWS = [
    (
        "hs01_cccd_chup_dien_thoai.jpg",
        "UBTX-261002-00017",
        "HT.KETHON",
        "UBND.TX",
        CITIZEN_A,
        "cccd",
        "component",
    ),
    (
        "hs01_xac_nhan_tinh_trang_hon_nhan.pdf",
        "UBTX-261002-00017",
        "HT.KETHON",
        "UBND.TX",
        CITIZEN_A,
        "marital_status_certificate",
        "component",
    ),
    (
        "hs02_giay_khai_sinh.png",
        "UBNL-261015-00102",
        "HT.TRICHLUC",
        "UBND.NL",
        CITIZEN_B,
        "birth_certificate",
        "component",
    ),
    (
        "hs03_giay_chung_nhan_dkdn.pdf",
        "SOTC-250620-00311",
        "DN.THAYDOI",
        "SOTC.HN",
        COMPANY_OWNER,
        "business_registration",
        "component",
    ),
    (
        "hs03_quyet_dinh_kem_phu_luc.pdf",
        "SOTC-250620-00311",
        "DN.THAYDOI",
        "SOTC.HN",
        COMPANY_OWNER,
        "decision",
        "result",
    ),
    (
        "hs04_giay_chung_nhan_qsdd.tif",
        "UBNL-261020-00145",
        "XD.GPXD",
        "UBND.NL",
        CITIZEN_B,
        "land_use_certificate",
        "component",
    ),
    (
        "hs04_giay_phep_xay_dung.pdf",
        "UBNL-261020-00145",
        "XD.GPXD",
        "UBND.NL",
        CITIZEN_B,
        "construction_permit",
        "result",
    ),
    ("hs05_cccd_nop_lai.jpg", "UBTX-261110-00231", "HT.CUTRU", "UBND.TX", CITIZEN_A, "cccd", "component"),
    (
        "hs06_quyet_dinh_ban_quet.pdf",
        "UBHN-260814-00007",
        "TD.KHENTHUONG",
        "UBND.HN",
        COMPANY_OWNER,
        "",
        "result",
    ),
]


def write_manifest(manifest: Path) -> Path:
    with open(manifest, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(MANIFEST_COLUMNS)
        for file, case, procedure, agency, (kind, ident, name), doc_type, role in SAMPLE_ROWS:
            writer.writerow([file, case, procedure, agency, kind, ident, name, doc_type, role])
    return manifest


def sample_agencies() -> list[str]:
    """The agencies of the sample batch's cases."""
    return sorted({row[3] for row in SAMPLE_ROWS if row[3]})


def ensure_test_certificates() -> list[str]:
    """Self-signed TEST certificates for the sample agencies that have no key yet, so the sample
    batch's results come back with e-copies; returns the agencies given one."""
    from repository.security.signing import has_key, make_test_certificate

    made = [agency for agency in sample_agencies() if not has_key(agency)]
    for agency in made:
        make_test_certificate(agency)
    return made
