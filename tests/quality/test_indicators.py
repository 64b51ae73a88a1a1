"""The service indicators against rates computed by hand for a small fixture, on both catalogs.

November 2026, two agencies:
  A1 HT.KETHON  (UBND.TX, received 03/11): cccd + marital status submitted, both digitized; resolved
     10/11 with a digitized result                          -> digitized, e-copy
  A2 HT.KETHON  (UBND.TX, received 05/11): cccd digitized, marital status in review; resolved 12/11
     with no result in the repository                       -> not digitized, no e-copy
  A3 HT.TRICHLUC (UBND.TX, received 20/11): nothing submitted; cccd and birth certificate attached
     from the repository, both reusable when it was opened  -> not digitized (no component), reused 2
  B1 DN.THAYDOI (SOTC.HN, received 15/11): registration submitted, digitized 17/11; one reusable on
     file, none attached                                     -> digitized in 2 days
  B0 DN.THAYDOI (SOTC.HN, received 30/10)                    -> outside the period
Requirements: KETHON 2, TRICHLUC 2, THAYDOI 1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from quality.indicators import indicators
from repository.catalog.db import session_scope
from repository.catalog.models import CaseDocument, CaseFile, Document, Owner

NOV = (date(2026, 11, 1), date(2026, 11, 30))


def _doc(s, owner, n: int, type_code: str, status: str, digitized: datetime | None) -> Document:
    doc = Document(owner_id=owner.id, sha256=f"{n:064d}", original_key=f"originals/00/{n}.pdf",
                   doc_type_code=type_code, status=status, digitized_at=digitized)  # fmt: skip
    s.add(doc)
    s.flush()
    return doc


def _case(s, owner, code: str, procedure: str, agency: str, received: date, resolved=None, on_file=None):
    case = CaseFile(case_code=code, procedure_code=procedure, agency_code=agency, owner_id=owner.id,
                    received_on=received, resolved_on=resolved, reusable_on_file=on_file)  # fmt: skip
    s.add(case)
    s.flush()
    return case


def _link(s, case, doc, via: str) -> None:
    s.add(
        CaseDocument(
            case_id=case.id, document_id=doc.id, via=via, role="result" if via == "result" else "component"
        )
    )


@pytest.fixture
def fixture(catalog_url: str) -> str:
    nov = lambda day: datetime(2026, 11, day, 9, tzinfo=UTC)  # noqa: E731
    with session_scope(catalog_url) as s:
        citizen = Owner(kind="citizen", identifier="001190012345", name="Nguyễn Thị Hương")
        company = Owner(kind="organization", identifier="0101234565", name="Sen Vàng")
        s.add_all([citizen, company])
        s.flush()
        a1 = _case(s, citizen, "A1", "HT.KETHON", "UBND.TX", date(2026, 11, 3), date(2026, 11, 10), 0)
        _link(s, a1, _doc(s, citizen, 1, "cccd", "digitized", nov(4)), "submitted")
        _link(s, a1, _doc(s, citizen, 2, "marital_status_certificate", "approved", nov(5)), "submitted")
        result = _doc(s, citizen, 3, "decision", "digitized", nov(10))
        result.ecopy_id = "ecopy-of-a1"  # its signed e-copy was issued (repository.pipeline.ecopy)
        _link(s, a1, result, "result")
        a2 = _case(s, citizen, "A2", "HT.KETHON", "UBND.TX", date(2026, 11, 5), date(2026, 11, 12), 0)
        _link(s, a2, _doc(s, citizen, 4, "cccd", "digitized", nov(6)), "submitted")
        _link(s, a2, _doc(s, citizen, 5, "marital_status_certificate", "needs_review", nov(6)), "submitted")
        a3 = _case(s, citizen, "A3", "HT.TRICHLUC", "UBND.TX", date(2026, 11, 20), None, 2)
        _link(s, a3, _doc(s, citizen, 6, "cccd", "digitized", nov(2)), "reuse")
        _link(s, a3, _doc(s, citizen, 7, "birth_certificate", "digitized", nov(2)), "reuse")
        b1 = _case(s, company, "B1", "DN.THAYDOI", "SOTC.HN", date(2026, 11, 15), None, 1)
        _link(s, b1, _doc(s, company, 8, "business_registration", "digitized", nov(17)), "submitted")
        b0 = _case(s, company, "B0", "DN.THAYDOI", "SOTC.HN", date(2026, 10, 30), None, 1)
        _link(s, b0, _doc(s, company, 9, "business_registration", "digitized", nov(1)), "submitted")
    return catalog_url


def test_each_formula_against_the_hand_count(fixture: str) -> None:
    result = indicators(*NOV, database_url=fixture)
    overall = result["overall"]
    # digitization: A1 and B1 of the 4 received (A2 has one in review, A3 nothing submitted)
    assert overall["counts"]["received"] == 4 and overall["counts"]["digitized_cases"] == 2
    assert overall["digitization_rate"] == 0.5
    assert overall["component_digitization_rate"] == round(4 / 5, 4)  # 4 of A1, A2, B1's 5 components
    # e-copy: A1 and A2 resolved in November, only A1's result is in the repository
    assert overall["result_ecopy_rate"] == 0.5
    # reuse: 2 attachments (A3) over 3 reusable on file (A3: 2, B1: 1) and over 7 requirements
    assert overall["documents_not_brought"] == 2
    assert overall["reuse_rate"] == round(2 / 3, 4) and overall["reuse_rate_all"] == round(2 / 7, 4)
    # receipt -> last component digitized: A1 2 days 9 h (03/11 -> 05/11 09:00), B1 2 days 9 h
    assert overall["digitization_days"]["median"] == 2.38
    agencies = {a["agency"]: a for a in result["agencies"]}
    assert agencies["UBND.TX"]["digitization_rate"] == round(1 / 3, 4)
    assert (
        agencies["SOTC.HN"]["digitization_rate"] == 1.0 and agencies["SOTC.HN"]["result_ecopy_rate"] is None
    )
    fields = {f["field"]: f for f in result["fields"]}
    assert set(fields) >= {"—"}  # cases made here carry no field: the procedure's is set on registration


def test_filters_and_empty_periods(fixture: str) -> None:
    only = indicators(*NOV, agency="SOTC.HN", database_url=fixture)
    assert only["overall"]["counts"]["received"] == 1 and [a["agency"] for a in only["agencies"]] == [
        "SOTC.HN"
    ]
    empty = indicators(date(2025, 1, 1), date(2025, 1, 31), database_url=fixture)
    assert empty["overall"]["digitization_rate"] is None and empty["agencies"] == []


def test_the_daily_trend_is_each_days_own_indicators(fixture: str) -> None:
    from datetime import timedelta

    from quality.indicators import TARGETED, trend

    days = trend(*NOV, database_url=fixture)
    assert len(days) == 30
    for n, day in enumerate(days):
        alone = indicators(NOV[0] + timedelta(days=n), NOV[0] + timedelta(days=n), database_url=fixture)[
            "overall"
        ]
        assert {k: day[k] for k in TARGETED} == {k: alone[k] for k in TARGETED}, day
        assert day["received"] == alone["counts"]["received"]
