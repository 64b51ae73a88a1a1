"""Documents laid out as the official templates lay them out, for the extraction benchmark.

The benchmark's own layouts (``extraction.build``) were written together with the extractor. These
follow the forms instead, in two families with different wording:
- ``official-a``: birth and marital status certificates of Thông tư 04/2020/TT-BTP, the enterprise
  registration certificate of Thông tư 01/2021/TT-BKHĐT, a decision laid out per Nghị định
  30/2020/NĐ-CP (issuer and motto side by side, number and place-date on one line, the person
  concerned named in Điều 1 with their identifier), the 2021 chip ID card, the old 9-digit ID card;
- ``official-b``: the same documents as they also come: extracts (trích lục) instead of the
  original, the 2024 "CĂN CƯỚC" card with its bilingual labels, the old card with other labels, a
  decision on a person named with their CCCD in brackets, other signing titles.
Develop on ``official-a``; ``official-b`` is held out (its figures say how unseen layouts go).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from ocr.render import Line
from ocr.understand import add_months

FAMILIES = ("official-a", "official-b")
TYPES = (
    "birth_certificate", "marital_status_certificate", "business_registration", "decision", "cccd", "cmnd",
)  # fmt: skip
GAP = " " * 8  # two columns on one line: the issuer block left, the motto right (12 pt, as printed)


def _date_words(d: date) -> str:
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def build_official(code: str, family: str, rng: random.Random, person, tax_code, wards, cities):
    """(lines, labelled fields, owner) of one document of ``code`` in ``family``."""
    b = family == "official-b"
    p, mother, father, signer = person(rng), person(rng), person(rng), person(rng).name
    ward, city = rng.choice(wards), rng.choice(cities)
    issued = date(rng.randint(2016, 2026), rng.randint(1, 12), rng.randint(1, 28))
    owner = ("citizen", p.personal_id, p.name)
    commune = rng.choice(["PHƯỜNG", "XÃ"])
    issuer = f"ỦY BAN NHÂN DÂN {commune} {ward.upper()}"
    if code == "birth_certificate":
        registered = p.born + timedelta(days=rng.randint(3, 60))
        number = str(rng.randint(1, 480))
        title = "TRÍCH LỤC KHAI SINH" if b else "GIẤY KHAI SINH"
        lines = [
            Line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "center", "bold"),
            Line("Độc lập - Tự do - Hạnh phúc", "center", "bold"),
            Line(title, "center", "bold", 16, 12),
            Line(
                f"Số: {number}" + (" " * 8 + f"Quyển số: {rng.randint(1, 9):02d}/{registered.year}"), "center"
            ),
            Line(f"Họ, chữ đệm, tên: {p.name.upper()}", space_before=8),
            Line(
                f"Ngày, tháng, năm sinh: {p.born:%d/%m/%Y}"
                + ("" if b else f"   ghi bằng chữ: {_date_words(p.born)}")
            ),
            Line(f"Giới tính: {p.gender}      Dân tộc: Kinh      Quốc tịch: Việt Nam"),
            Line(f"Nơi sinh: Trạm y tế {commune.lower()} {ward}, {city}"),
            Line(f"Quê quán: {rng.choice(cities)}"),
            Line(f"Số định danh cá nhân: {p.personal_id}"),
            Line(f"Họ, chữ đệm, tên người mẹ: {mother.name.upper()}", space_before=6),
            Line(f"Năm sinh: {mother.born.year}      Dân tộc: Kinh      Quốc tịch: Việt Nam"),
            Line(f"Họ, chữ đệm, tên người cha: {father.name.upper()}"),
            Line(f"Năm sinh: {father.born.year}      Dân tộc: Kinh      Quốc tịch: Việt Nam"),
            Line(f"Người đi khai sinh: {father.name}      Quan hệ với người được khai sinh: Cha"),
            Line(
                (
                    f"Nơi đăng ký: Ủy ban nhân dân {commune.lower()} {ward}, {city}"
                    if b
                    else f"Nơi đăng ký khai sinh: Ủy ban nhân dân {commune.lower()} {ward}, {city}"
                ),
                space_before=6,
            ),
            Line(f"Ngày, tháng, năm đăng ký: {registered:%d/%m/%Y}"),
            Line("NGƯỜI KÝ TRÍCH LỤC" if b else "NGƯỜI KÝ GIẤY KHAI SINH", "right", "bold", space_before=8),
            Line(signer, "right", "bold", space_before=30),
        ]
        labels = {
            "full_name": p.name,
            "date_of_birth": p.born.isoformat(),
            "personal_id": p.personal_id,
            "number": number,
            "issue_date": registered.isoformat(),
            "signer": signer,
            "issuer": f"{issuer}, {city.upper()}",
        }
        return lines, labels, owner
    if code == "marital_status_certificate":
        number = f"{rng.randint(1, 999)}/UBND-XNTTHN" if not b else f"{rng.randint(1, 999)}/XNTTHN"
        lines = [
            Line(f"ỦY BAN NHÂN DÂN{GAP}CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "left", "bold", 12),
            Line(f"{commune} {ward.upper()}{GAP}Độc lập - Tự do - Hạnh phúc", "left", "bold", 12),
            Line(f"Số: {number}{GAP}{ward}, {_date_words(issued)}", "left", "regular", 12, space_before=4),
            Line("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "center", "bold", 14, 12),
            Line(
                f"Xét đề nghị của {'ông' if p.gender == 'Nam' else 'bà'} {p.name}"
                " về việc xác nhận tình trạng hôn nhân,",
                space_before=6,
            ),
            Line(f"ỦY BAN NHÂN DÂN {commune} {ward.upper()} XÁC NHẬN:", "left", "bold"),
            Line(f"Họ, chữ đệm, tên: {p.name}"),
            Line(f"Ngày, tháng, năm sinh: {p.born:%d/%m/%Y}"),
            Line(f"Giới tính: {p.gender}      Dân tộc: Kinh      Quốc tịch: Việt Nam"),
            Line(
                f"Giấy tờ tùy thân: Căn cước công dân số {p.personal_id}"
                if b
                else f"Số định danh cá nhân: {p.personal_id}"
            ),
            Line(f"Nơi cư trú: {commune.lower()} {ward}, {city}"),
            Line("Tình trạng hôn nhân: Hiện tại chưa đăng ký kết hôn với ai."),
            Line("Giấy này được cấp để: làm thủ tục đăng ký kết hôn."),
            Line("Giấy này có giá trị sử dụng trong thời hạn 6 tháng, kể từ ngày cấp."),
            Line("TM. ỦY BAN NHÂN DÂN" if b else "KT. CHỦ TỊCH", "right", "bold", space_before=8),
            Line("CHỦ TỊCH" if b else "PHÓ CHỦ TỊCH", "right", "bold"),
            Line(signer, "right", "bold", space_before=30),
        ]
        labels = {
            "full_name": p.name,
            "date_of_birth": p.born.isoformat(),
            "personal_id": p.personal_id,
            "number": number,
            "issue_date": issued.isoformat(),
            "issuer": issuer,
            "signer": signer,
            "valid_until": add_months(issued, 6).isoformat(),
            "scope": "Làm thủ tục đăng ký kết hôn",
        }
        return lines, labels, owner
    if code == "business_registration":
        org = (
            f"CÔNG TY TNHH {rng.choice(['THƯƠNG MẠI AN PHÁT', 'DỊCH VỤ MINH KHANG', 'XÂY DỰNG HƯNG THỊNH'])}"
        )
        tax = tax_code(rng)
        owner = ("organization", tax, org)
        first = issued - timedelta(days=rng.randint(300, 2000))
        department = "SỞ TÀI CHÍNH" if b else "SỞ KẾ HOẠCH VÀ ĐẦU TƯ"
        lines = [
            Line(f"{department} {city.upper()}{GAP}CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "left", "bold", 12),
            Line(f"PHÒNG ĐĂNG KÝ KINH DOANH{GAP}Độc lập - Tự do - Hạnh phúc", "left", "bold", 12),
            Line("GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP", "center", "bold", 14, 12),
            Line("CÔNG TY TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN", "center", "bold"),
            Line(f"MÃ SỐ DOANH NGHIỆP: {tax}" if b else f"Mã số doanh nghiệp: {tax}", "center", "bold"),
            Line(f"Đăng ký lần đầu: {_date_words(first)}", "center"),
            Line(f"Đăng ký thay đổi lần thứ: {rng.randint(1, 6)}, {_date_words(issued)}", "center"),
            Line("1. Tên công ty", space_before=8),
            Line(f"Tên công ty viết bằng tiếng Việt: {org}"),
            Line("Tên công ty viết tắt: " + org.split()[-1] + " CO., LTD"),
            Line(
                f"2. Địa chỉ trụ sở chính: số {rng.randint(1, 200)} phố {ward},"
                f" {commune.lower()} {ward}, {city}"
            ),
            Line(f"3. Vốn điều lệ: {rng.randint(1, 9)}.000.000.000 đồng"),
            Line("4. Người đại diện theo pháp luật của công ty"),
            Line(f"Họ và tên: {p.name.upper()}      Giới tính: {p.gender}      Chức danh: Giám đốc"),
            Line(f"Sinh ngày: {p.born:%d/%m/%Y}      Dân tộc: Kinh      Quốc tịch: Việt Nam"),
            Line(f"Số giấy tờ pháp lý của cá nhân: {p.personal_id}"),
            Line("KT. TRƯỞNG PHÒNG" if b else "TRƯỞNG PHÒNG", "right", "bold", space_before=8),
            *([Line("PHÓ TRƯỞNG PHÒNG", "right", "bold")] if b else []),
            Line(signer, "right", "bold", space_before=30),
        ]
        labels = {
            "tax_code": tax,
            "issue_date": issued.isoformat(),
            "issuer": "PHÒNG ĐĂNG KÝ KINH DOANH",  # the issuing body, not its parent (Nghị định 30/2020)
            "signer": signer,
        }
        return lines, labels, owner
    if code == "decision":
        number = f"{rng.randint(100, 3999)}/QĐ-UBND"
        district = rng.choice(["QUẬN LONG BIÊN", "QUẬN HOÀN KIẾM", "HUYỆN GIA LÂM", "QUẬN HẢI CHÂU"])
        subject = rng.choice(
            [
                ("Về việc khen thưởng cá nhân có thành tích xuất sắc", "Khen thưởng"),
                ("Về việc cấp giấy phép kinh doanh karaoke", "Cấp giấy phép kinh doanh cho"),
                ("Về việc giao đất tái định cư", "Giao đất tái định cư cho"),
            ]
        )
        honorific = "ông" if p.gender == "Nam" else "bà"
        concerned = (
            f"{subject[1]} {honorific} {p.name} (CCCD số {p.personal_id}), thường trú tại {ward}."
            if b
            else f"{subject[1]} {honorific} {p.name}, số định danh cá nhân {p.personal_id},"
            f" nơi cư trú: {commune.lower()} {ward}, {city}."
        )
        lines = [
            Line(f"ỦY BAN NHÂN DÂN{GAP}CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "left", "bold", 12),
            Line(f"{district}{GAP}Độc lập - Tự do - Hạnh phúc", "left", "bold", 12),
            Line(f"Số: {number}{GAP}{city}, {_date_words(issued)}", "left", "regular", 12, space_before=4),
            Line("QUYẾT ĐỊNH", "center", "bold", 14, 12),
            Line(subject[0], "center", "bold"),
            Line(f"CHỦ TỊCH ỦY BAN NHÂN DÂN {district}", "center", "bold", space_before=6),
            Line("Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;", space_before=6),
            Line("Xét đề nghị của Trưởng phòng Nội vụ tại Tờ trình số 45/TTr-NV.", space_before=2),
            Line("QUYẾT ĐỊNH:", "center", "bold", space_before=6),
            Line(f"Điều 1. {concerned}", space_before=4),
            Line("Điều 2. Quyết định này có hiệu lực kể từ ngày ký."),
            Line(
                f"Điều 3. Chánh Văn phòng và {honorific} {p.name} chịu trách nhiệm thi hành Quyết định này."
            ),
            Line("Nơi nhận:", "left", "bold", 11, 8),
            Line("- Như Điều 3;", "left", "regular", 11),
            Line("- Lưu: VT.", "left", "regular", 11),
            Line("KT. CHỦ TỊCH" if not b else "CHỦ TỊCH", "right", "bold"),
            *([Line("PHÓ CHỦ TỊCH", "right", "bold")] if not b else []),
            Line(signer, "right", "bold", space_before=30),
        ]
        labels = {
            "number": number,
            "issue_date": issued.isoformat(),
            "issuer": f"ỦY BAN NHÂN DÂN {district}",
            "signer": signer,
            "summary": subject[0],
            "full_name": p.name,
            "personal_id": p.personal_id,
            "recipients": "Như Điều 3; Lưu: VT",
        }
        return lines, labels, owner
    if code == "cmnd":
        # The old card (1999 pattern): 9 digits, no personal ID; front and back as one page.
        number = f"{rng.randint(0, 38):03d}{rng.randint(0, 999999):06d}"
        issued = date(rng.randint(2005, 2020), rng.randint(1, 12), rng.randint(1, 28))
        if b:
            lines = [
                Line("CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "center", "bold", 11),
                Line("CHỨNG MINH NHÂN DÂN", "center", "bold", 15, 4),
                Line(f"Số: {number}", "center", "bold", 14),
                Line(f"Họ và tên: {p.name.upper()}", space_before=6),
                Line(f"Ngày sinh: {p.born:%d-%m-%Y}"),
                Line(f"Quê quán: {(origin := rng.choice(cities))}"),
                Line(f"Hộ khẩu thường trú: {ward}, {city}"),
                Line("Dân tộc: Kinh      Tôn giáo: Không", space_before=10),
                Line("Đặc điểm nhận dạng: nốt ruồi cách 1 cm trên đuôi mắt phải"),
                Line(f"Ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}", "right"),
                Line(f"GIÁM ĐỐC CÔNG AN {city.upper()}", "right", "bold"),
            ]
        else:
            lines = [
                Line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "center", "bold", 11),
                Line("Độc lập - Tự do - Hạnh phúc", "center", "bold", 10),
                Line("GIẤY CHỨNG MINH NHÂN DÂN", "center", "bold", 15, 4),
                Line(f"SỐ {number}", "center", "bold", 14),
                Line(f"Họ tên: {p.name.upper()}", space_before=6),
                Line(f"Sinh ngày: {p.born:%d/%m/%Y}"),
                Line(f"Nguyên quán: {(origin := rng.choice(cities))}"),
                Line(f"Nơi ĐKHK thường trú: {ward}, {city}"),
                Line("Dân tộc: Kinh      Tôn giáo: Không", space_before=10),
                Line("DẤU VẾT RIÊNG VÀ DỊ HÌNH: sẹo chấm cách 2 cm dưới trước tai trái"),
                Line(f"Ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year}", "right"),
                Line(f"GIÁM ĐỐC CA {city.upper()}", "right", "bold"),
            ]
        labels = {
            "number": number,
            "full_name": p.name,
            "date_of_birth": p.born.isoformat(),
            "issue_date": issued.isoformat(),
            "place_of_origin": origin,
            "place_of_residence": f"{ward}, {city}",
        }
        if b:  # "GIÁM ĐỐC CÔNG AN ...": the issuing body named in the title ("CA" abbreviated on a)
            labels["issuer"] = f"CÔNG AN {city.upper()}"
        return lines, labels, owner
    # cccd: the 2021 chip card (a), the 2024 card (b)
    expiry = date(p.born.year + rng.choice([25, 40, 60]), p.born.month, p.born.day)
    if b:
        lines = [
            Line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "center", "bold", 11),
            Line("SOCIALIST REPUBLIC OF VIET NAM", "center", "regular", 9),
            Line("CĂN CƯỚC", "center", "bold", 16),
            Line("IDENTITY CARD", "center", "regular", 10),
            Line("Số định danh cá nhân / Personal identification number:", size=10, space_before=6),
            Line(p.personal_id, weight="bold", size=14),
            Line("Họ, chữ đệm và tên khai sinh / Surname, middle and given name:", size=10),
            Line(p.name.upper(), weight="bold"),
            Line(f"Ngày, tháng, năm sinh / Date of birth: {p.born:%d/%m/%Y}", size=11),
            Line(f"Giới tính / Sex: {p.gender}      Quốc tịch / Nationality: Việt Nam", size=11),
            Line(f"Có giá trị đến / Date of expiry: {expiry:%d/%m/%Y}", size=11),
        ]
    else:
        lines = [
            Line("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "center", "bold", 11),
            Line("Độc lập - Tự do - Hạnh phúc", "center", "bold", 10),
            Line("CĂN CƯỚC CÔNG DÂN", "center", "bold", 15),
            Line("Citizen Identity Card", "center", "regular", 10),
            Line(f"Số / No.: {p.personal_id}", weight="bold", space_before=6),
            Line("Họ và tên / Full name:", size=10),
            Line(p.name.upper(), weight="bold"),
            Line(f"Ngày sinh / Date of birth: {p.born:%d/%m/%Y}", size=11),
            Line(f"Giới tính / Sex: {p.gender}      Quốc tịch / Nationality: Việt Nam", size=11),
            Line("Quê quán / Place of origin:", size=10),
            Line(origin := f"{commune.title()} {ward}, {city}", size=11),
            Line("Nơi thường trú / Place of residence:", size=10),
            Line(residence := f"Số {rng.randint(1, 99)} ngõ {rng.randint(1, 300)}, {ward}, {city}", size=11),
            Line(f"Có giá trị đến / Date of expiry: {expiry:%d/%m/%Y}", size=11),
        ]
    labels = {
        "personal_id": p.personal_id,
        "full_name": p.name,
        "date_of_birth": p.born.isoformat(),
        "valid_until": expiry.isoformat(),
        # Printed on every card: sex and nationality; the 2021 card's origin and residence too.
        "sex": p.gender,
        "nationality": "Việt Nam",
        **({} if b else {"place_of_origin": origin, "place_of_residence": residence}),
    }
    return lines, labels, owner
